"""Geometry of the tabletop: the workspace grid of cells, object sizes, the camera pose.

World frame: the Panda's base at the origin on the table top (z = 0), x away from the robot, y to
its left. The workspace in front of it is cut into ``ROWS`` × ``COLS`` square cells, numbered row by
row as the front camera (facing the robot across the table) sees them: row 0 along the robot's side
(the top of the image), column 0 on the image's left. A ``pick_place`` action names two cells.
"""

from __future__ import annotations

import numpy as np

ROWS, COLS = 8, 8
CELL = 0.05
"""Cell side (m): a large block fills most of one."""
CENTRE = (0.5, 0.0)
"""Workspace centre (x, y) in metres."""
CELLS = ROWS * COLS

BLOCK_HALF_SIZES = {"large": 0.02, "small": 0.015}
"""Half the side of a cube block of each size (m)."""
MAX_BLOCKS = 5
"""Blocks of each size in the model's pool (an episode uses at most this many in all)."""
MAX_BOWLS = 3
BOWL_INNER_RADIUS = 0.04
BOWL_WALL = 0.006
BOWL_HEIGHT = 0.035
BOWL_FOOTPRINT = 1
"""Cells (Chebyshev radius) a bowl occupies around its centre cell: no other object starts there."""
PARK_X = 4.0
"""Unused objects float at x ≥ this, far outside every camera's view."""

CAMERA_POS = (0.70, 0.0, 0.65)
"""The front camera looks down steeply from above the table's far edge, facing the robot."""
CAMERA_LOOKAT = (0.50, 0.0, 0.0)
CAMERA_FOVY = 40
"""Degrees; with this pose the workspace spans pixels ~8–56 across and ~9–59 down a 64-pixel frame."""
DEPTH_RANGE = (0.3, 1.6)
"""Camera distances (m) the policy's depth channel spans."""


def cell_xy(cell: int) -> np.ndarray:
    """Centre (x, y) of a cell: row 0 nearest the robot (smallest x), column 0 at the camera's left (-y)."""
    row, col = divmod(int(cell), COLS)
    x = CENTRE[0] + (row - (ROWS / 2 - 0.5)) * CELL
    y = CENTRE[1] + (col - (COLS / 2 - 0.5)) * CELL
    return np.array([x, y])


def xy_cell(xy) -> int | None:
    """The cell containing point (x, y), or None outside the workspace."""
    row = int(np.floor(ROWS / 2 + (xy[0] - CENTRE[0]) / CELL))
    col = int(np.floor(COLS / 2 + (xy[1] - CENTRE[1]) / CELL))
    if 0 <= row < ROWS and 0 <= col < COLS:
        return row * COLS + col
    return None


def chebyshev(a: int, b: int) -> int:
    """Cells between two cells, counting diagonal steps as one."""
    (ra, ca), (rb, cb) = divmod(a, COLS), divmod(b, COLS)
    return max(abs(ra - rb), abs(ca - cb))


def cell_pixels(height: float = 0.02) -> tuple[tuple[float, float], ...]:
    """Where each cell's centre, ``height`` m above the table, appears in the front camera's image.

    (x, y) as fractions of the image's width and height, by the pinhole model of the camera pose above
    (square images; the default height is a block's middle). The pick_place head reads its tokens there.
    """
    eye, forward, right, up, focal = _camera()
    points = []
    for cell in range(CELLS):
        offset = np.append(cell_xy(cell), height) - eye
        depth = offset @ forward
        points.append((float(0.5 + focal * (offset @ right) / depth), float(0.5 - focal * (offset @ up) / depth)))
    return tuple(points)


def camera_point(u: float, v: float, depth: float) -> np.ndarray:
    """The world point seen at image position (u, v) (fractions of width and height) at ``depth`` m along the
    front camera's optical axis: ``cell_pixels``' projection inverted, as a calibrated RGB-D camera gives it."""
    eye, forward, right, up, focal = _camera()
    return eye + depth * (forward + (u - 0.5) / focal * right - (v - 0.5) / focal * up)


def _camera() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """The front camera's position, forward, right and up axes, and focal length in image widths."""
    eye, target = np.asarray(CAMERA_POS), np.asarray(CAMERA_LOOKAT)
    forward = (target - eye) / np.linalg.norm(target - eye)
    right = np.cross(forward, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    return eye, forward, right, up, 0.5 / np.tan(np.radians(CAMERA_FOVY) / 2)
