"""Moving the Panda: inverse kinematics and joint-space motion through its position servos.

The gripper always points straight down with its fingers closing along the world's y axis (blocks
are axis-aligned, so a top grasp needs no wrist rotation). Inverse kinematics is damped least
squares on the end-effector site's position and orientation error, solved on a scratch ``MjData``
so the simulated robot never jumps: the arm reaches a pose only by its servos tracking joint
targets, step by step of physics.
"""

from __future__ import annotations

import mujoco
import numpy as np

from sim2act.envs.tabletop.scene import SceneIds

DOWN = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])
"""Rotation of the end-effector site pointing down: its z axis is the world's -z, x the world's x."""
_DOWN_QUAT = np.zeros(4)
mujoco.mju_mat2Quat(_DOWN_QUAT, DOWN.reshape(-1))
_DAMPING = 1e-4 * np.eye(6)
HOME_EE = np.array([0.22, 0.0, 0.36])
"""Where the gripper waits between actions: above the robot's base, out of the front camera's view of the table."""
HOME_Q = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 0.0, 0.0])
FRANKA_JOINT_OFFSETS = np.array([0.0, 0.002, 0.0, -0.108, 0.0, 1.679, 0.785])
"""A Franka's seven joint readings at the home pose (in Franka's own convention, as libfranka and pybullet_data's
URDF report them) minus this chain's: franka_sim zeroes the wrist joints elsewhere (π/2 and π/4 apart), and the
two kinematic models reach home a little differently. A Franka's readings minus these offsets are the proprio
sim2act's tabletop policies are trained on (the PyBullet twin reports them so; README, "Wiring a real Franka")."""
"""Gripper down at (0.31, 0, 0.49) in this chain (its wrist frames differ from the Panda's URDF): the IK seed."""
GRIPPER_OPEN, GRIPPER_CLOSED = 0.04, 0.0
"""Finger servo targets (m per finger)."""
WAYPOINT_STEPS = 12
"""Physics steps between IK waypoints of a straight-line motion."""
EE_BOUNDS = np.array([[0.18, -0.32, 0.005], [0.78, 0.32, 0.45]])
"""Box the end-effector target is clipped to (m): the workspace plus a margin, above the table."""


class ArmController:
    """Joint targets for end-effector poses, and motions that step physics toward them."""

    def __init__(self, model: mujoco.MjModel, data: mujoco.MjData, ids: SceneIds) -> None:
        self.model, self.data, self.ids = model, data, ids
        self._scratch = mujoco.MjData(model)
        self._jac = np.zeros((6, model.nv))
        self._low = model.jnt_range[[model.dof_jntid[d] for d in ids.arm_dofs], 0]
        self._high = model.jnt_range[[model.dof_jntid[d] for d in ids.arm_dofs], 1]
        self.home_q = self.ik(HOME_EE, HOME_Q)
        self.target = HOME_EE.copy()
        """The end-effector position last commanded (motions start from it, not from where the arm lags)."""

    def ik(self, position: np.ndarray, seed: np.ndarray, iterations: int = 60) -> np.ndarray:
        """Joint angles putting the end-effector site at ``position``, pointing down (DLS from ``seed``)."""
        m, s, ids = self.model, self._scratch, self.ids
        q = np.array(seed, dtype=np.float64)
        error, site_quat, error_quat = np.zeros(6), np.zeros(4), np.zeros(4)
        for _ in range(iterations):
            s.qpos[ids.arm_qpos] = q
            mujoco.mj_kinematics(m, s)
            mujoco.mj_comPos(m, s)
            error[:3] = position - s.site_xpos[ids.ee_site]
            mujoco.mju_mat2Quat(site_quat, s.site_xmat[ids.ee_site])
            mujoco.mju_negQuat(site_quat, site_quat)
            mujoco.mju_mulQuat(error_quat, _DOWN_QUAT, site_quat)
            mujoco.mju_quat2Vel(error[3:], error_quat, 1.0)  # world-frame rotation still to go
            if np.abs(error[:3]).max() < 1e-4 and np.abs(error[3:]).max() < 1e-3:
                break
            mujoco.mj_jacSite(m, s, self._jac[:3], self._jac[3:], ids.ee_site)
            jac = self._jac[:, ids.arm_dofs]
            step = jac.T @ np.linalg.solve(jac @ jac.T + _DAMPING, error)
            step *= min(1.0, 0.3 / max(np.abs(step).max(), 1e-12))  # small steps: no flips through singularities
            q = np.clip(q + step, self._low, self._high)
        return q

    def ee_position(self) -> np.ndarray:
        return self.data.site_xpos[self.ids.ee_site].copy()

    def arm_q(self) -> np.ndarray:
        return self.data.qpos[self.ids.arm_qpos].copy()

    def command(self, arm_q: np.ndarray, gripper: float) -> None:
        """Set the servo targets (the arm's seven joints, both fingers)."""
        self.data.ctrl[:7] = arm_q
        self.data.ctrl[7:9] = gripper

    def move_to(self, position: np.ndarray, gripper: float, seconds: float, waypoint_steps: int = WAYPOINT_STEPS) -> None:
        """Move the gripper in a straight line from its last commanded pose to ``position`` over ``seconds``.

        The line is cut into waypoints every ``waypoint_steps`` physics steps (smoothstep-spaced in time, so
        the motion starts and ends at rest), each solved by IK from the previous solution; the servos
        track each waypoint's joint targets while physics runs those steps (MuJoCo's own loop, no
        Python per physics step).
        """
        start, start_g = self.target.copy(), float(self.data.ctrl[7])
        steps = max(1, int(round(seconds / self.model.opt.timestep)))
        q = self.data.ctrl[:7].copy()
        done = 0
        while done < steps:
            chunk = min(waypoint_steps, steps - done)
            done += chunk
            t = done / steps
            s = t * t * (3 - 2 * t)
            q = self.ik(start + s * (position - start), q, iterations=4)
            self.command(q, start_g + t * (gripper - start_g))
            mujoco.mj_step(self.model, self.data, nstep=chunk)
        self.target = np.array(position, dtype=np.float64)

    def go_home(self, gripper: float, seconds: float) -> None:
        """Straight back to the home pose."""
        self.move_to(HOME_EE, gripper, seconds)

    def hold(self, seconds: float) -> None:
        """Keep the current targets for ``seconds`` (let the servos settle)."""
        mujoco.mj_step(self.model, self.data, nstep=max(1, int(round(seconds / self.model.opt.timestep))))
