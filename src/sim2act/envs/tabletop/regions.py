"""Where the tabletop's named things appear in the front camera: the prior's patch-level captions.

Named means what the captions may name (``caption_colors``: the level's colours, or everything in view).

For every named block and bowl its noun phrase at its image position, for every named bowl the four
places ``place-relative`` asks for ("to the left of the blue bowl": the middle of the band the verifier
accepts), and ``""`` at every workspace cell with nothing near it. Positions are projected through the
camera's actual pose (so randomised camera poses are followed), from privileged state: these are
captions for pretraining, never observations.
"""

from __future__ import annotations

import mujoco
import numpy as np

from sim2act.envs.captions import Region
from sim2act.envs.tabletop import language as L
from sim2act.envs.tabletop.captions import captioned_objects
from sim2act.envs.tabletop.predicates import DIRECTION_VECTORS, RELATION_MIDDLE
from sim2act.envs.tabletop.scene import FRONT_CAMERA
from sim2act.envs.tabletop.workspace import CELL, CELLS, cell_xy, xy_cell

BOWL_MARK_HEIGHT = 0.02
"""Height (m) at which a bowl's phrase is placed: its inside, half-way up the rim."""
CLEAR = 0.9 * CELL
"""A cell is empty (``""``) when its centre is at least this far from every object and relation place."""


def tabletop_regions(env) -> list[Region]:
    """The regions of the current state of a tabletop env (wrapped or not)."""
    base = env.unwrapped
    model, data = base.model, base.data
    blocks, bowls = captioned_objects(base)
    named: list[tuple[str, np.ndarray]] = []
    objects: list[np.ndarray] = []
    for block in blocks:
        top = data.xpos[block.body] + [0.0, 0.0, block.half]
        objects.append(top[:2])
        if block.named:
            named.append((L.block_phrase(block.color), top))
    for bowl in bowls:
        objects.append(data.xpos[bowl.body][:2].copy())
    places = []
    for bowl in (b for b in bowls if b.named):
        centre = data.xpos[bowl.body].copy()
        named.append((L.bowl_phrase(bowl.color), centre + [0.0, 0.0, BOWL_MARK_HEIGHT]))
        for direction, (ux, uy) in DIRECTION_VECTORS.items():
            place = np.array([centre[0] + RELATION_MIDDLE * ux, centre[1] + RELATION_MIDDLE * uy, 0.0])
            if xy_cell(place[:2]) is not None and _clear(place[:2], objects):  # a free spot on the table
                named.append((L.relation_phrase(direction, bowl.color), place))
                places.append(place[:2])
    empty = [np.append(cell_xy(c), 0.0) for c in range(CELLS) if _clear(cell_xy(c), objects + places)]
    points = [p for _, p in named] + empty
    if not points:
        return []
    pixels = project(model, data, FRONT_CAMERA, np.array(points))
    texts = [t for t, _ in named] + [""] * len(empty)
    return [Region(text, float(x), float(y)) for text, (x, y) in zip(texts, pixels) if 0 <= x <= 1 and 0 <= y <= 1]


def _clear(xy: np.ndarray, others: list[np.ndarray]) -> bool:
    return all(np.linalg.norm(xy - other) >= CLEAR for other in others)


def project(model: mujoco.MjModel, data: mujoco.MjData, camera: str, points: np.ndarray) -> np.ndarray:
    """(N, 2) image positions, as fractions of a square image's side, of world points (N, 3) seen by ``camera``."""
    cam = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_CAMERA, camera)
    rotation = data.cam_xmat[cam].reshape(3, 3)  # columns: the camera's right, up and backward axes
    local = (points - data.cam_xpos[cam]) @ rotation
    focal = 0.5 / np.tan(np.radians(model.cam_fovy[cam]) / 2)
    depth = -local[:, 2]
    return np.stack([0.5 + focal * local[:, 0] / depth, 0.5 - focal * local[:, 1] / depth], axis=1)
