"""Moving the twin's Panda: PyBullet's inverse kinematics and its joint position motors, step by step of physics.

Positions are the MuJoCo env's end-effector *site* (``SITE_ABOVE_TARGET`` above pybullet's grasp target,
so the fingertips hang ``primitives.TIP_BELOW_SITE`` below it in both simulators): the same ``HOME_EE``,
``EE_BOUNDS`` and primitive heights mean the same places on the table. The gripper points down, its
fingers closing along the world's y axis, as in the MuJoCo env.
"""

from __future__ import annotations

import numpy as np
import pybullet as pb

from sim2act.envs.tabletop.controller import GRIPPER_OPEN, HOME_EE
from sim2act.envs.tabletop.primitives import TIP_BELOW_SITE
from sim2act.envs.tabletop.twin.world import ARM_JOINTS, FINGER_JOINTS, GRASP_LINK, TIME_STEP, TwinWorld

TIP_BELOW_TARGET = 0.005
"""The fingertips hang this far below pybullet's ``panda_grasptarget`` (m)."""
SITE_ABOVE_TARGET = TIP_BELOW_SITE - TIP_BELOW_TARGET
DOWN = pb.getQuaternionFromEuler([np.pi, 0.0, 0.0])
"""Gripper pointing down (the hand's z along the world's -z), fingers closing along y."""
REST_Q = (0.0, -0.4, 0.0, -2.4, 0.0, 2.0, 0.785)
"""IK's null-space rest pose: elbow up, the wrist turned so the fingers close along y."""
ARM_FORCES = (87.0,) * 4 + (12.0,) * 3
"""The Panda's joint torque limits (N·m)."""
FINGER_FORCE = 40.0
WAYPOINT_STEPS = 12
"""Physics steps between IK waypoints of a straight-line motion."""


class TwinArm:
    """Joint targets for end-effector poses, and motions that step the world's physics toward them."""

    def __init__(self, world: TwinWorld) -> None:
        self.world = world
        c = world.client
        info = [pb.getJointInfo(world.panda, j, physicsClientId=c) for j in ARM_JOINTS]
        self._low = [i[8] for i in info]
        self._high = [i[9] for i in info]
        self.target = HOME_EE.copy()
        """The end-effector site position last commanded (motions start from it, not from where the arm lags)."""
        self.finger = GRIPPER_OPEN

    def ik(self, site: np.ndarray) -> list[float]:
        """Joint angles putting the end-effector site at ``site``, pointing down."""
        c, panda = self.world.client, self.world.panda
        goal = np.asarray(site, float) - [0.0, 0.0, SITE_ABOVE_TARGET]
        ranges = [h - lo for lo, h in zip(self._low, self._high)]
        movable = [*self._low, 0.0, 0.0], [*self._high, 0.04, 0.04], [*ranges, 0.04, 0.04], [*REST_Q, 0.04, 0.04]
        q = pb.calculateInverseKinematics(panda, GRASP_LINK, goal.tolist(), DOWN, lowerLimits=movable[0],
                                          upperLimits=movable[1], jointRanges=movable[2], restPoses=movable[3],
                                          maxNumIterations=100, residualThreshold=1e-5, physicsClientId=c)
        return list(q[: len(ARM_JOINTS)])

    def command(self, q: list[float], finger: float) -> None:
        c, panda = self.world.client, self.world.panda
        pb.setJointMotorControlArray(panda, ARM_JOINTS, pb.POSITION_CONTROL, targetPositions=q, forces=ARM_FORCES,
                                     physicsClientId=c)
        pb.setJointMotorControlArray(panda, FINGER_JOINTS, pb.POSITION_CONTROL, targetPositions=[finger, finger],
                                     forces=[FINGER_FORCE, FINGER_FORCE], physicsClientId=c)

    def set_home(self) -> None:
        """Put the arm at home at once (an episode's start), gripper open."""
        q = list(REST_Q)
        for _ in range(3):  # IK starts from the current joints: begin at the rest pose, refine from the answer
            for joint, angle in zip(ARM_JOINTS, q):
                pb.resetJointState(self.world.panda, joint, angle, physicsClientId=self.world.client)
            q = self.ik(HOME_EE)
        for joint in FINGER_JOINTS:
            pb.resetJointState(self.world.panda, joint, GRIPPER_OPEN, physicsClientId=self.world.client)
        self.target, self.finger = HOME_EE.copy(), GRIPPER_OPEN
        self.command(q, GRIPPER_OPEN)

    def move_to(self, site: np.ndarray, finger: float, seconds: float, waypoint_steps: int = WAYPOINT_STEPS) -> None:
        """Move the site in a straight line to ``site`` over ``seconds``, the fingers to ``finger`` (m each)."""
        steps = max(1, round(seconds / TIME_STEP))
        waypoints = max(1, steps // waypoint_steps)
        start = self.target.copy()
        for k in range(1, waypoints + 1):
            share = k / waypoints
            self.command(self.ik(start + share * (np.asarray(site) - start)),
                         self.finger + share * (finger - self.finger))
            self.world.step(steps // waypoints if k < waypoints else steps - (waypoints - 1) * (steps // waypoints))
        self.target, self.finger = np.asarray(site, float).copy(), finger

    def hold(self, seconds: float) -> None:
        self.world.step(max(1, round(seconds / TIME_STEP)))

    def go_home(self, finger: float, seconds: float) -> None:
        self.move_to(HOME_EE, finger, seconds)

    def ee_position(self) -> np.ndarray:
        """Where the end-effector site is now (not where it was sent)."""
        state = pb.getLinkState(self.world.panda, GRASP_LINK, computeForwardKinematics=True, physicsClientId=self.world.client)
        return np.asarray(state[4]) + [0.0, 0.0, SITE_ABOVE_TARGET]

    def arm_q(self) -> np.ndarray:
        states = pb.getJointStates(self.world.panda, ARM_JOINTS, physicsClientId=self.world.client)
        return np.array([s[0] for s in states])

    def finger_width(self) -> float:
        states = pb.getJointStates(self.world.panda, FINGER_JOINTS, physicsClientId=self.world.client)
        return float(sum(s[0] for s in states))
