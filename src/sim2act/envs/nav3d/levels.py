"""The 3D-navigation levels: what each puts in which rooms, and what it asks for.

A level turns a seeded RNG into a ``Layout`` (rooms, the doorways between them, coloured objects, the
agent's start pose and the instruction), a pure function of the seed: the same seed gives the same world
on any machine, before Miniworld builds it. Every object's (colour, kind) is unique in its world, so
"the red ball" always means one object.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim2act.envs.nav3d import language as L
from sim2act.envs.nav3d.geometry import Door, RoomBox, grid_rooms, line_of_sight, spanning_doors, turn_to
from sim2act.errors import Sim2ActError
from sim2act.validation import suggest

WALL_MARGIN = 0.7
"""Metres between a wall and any object's or the agent's centre at the start."""
SEPARATION = 1.3
"""Metres between any two objects' centres at the start (the agent fits between them)."""
AGENT_CLEARANCE = 1.4
"""Metres between the agent's start and any object."""
DOORWAY_CLEARANCE = 1.5
"""Metres between an object and either end of a doorway: objects never block the way between rooms."""
FOV_DEGREES = 60.0
"""The camera's default field of view, horizontal and vertical (square frames; Miniworld's 60°). Layouts never
depend on the camera: ``search`` keeps its target out of this view whatever the env's ``fov``."""


@dataclass(frozen=True)
class Thing:
    """A coloured object on the floor."""

    color: str
    kind: str
    x: float
    z: float

    @property
    def name(self) -> str:
        return L.phrase(self.color, self.kind)


@dataclass(frozen=True)
class Layout:
    """One episode's world and task."""

    rooms: tuple[RoomBox, ...]
    doors: tuple[Door, ...]
    things: tuple[Thing, ...]
    agent: tuple[float, float, float]
    """Start position (x, z) and heading (radians; 0 faces +x, π/2 faces -z, Miniworld's convention)."""
    instruction: str
    wall_textures: tuple[str, ...]
    """Each room's wall texture (a Miniworld texture name): rooms look different, as in a building."""


@dataclass(frozen=True)
class LevelSpec:
    """How a level fills its world."""

    name: str
    summary: str
    max_steps: int
    """Episode length in actions."""
    achieved_forms: tuple[str, ...]
    """Instruction forms (``language.INSTRUCTION_TYPES``) its hindsight labels and captions use."""


LEVELS = {
    s.name: s
    for s in (
        LevelSpec("goto", "go to the red box (one room, 3–6 objects)", 60, ("go to",)),
        LevelSpec("goto-nextto", "go to the ball next to the blue key (one room, 5–7 objects)", 80, ("go to next to",)),
        LevelSpec("pickup", "pick up the green box (one room, 3–5 objects)", 80, ("pick up",)),
        LevelSpec("goto-seq", "go to the red ball, then go to the blue key (2–4 connected rooms; long horizon)", 200,
                  ("sequence",)),
        LevelSpec("search", "go to the red box, which starts out of view (a maze of 3×3 rooms)", 400, ("go to",)),
    )
}
NAMED_LEVELS = tuple(LEVELS)
DEFAULT_LEVEL = "goto"
SEQUENCE_LEVELS = ("goto-seq",)
PUBLISHED: dict[str, str] = {}
TEXTURES = ("concrete", "brick_wall", "wood_planks", "marble", "stucco", "cinder_blocks", "drywall", "wood")


def resolve_level(name: str) -> str:
    """The canonical name of a level; an unknown one is a one-line ``Sim2ActError``."""
    if name not in LEVELS:
        raise Sim2ActError(f"unknown nav3d level {name!r}{suggest(name, LEVELS)}; known: {', '.join(LEVELS)}")
    return name


def variants(level: str) -> tuple[str, ...]:
    """Levels a policy trained on ``level`` never saw (the generalization bench)."""
    return {"goto": ("goto-nextto", "search"), "pickup": ("goto",)}.get(level, ())


def sample_layout(level: str, rng: np.random.Generator) -> Layout:
    """The world and instruction of one episode of ``level``."""
    for _ in range(1000):
        layout = _SAMPLERS[level](rng)
        if layout is not None:
            return layout
    raise Sim2ActError(f"nav3d level {level!r} could not place its objects in 1000 tries")


# -- samplers -----------------------------------------------------------------------------------------


