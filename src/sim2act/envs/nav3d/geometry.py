"""Floor plans in the (x, z) plane: rectangular rooms, the doorways between them, and where one can walk or see.

Rooms sit on a grid of slots ``GAP`` metres apart; two neighbouring rooms connect through a doorway
``DOOR_WIDTH`` wide, which Miniworld builds as a short corridor across the gap. The walkable floor is the
rooms plus those corridors; a straight line is in sight when it stays on that floor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

GAP = 1.0
"""Metres between neighbouring rooms' walls (the corridor's length)."""
DOOR_WIDTH = 1.6
"""Metres across a doorway (the agent is 0.8 m wide)."""
DOOR_MARGIN = 0.5
"""Metres between a doorway and a room's corner."""
SIGHT_STEP = 0.05
"""Metres between the points a line-of-sight test checks."""


@dataclass(frozen=True)
class RoomBox:
    """A rectangular room, by its walls' coordinates."""

    min_x: float
    max_x: float
    min_z: float
    max_z: float

    def contains(self, x: float, z: float, margin: float = 0.0) -> bool:
        return self.min_x + margin <= x <= self.max_x - margin and self.min_z + margin <= z <= self.max_z - margin


@dataclass(frozen=True)
class Door:
    """A doorway between rooms ``a`` and ``b``: a corridor rectangle across the gap between them."""

    a: int
    b: int
    corridor: RoomBox
    along_x: bool
    """True: the rooms are side by side along x (the doorway spans ``corridor``'s z range)."""


def turn_to(pose: tuple[float, float, float], point: tuple[float, float]) -> float:
    """Radians an agent at ``pose`` (x, z, heading; Miniworld's: heading 0 faces +x, π/2 faces -z) must turn to face
    ``point``, in (-π, π]; positive turns left.

    >>> round(turn_to((0.0, 0.0, 0.0), (0.0, -1.0)), 4)
    1.5708
    """
    x, z, heading = pose
    bearing = math.atan2(-(point[1] - z), point[0] - x)
    return (bearing - heading + math.pi) % (2 * math.pi) - math.pi


def grid_rooms(columns: int, rows: int, size: float) -> list[RoomBox]:
    """Square rooms of side ``size`` on a ``columns × rows`` grid, row-major."""
    step = size + GAP
    return [RoomBox(c * step, c * step + size, r * step, r * step + size) for r in range(rows) for c in range(columns)]


def spanning_doors(rng: np.random.Generator, rooms: list[RoomBox]) -> list[Door]:
    """Doorways along a random spanning tree of the rooms' neighbour graph (a maze: one way between two rooms)."""
    pairs = [(i, j) for i in range(len(rooms)) for j in range(i + 1, len(rooms)) if _facing(rooms[i], rooms[j])]
    order = rng.permutation(len(pairs))
    group = list(range(len(rooms)))

    def root(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    doors = []
    for k in order:
        i, j = pairs[k]
        if root(i) != root(j):
            group[root(i)] = root(j)
            doors.append(_door(rng, rooms, i, j))
    return sorted(doors, key=lambda d: (d.a, d.b))


def _facing(a: RoomBox, b: RoomBox) -> bool:
    side_by_side_x = math.isclose(b.min_x - a.max_x, GAP) and math.isclose(a.min_z, b.min_z)
    side_by_side_z = math.isclose(b.min_z - a.max_z, GAP) and math.isclose(a.min_x, b.min_x)
    return side_by_side_x or side_by_side_z


def _door(rng: np.random.Generator, rooms: list[RoomBox], i: int, j: int) -> Door:
    a, b = rooms[i], rooms[j]
    along_x = math.isclose(b.min_x - a.max_x, GAP)
    low, high = (a.min_z, a.max_z) if along_x else (a.min_x, a.max_x)
    start = round(float(rng.uniform(low + DOOR_MARGIN, high - DOOR_MARGIN - DOOR_WIDTH)), 3)
    if along_x:
        corridor = RoomBox(a.max_x, b.min_x, start, start + DOOR_WIDTH)
    else:
        corridor = RoomBox(start, start + DOOR_WIDTH, a.max_z, b.min_z)
    return Door(i, j, corridor, along_x)


def walkable(x, z, rooms, doors, margin: float = 0.0):
    """Whether (x, z) is on the floor of a room or a corridor, ``margin`` metres clear of the room's walls
    (numbers or numpy arrays of points).

    In a corridor the margin applies across it only, so a doorway stays passable along its length.
    """
    inside = np.zeros(np.shape(x), bool)
    for r in rooms:
        inside |= (r.min_x + margin <= x) & (x <= r.max_x - margin) & (r.min_z + margin <= z) & (z <= r.max_z - margin)
    for door in doors:
        c = door.corridor
        long, across = (margin, -margin) if door.along_x else (-margin, margin)
        inside |= (c.min_x - long <= x) & (x <= c.max_x + long) & (c.min_z - across <= z) & (z <= c.max_z + across)
    return inside if np.ndim(inside) else bool(inside)


def line_of_sight(p: tuple[float, float], q: tuple[float, float], rooms, doors) -> bool:
    """Whether the straight line from ``p`` to ``q`` stays on the walkable floor (no wall in between)."""
    t = np.linspace(0.0, 1.0, max(2, int(math.dist(p, q) / SIGHT_STEP) + 1))
    return bool(np.all(walkable(p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t, rooms, doors)))
