"""``TwinTabletopEnv``: the tabletop rebuilt in PyBullet, for transfer experiments (``simulator="pybullet"``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pybullet as pb
from gymnasium import spaces

from sim2act import features as F
from sim2act.envs.tabletop import predicates
from sim2act.envs.tabletop.appearance import Randomization
from sim2act.envs.tabletop.controller import FRANKA_JOINT_OFFSETS, GRIPPER_OPEN
from sim2act.envs.tabletop.env import INSTRUCTION_CHARSET, PROPRIO_NAMES
from sim2act.envs.tabletop.episode import SETTLE_SECONDS, TabletopEpisode, check_options
from sim2act.envs.tabletop.levels import LEVELS, Layout, sample_layout
from sim2act.envs.tabletop.primitives import PROBE_TOP
from sim2act.envs.tabletop.twin.arm import TwinArm
from sim2act.envs.tabletop.twin.world import FINGER_JOINTS, MUJOCO_DEPTH_FAR, TwinWorld, front_camera
from sim2act.envs.tabletop.workspace import CELLS

URDF_JOINT_LOW = np.array([-2.9671, -1.8326, -2.9671, -3.1416, -2.9671, -0.0873, -2.9671])
URDF_JOINT_HIGH = np.array([2.9671, 1.8326, 2.9671, 0.0, 2.9671, 3.8223, 2.9671])
PROPRIO_LOW = np.array([-2.0, -2.0, -1.0, 0.0, *(URDF_JOINT_LOW - FRANKA_JOINT_OFFSETS)], np.float32)
PROPRIO_HIGH = np.array([2.0, 2.0, 2.0, 2 * GRIPPER_OPEN + 0.01, *(URDF_JOINT_HIGH - FRANKA_JOINT_OFFSETS)], np.float32)
"""Bounds of the proprio vector: the MuJoCo env's, with the joint limits of pybullet_data's Panda URDF (in the MuJoCo
chain's convention)."""


class TwinTabletopEnv(TabletopEpisode):
    """The tabletop's PyBullet twin: the same levels, colours, camera pose, observations and actions, other physics.

    ## Description
    The MuJoCo tabletop (``TabletopEnv``) rebuilt in PyBullet: pybullet_data's Franka Panda URDF (its own
    kinematics and meshes), a table, cubes and segmented bowls from PyBullet primitives, PyBullet's solver
    at 240 Hz and its TinyRenderer. Layouts and instructions come from the same levels (``levels``) and
    seed; success from the same predicates (``predicates.facts_of``) read off PyBullet's state. It is
    the stand-in for "another world" a MuJoCo-trained policy has never seen (``sim2act bench transfer``).

    ## Mission Space
    As ``TabletopEnv``: every level (``pick``, ``put-in-bowl`` and its variants, ``stack``, ``place-relative``, ``tower``).

    ## Action Space
    As ``TabletopEnv``: ``pick_place`` ``MultiDiscrete([64, 64])`` (the same primitive, its heights from a
    ray probe), or ``ee_delta`` ``Box(-1, 1, (4,))`` at 10 Hz.

    ## Observation Space
    As ``TabletopEnv`` without the wrist camera and force-torque options: ``rgb``, ``depth`` (metres
    along the optical axis), ``proprio`` (end-effector site position, gripper width, the URDF's seven
    joint angles) and ``instruction``. The URDF follows Franka's joint conventions, the MuJoCo chain
    others: the twin reports its joints less ``FRANKA_JOINT_OFFSETS``, as a real Franka's readings must be
    (read raw, they cost a MuJoCo-trained put-in-bowl policy 8 points here: 62.7% against 70.7%, n = 150).

    ## Rewards
    As ``TabletopEnv``: 1 on the verified step; ``reward="shaped"`` adds the same potential-based shaping.

    ## Info
    ``instruction``, ``success``, ``achieved`` (hindsight facts), as ``TabletopEnv``.

    ## Episode End
    As ``TabletopEnv``: success terminates; the level's primitives or 10-Hz steps truncate.

    ## Preview
    ``preview(actions)`` simulates each action from a saved PyBullet state and restores it.

    ## Options
    ``image_size``, ``action_mode``, ``randomize`` (colour shades, light, camera pose, table shade,
    friction, mass), ``caption_colors``, ``reward``.
    """

    EE_WAYPOINT_STEPS = 12
    """Two IK waypoints per 10-Hz step (24 physics steps at 240 Hz)."""

    def __init__(self, level: str, action_mode: str = "pick_place", image_size: int = 64, randomize: bool = False,
                 caption_colors: str = "named", reward: str = "success", render_mode: str | None = None) -> None:
        check_options(action_mode, image_size, caption_colors, reward)
        self.level, self.action_mode, self.image_size = level, action_mode, int(image_size)
        self.reward, self.caption_colors, self.render_mode = reward, caption_colors, render_mode
        self.spec_level = LEVELS[level]
        self.randomize = randomize or self.spec_level.randomize
        self.world = TwinWorld()
        self.controller: TwinArm | None = None
        self._camera = front_camera(None, Randomization())
        self.layout: Layout | None = None
        self._facts: set[str] = set()
        self._steps = 0
        self._potential = 0.0
        self.start_positions: dict[int, np.ndarray] = {}
        self.action_space = (spaces.MultiDiscrete([CELLS, CELLS]) if action_mode == "pick_place"
                             else spaces.Box(-1.0, 1.0, (4,), np.float32))
        self.action_names = ("pick_cell", "place_cell") if action_mode == "pick_place" else ("dx", "dy", "dz", "gripper")
        self.proprio_names = PROPRIO_NAMES
        side = self.image_size
        self.observation_space = spaces.Dict({
            F.RGB: spaces.Box(0, 255, (side, side, 3), np.uint8),
            F.DEPTH: spaces.Box(0.0, MUJOCO_DEPTH_FAR, (side, side), np.float32),
            F.PROPRIO: spaces.Box(PROPRIO_LOW, PROPRIO_HIGH),
            F.INSTRUCTION: spaces.Text(512, charset=INSTRUCTION_CHARSET),
        })

    @property
    def blocks(self) -> list[predicates.BlockView]:
        return self.world.blocks

    @property
    def bowls(self) -> list[predicates.BowlView]:
        return self.world.bowls

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        rng = np.random.default_rng(seed) if seed is not None else self.np_random
        self.layout = sample_layout(self.level, rng)
        spec = Randomization()
        self._camera = front_camera(rng if self.randomize else None, spec)
        self.world.build(self.layout, rng, self.randomize, spec)
        self.controller = TwinArm(self.world)
        self.controller.set_home()
        self.controller.hold(SETTLE_SECONDS)
        self._begin()
        return self._observation(), self._info(False, [])

    def preview(self, actions: Sequence[Any], repeat: int = 1) -> list[dict[str, Any]]:
        """The observation each action would lead to from the current state; the env itself does not move."""
        c = self.world.client
        saved, target, finger = pb.saveState(physicsClientId=c), self.controller.target.copy(), self.controller.finger
        observations = []
        try:
            for action in actions:
                for _ in range(repeat):
                    self._simulate(action)
                observations.append(self._observation())
                pb.restoreState(saved, physicsClientId=c)
                self.controller.target, self.controller.finger = target.copy(), finger
        finally:
            pb.removeState(saved, physicsClientId=c)
        return observations

    def surface_height(self, xy: np.ndarray) -> float:
        """Height of the first surface below ``xy`` other than the arm (the table top is 0), by a ray."""
        c = self.world.client
        start, end = [xy[0], xy[1], PROBE_TOP], [xy[0], xy[1], -0.01]
        for hit in pb.rayTestBatch([start], [end], reportHitNumber=-1, fractionEpsilon=1e-4, physicsClientId=c) or []:
            body, _, _, position, _ = hit
            if body not in (-1, self.world.panda):
                return max(0.0, float(position[2]))
        return 0.0

    def body_position(self, body: int) -> np.ndarray:
        """A block's or bowl's centre (privileged state: the verifier, rewards and the expert read it)."""
        return np.asarray(pb.getBasePositionAndOrientation(body, physicsClientId=self.world.client)[0])

    def facts(self) -> set[str]:
        """Every fact of the task language that holds now, by the MuJoCo env's predicates."""
        c, panda = self.world.client, self.world.panda
        states = []
        for block in self.blocks:
            velocity = np.asarray(pb.getBaseVelocity(block.body, physicsClientId=c)[0])
            touching = {link for link in FINGER_JOINTS
                        if pb.getContactPoints(bodyA=block.body, bodyB=panda, linkIndexB=link, physicsClientId=c)}
            states.append(predicates.BlockState(self.body_position(block.body), float(np.linalg.norm(velocity)),
                                                len(touching) == 2))
        return predicates.facts_of(self.blocks, states, self.bowls, [self.body_position(b.body)[:2] for b in self.bowls])

    def _observation(self) -> dict[str, Any]:
        rgb, depth = self.world.render(self._camera, self.image_size)
        joints = self.controller.arm_q() - FRANKA_JOINT_OFFSETS  # in the MuJoCo chain's convention, as a real Franka's
        proprio = [*self.controller.ee_position(), self.controller.finger_width(), *joints]
        space = self.observation_space[F.PROPRIO]
        return {F.RGB: rgb, F.DEPTH: depth, F.PROPRIO: np.clip(np.asarray(proprio, np.float32), space.low, space.high),
                F.INSTRUCTION: self.layout.instruction}

    def close(self):
        self.world.close()
