"""The tabletop env: a Franka Panda in MuJoCo following CLIPort-style language instructions."""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

import mujoco
import numpy as np
from gymnasium import spaces

from sim2act import features as F
from sim2act.envs.tabletop import predicates
from sim2act.envs.tabletop.appearance import Randomization, SceneLooks, darkened, rgba
from sim2act.envs.tabletop.controller import GRIPPER_OPEN, HOME_EE, ArmController
from sim2act.envs.tabletop.episode import SETTLE_SECONDS, TabletopEpisode, check_options
from sim2act.envs.tabletop.levels import LEVELS, Layout, sample_layout
from sim2act.envs.tabletop.primitives import surface_height
from sim2act.envs.tabletop.rendering import CameraRenderer
from sim2act.envs.tabletop.scene import (
    BLOCK_MASS,
    FRONT_CAMERA,
    WRIST_CAMERA,
    WRIST_FORCE,
    WRIST_TORQUE,
    build_model,
    scene_ids,
    size_block,
)
from sim2act.envs.tabletop.workspace import BLOCK_HALF_SIZES, CELLS, PARK_X, cell_xy

START_JITTER = 0.004
"""Metres an object's start moves from its cell centre."""
WRIST_RGB, WRIST_DEPTH = "wrist_rgb", "wrist_depth"
PROPRIO_NAMES = ("ee_x", "ee_y", "ee_z", "gripper_width", *(f"joint{i}" for i in range(1, 8)))
FORCE_TORQUE_NAMES = ("force_x", "force_y", "force_z", "torque_x", "torque_y", "torque_z")
INSTRUCTION_CHARSET = string.ascii_lowercase + " ,"
MAX_WRENCH = 1000.0
"""Bound (N, N·m) of the wrist force-torque reading in the observation space; readings are clipped to it."""