def _goto(rng: np.random.Generator) -> Layout | None:
    room = _one_room(rng, 5.0, 7.0)
    things = _scatter(rng, [room], _distinct_kinds(rng, int(rng.integers(3, 7))))
    target = things[int(rng.integers(len(things)))] if things else None
    return _finish(rng, [room], (), things, target and L.go_to(target.color, target.kind))


def _pickup(rng: np.random.Generator) -> Layout | None:
    room = _one_room(rng, 5.0, 7.0)
    things = _scatter(rng, [room], _distinct_kinds(rng, int(rng.integers(3, 6))))
    target = things[int(rng.integers(len(things)))] if things else None
    return _finish(rng, [room], (), things, target and L.pick_up(target.color, target.kind))


def _goto_nextto(rng: np.random.Generator) -> Layout | None:
    """A reference object, the target of some kind next to it, and a decoy of that kind away from it."""
    room = _one_room(rng, 6.0, 8.0)
    kinds = _distinct_kinds(rng, int(rng.integers(5, 8)))
    reference, target_kind = kinds[0], str(rng.choice([k for k in L.OBJECTS if k != kinds[0][1]]))
    same = [c for c in kinds[1:] if c[1] == target_kind]
    if len(same) < 2:  # the relation only matters with at least two objects of the target's kind
        spare = [c for c in L.COLORS if (c, target_kind) not in kinds]
        kinds = kinds + [(str(c), target_kind) for c in rng.choice(spare, 2 - len(same), replace=False)]
    things = _scatter(rng, [room], kinds)
    if not things:
        return None
    ref = next(t for t in things if (t.color, t.kind) == reference)
    described = next_to_targets(things)
    key = (target_kind, ref.color, ref.kind)
    if key not in described:
        return None
    return _finish(rng, [room], (), things, L.go_to_next_to(*key))


def _goto_seq(rng: np.random.Generator) -> Layout | None:
    count = int(rng.integers(2, 5))
    rooms, doors = _connected_rooms(rng, count, columns=2, rows=2, size=5.0)
    things = _scatter(rng, rooms, _distinct_kinds(rng, 2 * count + int(rng.integers(0, 2))), per_room=True, doors=doors)
    if not things:
        return None
    first, second = (things[i] for i in rng.choice(len(things), 2, replace=False))
    instruction = L.sequence([L.go_to(first.color, first.kind), L.go_to(second.color, second.kind)])
    return _finish(rng, rooms, doors, things, instruction)


def _search(rng: np.random.Generator) -> Layout | None:
    rooms, doors = _connected_rooms(rng, 9, columns=3, rows=3, size=4.0)
    things = _scatter(rng, rooms, _distinct_kinds(rng, int(rng.integers(6, 10))), per_room=True, doors=doors)
    if not things:
        return None
    target = things[int(rng.integers(len(things)))]
    layout = _finish(rng, rooms, doors, things, L.go_to(target.color, target.kind))
    if layout is None or in_view(layout.agent, (target.x, target.z), rooms, doors):
        return None
    start_room = next(r for r in rooms if r.contains(layout.agent[0], layout.agent[1]))
    return None if start_room.contains(target.x, target.z) else layout


_SAMPLERS = {"goto": _goto, "goto-nextto": _goto_nextto, "pickup": _pickup, "goto-seq": _goto_seq, "search": _search}


# -- helpers ------------------------------------------------------------------------------------------


def next_to_targets(things: tuple[Thing, ...] | list[Thing]) -> dict[tuple[str, str, str], Thing]:
    """Every "the KIND next to the COLOR REF" description that picks out exactly one object, with that object."""
    found: dict[tuple[str, str, str], list[Thing]] = {}
    for ref in things:
        for thing in things:
            if thing is not ref and math.dist((thing.x, thing.z), (ref.x, ref.z)) <= L.NEXT_TO_DISTANCE:
                found.setdefault((thing.kind, ref.color, ref.kind), []).append(thing)
    return {key: near[0] for key, near in found.items() if len(near) == 1}


def in_view(pose: tuple[float, float, float], point: tuple[float, float], rooms, doors, fov: float = FOV_DEGREES) -> bool:
    """Whether ``point`` lies in a camera's horizontal field of view (``fov`` degrees) with no wall between (privileged)."""
    return abs(turn_to(pose, point)) <= math.radians(fov) / 2 and line_of_sight(pose[:2], point, rooms, doors)


