"""Pick at one cell and place at another with 10-Hz end-effector deltas, closed-loop on what the robot observes.

π0 chooses the cells where it sees the instruction's phrases (``proposers.cell_motion``); in ``ee_delta`` mode this
turns the chosen pair into continuous actions. It reads only what a robot has: the end effector's position
(proprio) and the front camera's depth, back-projected through the calibrated camera pose to the surface height at
each cell (as the ``pick_place`` primitive's depth probe, a heightmap, does). Its waypoints are the primitive's:
above the pick cell at travel height, down to a grasp, close, lift, across, down, open, up. Each step servos toward
the current waypoint from the measured position, so a step that someone else chose (a mixture's uniform action)
is corrected by the next.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim2act import features as F
from sim2act.envs.tabletop.episode import EE_STEP
from sim2act.envs.tabletop.primitives import GRASP_DEPTH, PLACE_CLEARANCE, TRAVEL_HEIGHT, grasp_tip_height, gripper_at
from sim2act.envs.tabletop.workspace import CELL, camera_point, cell_pixels, cell_xy, xy_cell

CELL_PIXELS = cell_pixels()
OPEN, CLOSED = 0.5, -1.0
"""Gripper commands: 0.5 opens the fingers 6 cm apart (the primitive's opening), -1 closes them."""
REACHED = 0.012
"""A move's waypoint counts as reached within this distance (m) of the end effector."""
MOVE_STEPS = 20
"""Steps a move may take before the motion goes on regardless (a blocked arm does not stall the episode)."""
CLOSE_STEPS, OPEN_STEPS = 4, 3
"""Steps the fingers are given to close on a block and to let it go."""


def surface_height(depth: np.ndarray, cell: int, window: int = 2) -> float:
    """Height of the highest surface the camera sees over ``cell`` (the table top is 0), from the depth image."""
    h, w = depth.shape
    u, v = CELL_PIXELS[cell]
    cx, cy = int(u * w), int(v * h)
    ys, xs = np.mgrid[max(cy - window, 0) : min(cy + window + 1, h), max(cx - window, 0) : min(cx + window + 1, w)]
    points = np.array([camera_point((x + 0.5) / w, (y + 0.5) / h, float(depth[y, x])) for y, x in zip(ys.ravel(), xs.ravel())])
    inside = np.all(np.abs(points[:, :2] - cell_xy(cell)) <= 0.6 * CELL, axis=1)
    return float(max(points[inside, 2].max(), 0.0)) if inside.any() else 0.0


@dataclass
class _Phase:
    goal: np.ndarray
    """End-effector site position to reach (or hold)."""
    gripper: float
    hold: int = 0
    """Steps to stay (a gripper phase); 0: move until the goal is reached."""


class CellMotion:
    """One pick-and-place in ``ee_delta`` actions: ``act(observation)`` until it returns None."""

    def __init__(self, pick: int, place: int, observation: Mapping[str, Any]) -> None:
        depth = np.asarray(observation[F.DEPTH])
        pick_xy, place_xy = cell_xy(pick), cell_xy(place)
        grasp = grasp_tip_height(surface_height(depth, pick))
        release = surface_height(depth, place) + GRASP_DEPTH + PLACE_CLEARANCE
        at = gripper_at  # the end-effector site that puts the fingertips at a height above a point
        self.phases = [
            _Phase(at(pick_xy, TRAVEL_HEIGHT), OPEN), _Phase(at(pick_xy, grasp), OPEN),
            _Phase(at(pick_xy, grasp), CLOSED, CLOSE_STEPS), _Phase(at(pick_xy, TRAVEL_HEIGHT), CLOSED),
            _Phase(at(place_xy, TRAVEL_HEIGHT), CLOSED), _Phase(at(place_xy, release), CLOSED),
            _Phase(at(place_xy, release), OPEN, OPEN_STEPS), _Phase(at(place_xy, TRAVEL_HEIGHT), OPEN),
        ]
        self._phase, self._steps = 0, 0

    def act(self, observation: Mapping[str, Any]) -> np.ndarray | None:
        """The next action (dx, dy, dz, gripper) in [-1, 1], or None when the motion is over."""
        ee = np.asarray(observation[F.PROPRIO], np.float64)[:3]
        while self._phase < len(self.phases):
            phase = self.phases[self._phase]
            done = self._steps >= phase.hold if phase.hold else (
                np.linalg.norm(phase.goal - ee) < REACHED or self._steps >= MOVE_STEPS)
            if not done:
                break
            self._phase, self._steps = self._phase + 1, 0
        else:
            return None
        self._steps += 1
        delta = np.clip((phase.goal - ee) / EE_STEP, -1.0, 1.0)
        return np.append(delta, phase.gripper).astype(np.float32)


HOLDING_WIDTH = 0.01
"""Finger opening (m) above which closed fingers hold something: they closed on a block, not on air."""
SETTLED_AFTER = 2
"""Steps after a close command at which the fingers' opening tells whether they hold something."""


def grasp_cells(proprio: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """Each step's (pick, place) cells (T, 2) in an ``ee_delta`` episode: where it first grasps a block, on the
    steps up to that grasp, and where it next opens the gripper, on the steps up to that release; -1 elsewhere
    (a picked block no longer lies in its cell) and where the episode does neither.

    Read from what the robot logged: a grasp is a close command after which the fingers, still told to close,
    stay apart by a block's width; the cell is the one under the end effector when the command was given.
    """
    closing = np.asarray(actions)[:, 3] < 0
    width = np.asarray(proprio)[:, 3]
    ee = np.asarray(proprio)[:, :2]
    cells = np.full((len(closing), 2), -1, np.int64)
    for t in np.flatnonzero(closing & ~np.r_[False, closing[:-1]]):  # each step the command turns to close
        later = min(t + SETTLED_AFTER, len(width) - 1)
        if later == t or not closing[t:later].all() or width[later] <= HOLDING_WIDTH:
            continue
        pick = xy_cell(ee[t])
        if pick is None:
            continue
        cells[: t + 1, 0] = pick
        opened = np.flatnonzero(~closing[t:])
        if len(opened):
            release = t + opened[0]
            place = xy_cell(ee[release])
            cells[: release + 1, 1] = -1 if place is None else place
        break
    return cells


def tabletop_cell_motions(options: Mapping[str, Any]):
    """The tabletop's ``CellMotions`` in ``ee_delta`` mode (None in ``pick_place``, whose actions are cells)."""
    from sim2act.envs.domain import CellMotions

    if options.get("action_mode", "pick_place") != "ee_delta":
        return None
    positions = tuple(tuple(float(v) for v in cell_xy(c)) for c in range(len(CELL_PIXELS)))
    return CellMotions(cell_pixels=CELL_PIXELS, start=CellMotion, cell_positions=positions, grasp_cells=grasp_cells)
