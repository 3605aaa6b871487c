"""Captions of a BabyAI state in BabyAI's own grammar, read off the simulator's ground truth.

For every object description the level allows ("the red ball", "a ball": colour and type, or type
only, with BabyAI's article rule: "the" when one object in the world matches, else "a"), the
captions are the instructions about it, each with how many actions it is from true:

- ``go to D``: 0 when a matching object is right in front of the agent (BabyAI's verifier says
  success); else the length of the shortest obstacle-free path to face a matching object in view;
- ``pick up D`` (balls, boxes, keys): 0 while carrying a matching object; else one more than going
  to it (two more when something else must be dropped first);
- ``open D`` (doors): 0 when a matching door in view is open; else one more than going to a closed
  one (a locked one only while carrying its key).

A caption whose subject is not in view has no step count: the frame cannot tell. Its ``mention``
is the description when a matching object is in view or carried (the view shows the carried
object on the agent's cell), else ``""``.

Distances come from the agent's view: an object ``a`` cells ahead and ``l`` cells to the side is
``a - 1`` actions away when ``l == 0`` (step forward until it is in front) and ``a + |l|`` otherwise
(step level with it, turn, step up to it). The prior turns them into how likely a caption is to
be said of a frame, so the frame's similarity with "go to the red ball" grows as the red ball gets
closer and comes in front (see ``sim2act.priors.captioning``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from minigrid.core.world_object import Key, WorldObj
from minigrid.minigrid_env import MiniGridEnv

from sim2act.envs.captions import Caption
from sim2act.envs.grid.language import OBJECT_TYPES, PICKABLE_TYPES


@dataclass(frozen=True)
class _Seen:
    obj: WorldObj
    steps: int
    """Actions to face it from the current state, in an obstacle-free grid."""


def grid_captions(env) -> list[Caption]:
    """Every caption of the current state of a grid env (a ``GridEnv``, wrapped or not, or its minigrid level)."""
    level = getattr(env.unwrapped, "level_env", env.unwrapped)
    seen = _objects_in_view(level)
    objects = [cell for cell in level.grid.grid if cell is not None and cell.type in OBJECT_TYPES]
    if level.carrying is not None:
        objects.append(level.carrying)
    captions = []
    for color, kind in _descriptions(objects):
        phrase = _describe(objects, color, kind)
        matching = [s for s in seen if _matches(s.obj, color, kind)]
        carried = level.carrying is not None and _matches(level.carrying, color, kind)
        mention = phrase if matching or carried else ""
        approach = min((s.steps for s in matching), default=None)
        captions.append(Caption(f"go to {phrase}", approach, mention))
        if kind in PICKABLE_TYPES:
            captions.append(Caption(f"pick up {phrase}", _pickup_steps(level, approach, carried), mention))
        if kind == "door":
            captions.append(Caption(f"open {phrase}", _open_steps(level, matching), mention))
    return captions


def _descriptions(objects: Iterable[WorldObj]) -> list[tuple[str | None, str]]:
    """Distinct (colour, type) and (None, type) descriptions, in a fixed order."""
    found = {(obj.color, obj.type) for obj in objects} | {(None, obj.type) for obj in objects}
    return sorted(found, key=lambda d: (d[1], d[0] or ""))


def _matches(obj: WorldObj, color: str | None, kind: str) -> bool:
    return obj.type == kind and (color is None or obj.color == color)


def _describe(objects: list[WorldObj], color: str | None, kind: str) -> str:
    count = sum(_matches(obj, color, kind) for obj in objects)
    words = ["the" if count == 1 else "a"] + ([color] if color else []) + [kind]
    return " ".join(words)


def _pickup_steps(level: MiniGridEnv, approach: int | None, carried: bool) -> int | None:
    if carried:
        return 0
    if approach is None:
        return None
    return approach + (1 if level.carrying is None else 2)


def _open_steps(level: MiniGridEnv, doors: list[_Seen]) -> int | None:
    if any(s.obj.is_open for s in doors):
        return 0
    carried = level.carrying
    openable = [s for s in doors if not s.obj.is_locked or (isinstance(carried, Key) and carried.color == s.obj.color)]
    return min((s.steps + 1 for s in openable), default=None)


def _objects_in_view(level: MiniGridEnv) -> list[_Seen]:
    """Objects on the grid that the agent's view shows (occlusion included), with their distance."""
    _, visible = level.gen_obs_grid()
    view = level.agent_view_size
    seen = []
    width = level.grid.width
    for index, cell in enumerate(level.grid.grid):
        if cell is None or cell.type not in OBJECT_TYPES:
            continue
        coords = level.relative_coords(index % width, index // width)
        if coords is None or not visible[coords[0], coords[1]]:
            continue
        ahead, side = view - 1 - coords[1], coords[0] - view // 2
        seen.append(_Seen(cell, ahead - 1 if side == 0 else ahead + abs(side)))
    return seen