class TabletopEnv(TabletopEpisode):
    """A Franka Panda at a table of coloured blocks and bowls, seen by a fixed RGB-D camera.

    ## Description
    CLIPort-style tabletop tasks in MuJoCo. The Panda (gymnasium-robotics' franka_sim model, drawn with
    its convex hulls) stands at one end of a slate table; in front of it an 8×8 grid of 5-cm cells holds
    up to five cube blocks (4 cm or 3 cm) and up to three bowls in CLIPort's colours. Grasps hold by
    contact and friction only. The layout and the instruction are fixed by the reset seed.

    ## Mission Space
    ``pick``: "pick up the red block"; ``put-in-bowl`` (and its variants: ``-unseen-colors``, naming
    CLIPort's evaluation colours; ``-distractors``, a full table; ``-randomized``, domain-randomised
    scenes): "put the red block in the blue bowl"; ``stack``: "stack the red
    block on the green block"; ``place-relative``: "put the small red block to the left of the blue
    bowl"; ``tower``: "stack the red, green and blue blocks into a tower" (bottom first).

    ## Action Space
    ``action_mode="pick_place"`` (default): ``MultiDiscrete([64, 64])``, a pick cell and a place cell
    (row-major from the robot's side, column 0 on the camera's left); the Panda runs the whole
    primitive (approach, descend, close, lift, carry, lower, open, home) through IK and its joint servos.
    ``action_mode="ee_delta"``: ``Box(-1, 1, (4,))`` at 10 Hz: the end-effector target moves by
    (dx, dy, dz) × 4 cm, gripper pointing down; the fourth value sets the finger opening (-1 closed, 1 open).

    ## Observation Space
    ``rgb`` (image_size² × 3 uint8) and ``depth`` (float32 metres) from the front camera; with
    ``wrist_camera=True`` also ``wrist_rgb`` / ``wrist_depth``; ``proprio``: end-effector position (m),
    gripper width (m) and the seven joint angles, plus the wrist force (N) and torque (N·m) with
    ``force_torque=True``; ``instruction``.

    ## Rewards
    1 on the step the instruction is verified, else 0 (sim2act learns from ``info["success"]``); with
    ``reward="shaped"`` (for RL baselines) plus potential-based distance shaping (``rewards``).

    ## Info
    ``instruction``; ``success``: the verifier (``predicates``) holds the instruction true (for
    ``pick``: the block was lifted during the step); ``achieved``: facts about named objects that became
    true on this step, phrased as instructions (hindsight labels).

    ## Episode End
    Terminates on success; truncates after the level's number of primitives (``pick_place``) or of
    10-Hz steps (``ee_delta``).

    ## Preview
    ``preview(actions)`` returns the observation each action would lead to, simulated from a copy of
    the MuJoCo state, and leaves the env untouched.

    ## Options
    ``image_size`` (pixels a side, 64), ``action_mode``, ``wrist_camera``, ``force_torque``, ``randomize``
    (per-episode domain randomisation: colour shades, lights, camera pose, table shade, friction, mass),
    ``caption_colors`` (``named`` or ``all``: which objects the prior's captions may name; ``CAPTION_COLORS``),
    ``reward`` (``success`` or ``shaped``; ``rewards``); ``simulator="pybullet"`` builds the PyBullet twin
    instead (``twin.TwinTabletopEnv``).
    """

    def __init__(
        self,
        level: str,
        action_mode: str = "pick_place",
        image_size: int = 64,
        wrist_camera: bool = False,
        force_torque: bool = False,
        randomize: bool = False,
        caption_colors: str = "named",
        reward: str = "success",
        render_mode: str | None = None,
    ) -> None:
        check_options(action_mode, image_size, caption_colors, reward)
        self.reward, self.caption_colors = reward, caption_colors
        self.level, self.action_mode, self.image_size = level, action_mode, int(image_size)
        self.spec_level = LEVELS[level]
        self.wrist_camera, self.force_torque = wrist_camera, force_torque
        self.randomize = randomize or self.spec_level.randomize
        self.render_mode = render_mode
        self.model = build_model(wrist_camera=wrist_camera, force_torque=force_torque)
        self.data = mujoco.MjData(self.model)
        self.ids = scene_ids(self.model)
        self.controller = ArmController(self.model, self.data, self.ids)
        self._renderer: CameraRenderer | None = None
        self._looks = SceneLooks(
            self.model, self.ids.table_geom, self.ids.block_geoms,
            mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_CAMERA, FRONT_CAMERA),
        )
        self._randomization = Randomization()
        self._state_size = mujoco.mj_stateSize(self.model, mujoco.mjtState.mjSTATE_INTEGRATION)
        self.layout: Layout | None = None
        self.blocks: list[predicates.BlockView] = []
        self.bowls: list[predicates.BowlView] = []
        self._facts: set[str] = set()
        self._steps = 0
        self.start_positions: dict[int, np.ndarray] = {}
        """Each block's centre after the reset (the ``pick`` goal of the shaped reward)."""
        self._potential = 0.0
        self.action_space = (
            spaces.MultiDiscrete([CELLS, CELLS]) if action_mode == "pick_place"
            else spaces.Box(-1.0, 1.0, (4,), np.float32)
        )
        self.action_names = ("pick_cell", "place_cell") if action_mode == "pick_place" else ("dx", "dy", "dz", "gripper")
        side, far = self.image_size, float(self.model.vis.map.zfar * self.model.stat.extent)
        observation = {F.RGB: spaces.Box(0, 255, (side, side, 3), np.uint8),
                       F.DEPTH: spaces.Box(0.0, far, (side, side), np.float32)}
        if wrist_camera:
            observation[WRIST_RGB] = spaces.Box(0, 255, (side, side, 3), np.uint8)
            observation[WRIST_DEPTH] = spaces.Box(0.0, far, (side, side), np.float32)
        self.proprio_names = PROPRIO_NAMES + (FORCE_TORQUE_NAMES if force_torque else ())
        joints = self.model.jnt_range[[self.model.dof_jntid[d] for d in self.ids.arm_dofs]]
        low = [-2.0, -2.0, -1.0, 0.0, *joints[:, 0]] + [-MAX_WRENCH] * (6 if force_torque else 0)
        high = [2.0, 2.0, 2.0, 2 * GRIPPER_OPEN + 0.01, *joints[:, 1]] + [MAX_WRENCH] * (6 if force_torque else 0)
        observation[F.PROPRIO] = spaces.Box(np.array(low, np.float32), np.array(high, np.float32))
        observation[F.INSTRUCTION] = spaces.Text(512, charset=INSTRUCTION_CHARSET)
        self.observation_space = spaces.Dict(observation)

    # -- episode --------------------------------------------------------------------------------------

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        rng = np.random.default_rng(seed) if seed is not None else self.np_random
        self.layout = sample_layout(self.level, rng)
        mujoco.mj_resetData(self.model, self.data)
        self._looks.apply(rng if self.randomize else None, self._randomization)
        self._place_objects(rng)
        self.data.qpos[self.ids.arm_qpos] = self.controller.home_q
        self.data.qpos[self.ids.finger_qpos] = GRIPPER_OPEN
        self.controller.command(self.controller.home_q, GRIPPER_OPEN)
        mujoco.mj_forward(self.model, self.data)
        self.controller.hold(SETTLE_SECONDS)
        self.controller.target = HOME_EE.copy()
        self._begin()
        return self._observation(), self._info(False, [])

    def preview(self, actions: Sequence[Any], repeat: int = 1) -> list[dict[str, Any]]:
        """The observation each action would lead to from the current state, held for ``repeat`` steps (an action
        chunk); the env itself does not move."""
        saved = self._save()
        observations = []
        for action in actions:
            for _ in range(repeat):
                self._simulate(action)
            observations.append(self._observation())
            self._restore(saved)
        return observations

    # -- simulation -----------------------------------------------------------------------------------

    def surface_height(self, xy: np.ndarray) -> float:
        """Height of the first surface below ``xy`` (the table top is 0), by MuJoCo's ray."""
        return surface_height(self.model, self.data, xy)

    def body_position(self, body: int) -> np.ndarray:
        """A block's or bowl's centre (privileged state: the verifier, rewards and the expert read it)."""
        return self.data.xpos[body].copy()

    def facts(self) -> set[str]:
        """Every fact of the task language that holds now (the verifier; privileged state)."""
        return predicates.facts(self.model, self.data, self.blocks, self.bowls, self.ids.fingers)

    def _save(self) -> tuple:
        state = np.empty(self._state_size)
        mujoco.mj_getState(self.model, self.data, state, mujoco.mjtState.mjSTATE_INTEGRATION)
        return state, self.controller.target.copy()

    def _restore(self, saved: tuple) -> None:
        state, ee_target = saved
        mujoco.mj_setState(self.model, self.data, state, mujoco.mjtState.mjSTATE_INTEGRATION)
        mujoco.mj_forward(self.model, self.data)
        self.controller.target = ee_target.copy()

    def _place_objects(self, rng: np.random.Generator) -> None:
        m, d, ids = self.model, self.data, self.ids
        shade = self._randomization.shade if self.randomize else 0.0
        self.blocks = []
        for k, body in enumerate(ids.blocks):  # park the whole pool, floating out of view
            d.qpos[ids.block_qpos[k] : ids.block_qpos[k] + 7] = [PARK_X + 0.2 * k, 3.0, 1.0, 1, 0, 0, 0]
            m.body_gravcomp[body] = 1.0
        named = set(self.layout.named_colors)
        for k, block in enumerate(self.layout.blocks):
            body, geom, adr = ids.blocks[k], ids.block_geoms[k], ids.block_qpos[k]
            half = BLOCK_HALF_SIZES[block.size]
            size_block(m, body, geom, half, BLOCK_MASS * self._looks.mass_scale[k])
            xy = cell_xy(block.cell) + rng.uniform(-START_JITTER, START_JITTER, 2)
            d.qpos[adr : adr + 7] = [xy[0], xy[1], half + 0.0005, 1, 0, 0, 0]
            m.body_gravcomp[body] = 0.0
            m.geom_rgba[geom] = rgba(block.color, rng if shade else None, shade)
            self.blocks.append(predicates.BlockView(block.color, block.size, half, body, geom, block.color in named))
        self.bowls = []
        for k, body in enumerate(ids.bowls):
            m.body_pos[body] = [PARK_X + 0.3 * k, -3.0, 0.0]
        for k, bowl in enumerate(self.layout.bowls):
            body = ids.bowls[k]
            m.body_pos[body, :2] = cell_xy(bowl.cell)
            m.body_pos[body, 2] = 0.0
            color = rgba(bowl.color, rng if shade else None, shade)
            for geom in ids.bowl_geoms[k]:
                m.geom_rgba[geom] = color
            floor = darkened(color, rng if self.randomize else None, self._randomization.bowl_floor)
            m.geom_rgba[ids.bowl_floors[k]] = floor
            self.bowls.append(predicates.BowlView(bowl.color, body, bowl.color in named))

    # -- observation ----------------------------------------------------------------------------------

    def _observation(self) -> dict[str, Any]:
        if self._renderer is None:
            self._renderer = CameraRenderer(self.model, self.image_size, self.image_size)
        rgb, depth = self._renderer.render(self.data, FRONT_CAMERA)
        obs = {F.RGB: rgb, F.DEPTH: depth}
        if self.wrist_camera:
            obs[WRIST_RGB], obs[WRIST_DEPTH] = self._renderer.render(self.data, WRIST_CAMERA)
        proprio = [*self.controller.ee_position(), float(self.data.qpos[self.ids.finger_qpos].sum()),
                   *self.controller.arm_q()]
        if self.force_torque:
            for name in (WRIST_FORCE, WRIST_TORQUE):
                adr = self.model.sensor_adr[mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_SENSOR, name)]
                proprio.extend(self.data.sensordata[adr : adr + 3])
        space = self.observation_space[F.PROPRIO]
        obs[F.PROPRIO] = np.clip(np.asarray(proprio, np.float32), space.low, space.high)
        obs[F.INSTRUCTION] = self.layout.instruction
        return obs

    def close(self):
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