def _one_room(rng: np.random.Generator, low: float, high: float) -> RoomBox:
    width, depth = (float(v) for v in rng.uniform(low, high, 2))
    return RoomBox(0.0, width, 0.0, depth)


def _distinct_kinds(rng: np.random.Generator, count: int) -> list[tuple[str, str]]:
    pairs = [(c, k) for c in L.COLORS for k in L.OBJECTS]
    return [pairs[i] for i in rng.choice(len(pairs), count, replace=False)]


def _scatter(rng, rooms: list[RoomBox], kinds: list[tuple[str, str]], per_room: bool = False,
             doors: tuple[Door, ...] | list[Door] = ()) -> tuple[Thing, ...]:
    """Objects at random free places clear of the doorways (``per_room``: spread over the rooms in turn); () when
    they do not fit."""
    things: list[Thing] = []
    order = rng.permutation(len(rooms))
    doorways = [end for door in doors for end in door_ends(door)]
    for k, (color, kind) in enumerate(kinds):
        room = rooms[order[k % len(rooms)]] if per_room else rooms[int(rng.integers(len(rooms)))]
        spot = _free_spot(rng, room, [(t.x, t.z) for t in things], SEPARATION, doorways)
        if spot is None:
            return ()
        things.append(Thing(color, kind, *spot))
    return tuple(things)


def door_ends(door: Door) -> tuple[tuple[float, float], tuple[float, float]]:
    """The middle of a doorway's two openings, one in each room."""
    c = door.corridor
    if door.along_x:
        middle = (c.min_z + c.max_z) / 2
        return (c.min_x, middle), (c.max_x, middle)
    middle = (c.min_x + c.max_x) / 2
    return (middle, c.min_z), (middle, c.max_z)


def _free_spot(rng, room: RoomBox, taken: list[tuple[float, float]], gap: float,
               doorways: list[tuple[float, float]] = ()) -> tuple[float, float] | None:
    for _ in range(50):
        x = float(rng.uniform(room.min_x + WALL_MARGIN, room.max_x - WALL_MARGIN))
        z = float(rng.uniform(room.min_z + WALL_MARGIN, room.max_z - WALL_MARGIN))
        if all(math.dist((x, z), p) >= gap for p in taken) and \
                all(math.dist((x, z), p) >= DOORWAY_CLEARANCE for p in doorways):
            return round(x, 3), round(z, 3)
    return None


def _finish(rng, rooms, doors, things, instruction: str | None) -> Layout | None:
    """The layout with the agent placed clear of every object, or None (resample) when anything failed."""
    if not things or not instruction:
        return None
    room = rooms[int(rng.integers(len(rooms)))]
    spot = _free_spot(rng, room, [(t.x, t.z) for t in things], AGENT_CLEARANCE)
    if spot is None:
        return None
    heading = round(float(rng.uniform(-math.pi, math.pi)), 4)
    textures = tuple(str(t) for t in rng.choice(TEXTURES, len(rooms)))
    return Layout(tuple(rooms), tuple(doors), tuple(things), (*spot, heading), instruction, textures)


def _connected_rooms(rng, count: int, columns: int, rows: int, size: float) -> tuple[list[RoomBox], list[Door]]:
    """``count`` rooms on a grid of slots, connected through doorways along a random spanning tree."""
    slots = grid_rooms(columns, rows, size)
    if count < len(slots):
        chosen = _connected_slots(rng, columns, rows, count)
        slots = [slots[i] for i in chosen]
    return slots, spanning_doors(rng, slots)


def _connected_slots(rng, columns: int, rows: int, count: int) -> list[int]:
    """``count`` grid slots that form one connected group, grown from a random slot."""
    chosen = [int(rng.integers(columns * rows))]
    while len(chosen) < count:
        frontier = sorted({n for s in chosen for n in _neighbours(s, columns, rows)} - set(chosen))
        chosen.append(int(rng.choice(frontier)))
    return sorted(chosen)


def _neighbours(slot: int, columns: int, rows: int) -> list[int]:
    col, row = slot % columns, slot // columns
    cells = [(col + 1, row), (col - 1, row), (col, row + 1), (col, row - 1)]
    return [r * columns + c for c, r in cells if 0 <= c < columns and 0 <= r < rows]
