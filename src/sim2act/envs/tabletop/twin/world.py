"""The twin's PyBullet world: pybullet_data's Franka Panda, the table, one episode's blocks and bowls, the camera.

The same geometry as the MuJoCo scene (``workspace``: table top at z = 0, the Panda's base at the origin,
5-cm cells, 4/3-cm cubes, bowls of 12 wall segments) built from PyBullet's own primitives, simulated by
its own solver at 240 Hz and drawn by its TinyRenderer (a software rasteriser: no GPU, no display).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pybullet as pb
import pybullet_data

from sim2act.envs.tabletop.appearance import TABLE_RGB, Randomization, rgba
from sim2act.envs.tabletop.levels import Layout
from sim2act.envs.tabletop.predicates import BlockView, BowlView
from sim2act.envs.tabletop.workspace import (
    BLOCK_HALF_SIZES,
    BOWL_HEIGHT,
    BOWL_INNER_RADIUS,
    BOWL_WALL,
    CAMERA_FOVY,
    CAMERA_LOOKAT,
    CAMERA_POS,
    cell_xy,
)

TIME_STEP = 1.0 / 240.0
"""Physics step (s): PyBullet's default."""
PANDA_URDF = "franka_panda/panda.urdf"
ARM_JOINTS = tuple(range(7))
FINGER_JOINTS = (9, 10)
GRASP_LINK = 11
"""``panda_grasptarget``: between the finger pads."""
BLOCK_MASS = 0.05
BLOCK_FRICTION, FINGER_FRICTION, TABLE_FRICTION = 1.2, 1.5, 1.0
START_LIFT = 0.0005
START_JITTER = 0.004
NEAR = 0.01
MUJOCO_DEPTH_FAR = 24.399302
"""The MuJoCo env's depth bound (its zfar × its model's extent): the twin's observation space is the same."""
FAR = 4.0
"""Far clip of the twin's camera (m); nothing on the table lies beyond it."""
LIGHT_DIRECTION = (0.4, 0.0, 1.0)


@dataclass
class Camera:
    """The front camera as PyBullet draws it: view and projection matrices, with randomisation applied."""

    view: tuple
    projection: tuple
    light: tuple[float, float, float]
    brightness: float = 1.0


def front_camera(rng: np.random.Generator | None, spec: Randomization) -> Camera:
    """The MuJoCo scene's camera pose and field of view (moved and tilted within ``spec`` when ``rng`` is given)."""
    eye, target = np.asarray(CAMERA_POS, float), np.asarray(CAMERA_LOOKAT, float)
    light, brightness = np.asarray(LIGHT_DIRECTION, float), 1.0
    if rng is not None:
        eye = eye + rng.uniform(-spec.camera_shift, spec.camera_shift, 3)
        forward = target - eye
        target = eye + forward + np.linalg.norm(forward) * rng.uniform(-spec.camera_tilt, spec.camera_tilt, 3)
        light = light + rng.uniform(-0.3, 0.3, 3)
        brightness = float(rng.uniform(1 - spec.light, 1 + spec.light))
    forward = (target - eye) / np.linalg.norm(target - eye)
    right = np.cross(forward, [0.0, 0.0, 1.0])
    up = np.cross(right / np.linalg.norm(right), forward)
    view = pb.computeViewMatrix(eye.tolist(), target.tolist(), up.tolist())
    projection = pb.computeProjectionMatrixFOV(CAMERA_FOVY, 1.0, NEAR, FAR)
    return Camera(view, projection, tuple(light.tolist()), brightness)


