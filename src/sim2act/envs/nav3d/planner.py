"""Shortest walking distances on a floor plan (privileged state, for the scripted expert).

The floor is cut into ``RESOLUTION``-metre cells; a cell is free when the agent's body fits there (clear of
walls and of every object but the goal). Distances to the goal cells come from a vectorised Dijkstra-like
relaxation over the 8 neighbours (1 and √2 cells), repeated until nothing changes.
"""

from __future__ import annotations

import math

import numpy as np

from sim2act.envs.nav3d.geometry import walkable

RESOLUTION = 0.1
"""Metres per cell side."""
BODY = 0.45
"""Metres kept between the agent's centre and a wall (its radius is 0.4)."""
_MOVES = [(dx, dz, math.hypot(dx, dz)) for dx in (-1, 0, 1) for dz in (-1, 0, 1) if dx or dz]


class FloorGrid:
    """The free cells of one layout's floor, ignoring objects (they are added per goal)."""

    def __init__(self, rooms, doors) -> None:
        self.min_x = min(r.min_x for r in rooms) - 1.0
        self.min_z = min(r.min_z for r in rooms) - 1.0
        width = int(math.ceil((max(r.max_x for r in rooms) + 1.0 - self.min_x) / RESOLUTION))
        depth = int(math.ceil((max(r.max_z for r in rooms) + 1.0 - self.min_z) / RESOLUTION))
        self.xs = self.min_x + (np.arange(width) + 0.5) * RESOLUTION
        self.zs = self.min_z + (np.arange(depth) + 0.5) * RESOLUTION
        gx, gz = np.meshgrid(self.xs, self.zs, indexing="ij")
        self.free = walkable(gx, gz, rooms, doors, BODY)

    def cell(self, x: float, z: float) -> tuple[int, int] | None:
        i, j = int((x - self.min_x) / RESOLUTION), int((z - self.min_z) / RESOLUTION)
        return (i, j) if 0 <= i < len(self.xs) and 0 <= j < len(self.zs) else None

    def distances(self, goal: tuple[float, float], within: float, obstacles: list[tuple[float, float, float]]) -> np.ndarray:
        """Metres to walk from each cell to within ``within`` of ``goal``; inf where blocked or unreachable.

        ``obstacles``: (x, z, radius) discs the agent's centre must stay out of.
        """
        gx, gz = np.meshgrid(self.xs, self.zs, indexing="ij")
        free = self.free.copy()
        for x, z, radius in obstacles:
            free &= (gx - x) ** 2 + (gz - z) ** 2 >= radius**2
        distance = np.where(free & ((gx - goal[0]) ** 2 + (gz - goal[1]) ** 2 <= within**2), 0.0, np.inf)
        while True:
            relaxed = distance.copy()
            for dx, dz, cost in _MOVES:
                shifted = np.full_like(distance, np.inf)
                target = (slice(max(dx, 0), distance.shape[0] + min(dx, 0)), slice(max(dz, 0), distance.shape[1] + min(dz, 0)))
                source = (slice(max(-dx, 0), distance.shape[0] + min(-dx, 0)), slice(max(-dz, 0), distance.shape[1] + min(-dz, 0)))
                shifted[target] = distance[source] + cost * RESOLUTION
                relaxed = np.minimum(relaxed, shifted)
            relaxed = np.where(free, relaxed, np.inf)
            if np.array_equal(relaxed, distance):
                return distance
            distance = relaxed

    def at(self, distance: np.ndarray, x: float, z: float) -> float:
        """The distance map's value at (x, z) (inf off the grid)."""
        cell = self.cell(x, z)
        return float(distance[cell]) if cell is not None else math.inf