class TwinWorld:
    """One PyBullet physics client holding the scene; ``build`` lays out an episode."""

    def __init__(self) -> None:
        self.client = pb.connect(pb.DIRECT)
        pb.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=self.client)
        self.panda = -1
        self.blocks: list[BlockView] = []
        self.bowls: list[BowlView] = []
        self.table_rgb = np.asarray(TABLE_RGB)

    def build(self, layout: Layout, rng: np.random.Generator, randomize: bool, spec: Randomization) -> None:
        """A fresh simulation holding ``layout`` (its objects a few mm off their cell centres, as in MuJoCo)."""
        c = self.client
        pb.resetSimulation(physicsClientId=c)
        pb.setGravity(0, 0, -9.81, physicsClientId=c)
        pb.setTimeStep(TIME_STEP, physicsClientId=c)
        shade = spec.shade if randomize else 0.0
        self.table_rgb = np.asarray(TABLE_RGB) + (rng.uniform(-spec.table_shade, spec.table_shade, 3) if randomize else 0.0)
        table = self._box([0.55, 0.5, 0.02], [*np.clip(self.table_rgb, 0, 1), 1.0], 0.0, [0.45, 0.0, -0.02])
        pb.changeDynamics(table, -1, lateralFriction=TABLE_FRICTION, physicsClientId=c)
        self.panda = pb.loadURDF(PANDA_URDF, [0, 0, 0], useFixedBase=True, flags=pb.URDF_USE_INERTIA_FROM_FILE,
                                 physicsClientId=c)
        for link in FINGER_JOINTS:
            pb.changeDynamics(self.panda, link, lateralFriction=FINGER_FRICTION, physicsClientId=c)
        named = set(layout.named_colors)
        self.blocks = []
        for block in layout.blocks:
            half = BLOCK_HALF_SIZES[block.size]
            xy = cell_xy(block.cell) + rng.uniform(-START_JITTER, START_JITTER, 2)
            mass, friction = BLOCK_MASS, BLOCK_FRICTION
            if randomize:
                mass *= rng.uniform(1 - spec.mass, 1 + spec.mass)
                friction *= rng.uniform(1 - spec.friction, 1 + spec.friction)
            body = self._box([half] * 3, rgba(block.color, rng if shade else None, shade).tolist(), mass,
                             [xy[0], xy[1], half + START_LIFT])
            pb.changeDynamics(body, -1, lateralFriction=friction, physicsClientId=c)
            self.blocks.append(BlockView(block.color, block.size, half, body, -1, block.color in named))
        self.bowls = []
        for bowl in layout.bowls:
            body = self._bowl(cell_xy(bowl.cell), rgba(bowl.color, rng if shade else None, shade).tolist())
            self.bowls.append(BowlView(bowl.color, body, bowl.color in named))

    def _box(self, half: list[float], color: list[float], mass: float, position: list[float]) -> int:
        c = self.client
        shape = pb.createCollisionShape(pb.GEOM_BOX, halfExtents=half, physicsClientId=c)
        look = pb.createVisualShape(pb.GEOM_BOX, halfExtents=half, rgbaColor=color, physicsClientId=c)
        return pb.createMultiBody(mass, shape, look, position, physicsClientId=c)

    def _bowl(self, xy: np.ndarray, color: list[float]) -> int:
        """A static bowl: a flat base and 12 wall segments around it, as in the MuJoCo scene."""
        segments, outer = 12, BOWL_INNER_RADIUS + BOWL_WALL
        kinds, sizes, lengths, radii, positions, orientations = [pb.GEOM_CYLINDER], [[0, 0, 0]], [0.008], [outer], [[0, 0, 0.004]], [[0, 0, 0, 1]]
        half_len = outer * np.tan(np.pi / segments) + 0.001
        for k in range(segments):
            angle = 2 * np.pi * k / segments
            r = BOWL_INNER_RADIUS + BOWL_WALL / 2
            kinds.append(pb.GEOM_BOX)
            sizes.append([BOWL_WALL / 2, half_len, BOWL_HEIGHT / 2])
            lengths.append(0.0)
            radii.append(0.0)
            positions.append([r * np.cos(angle), r * np.sin(angle), BOWL_HEIGHT / 2])
            orientations.append(list(pb.getQuaternionFromEuler([0, 0, angle])))
        c = self.client
        shape = pb.createCollisionShapeArray(kinds, radii=radii, halfExtents=sizes, lengths=lengths,
                                             collisionFramePositions=positions, collisionFrameOrientations=orientations,
                                             physicsClientId=c)
        look = pb.createVisualShapeArray(kinds, radii=radii, halfExtents=sizes, lengths=lengths, rgbaColors=[color] * len(kinds),
                                         visualFramePositions=positions, visualFrameOrientations=orientations, physicsClientId=c)
        return pb.createMultiBody(0.0, shape, look, [xy[0], xy[1], 0.0], physicsClientId=c)

    def render(self, camera: Camera, size: int) -> tuple[np.ndarray, np.ndarray]:
        """(H, W, 3) uint8 RGB and (H, W) float32 depth in metres along the optical axis, as MuJoCo's camera gives."""
        _, _, pixels, buffer, _ = pb.getCameraImage(
            size, size, camera.view, camera.projection, renderer=pb.ER_TINY_RENDERER, shadow=0,
            lightDirection=list(camera.light), lightAmbientCoeff=0.6, lightDiffuseCoeff=0.45 * camera.brightness,
            lightSpecularCoeff=0.0, physicsClientId=self.client,
        )
        rgb = np.asarray(pixels, np.uint8).reshape(size, size, 4)[:, :, :3]
        z = np.asarray(buffer, np.float32).reshape(size, size)
        depth = FAR * NEAR / (FAR - (FAR - NEAR) * z)
        return np.ascontiguousarray(rgb), depth.astype(np.float32)

    def step(self, count: int = 1) -> None:
        for _ in range(count):
            pb.stepSimulation(physicsClientId=self.client)

    def close(self) -> None:
        if self.client >= 0:
            pb.disconnect(physicsClientId=self.client)
            self.client = -1
