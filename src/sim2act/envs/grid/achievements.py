"""What the agent achieved on a step, read off the BabyAI simulator state and phrased in BabyAI's grammar.

These are the simulator's free labels for hindsight relabeling: every instruction returned here is one
BabyAI's own verifier accepts for the step it is reported on (``go to``, ``pick up``, ``open``,
``put ... next to``).

An object is described at up to three granularities, most specific first: "the red ball", then by
type alone ("a ball") and by colour alone ("the red object"). The coarser ones let hindsight relabel
an episode that reached a held-out composition (say a blue ball, when "blue ball" is held out) with
an instruction that names no held-out pair ("go to a ball"), so held-out objects are goals in the
training data too, while their compositions are never named there.
"""

from __future__ import annotations

from collections import Counter

from minigrid.core.world_object import WorldObj
from minigrid.minigrid_env import MiniGridEnv

from sim2act.envs.grid.language import OBJECT_TYPES

NEIGHBOURS = ((1, 0), (-1, 0), (0, 1), (0, -1))


def describe(obj: WorldObj, counts: Counter[tuple[str, str]]) -> str:
    """``"the red ball"`` when the level started with one red ball, else ``"a red ball"``.

    ``counts`` are the (type, colour) counts of the objects at reset: BabyAI picks the article of a
    description from the initial layout too, and it keeps one phrase per object for the whole episode
    (a box that is opened disappears, which would otherwise turn "a" into "the").
    """
    return _with_article(f"{obj.color} {obj.type}", counts[(obj.type, obj.color)])


def descriptions(obj: WorldObj, counts: Counter[tuple[str, str]], by_colour: bool = True) -> list[str]:
    """``obj`` described in full, by type alone and (with ``by_colour``) by colour alone.

    ``counts`` cover every cell at reset. A colour-only description ("the blue object") matches every
    cell of that colour, walls included, so it is left out when a cell that is not an object shares the
    colour (grey, the walls' colour): facing a wall would satisfy "go to a grey object".
    """
    phrases = [
        describe(obj, counts),
        _with_article(obj.type, sum(n for (kind, _), n in counts.items() if kind == obj.type)),
    ]
    same_colour = [(kind, n) for (kind, colour), n in counts.items() if colour == obj.color]
    if by_colour and all(kind in OBJECT_TYPES for kind, _ in same_colour):
        phrases.append(_with_article(f"{obj.color} object", sum(n for _, n in same_colour)))
    return phrases


def _with_article(noun: str, matching: int) -> str:
    return f"{'the' if matching <= 1 else 'a'} {noun}"


class AchievementTracker:
    """Turns state changes between two steps into BabyAI instructions that became true.

    Each instruction is reported on the step BabyAI's verifier, built from that instruction at reset,
    would first say "success" (``tests/envs/test_grid_achievements.py`` and ``tests/labels`` replay
    rollouts and relabeled episodes under BabyAI's verifier to check it).
    """

    def __init__(self, env: MiniGridEnv) -> None:
        self.env = env
        self._counts: Counter[tuple[str, str]] = Counter()
        self._first_step = True
        self._front: WorldObj | None = None
        self._front_open = False
        self._carrying: WorldObj | None = None
        self._pose: tuple = ()

    def reset(self) -> None:
        """Remember the initial state; call after every env reset."""
        env = self.env
        objects = [cell for cell in env.grid.grid if cell is not None] + [env.carrying]
        self._counts = Counter((obj.type, obj.color) for obj in objects if obj is not None)
        self._first_step = True
        self._remember()

    def step(self, action: int) -> list[str]:
        """Instructions achieved by ``action`` (already applied to the env)."""
        env = self.env
        achieved = []
        front = env.grid.get(*env.front_pos)
        if self._carrying is None and env.carrying is not None and action == env.actions.pickup:
            achieved.extend(f"pick up {phrase}" for phrase in descriptions(env.carrying, self._counts))
        if self._carrying is not None and env.carrying is None and action == env.actions.drop:
            achieved.extend(self._put_next_to(self._carrying))
        if (
            action == env.actions.toggle
            and front is not None
            and front.type == "door"
            and front is self._front
            and front.is_open
            and not self._front_open
        ):
            # BabyAI's OpenInstr takes doors only, so no colour-only "open the blue object".
            achieved.extend(f"open {phrase}" for phrase in descriptions(front, self._counts, by_colour=False))
        faced = self._newly_faced(front)
        if faced is not None:
            achieved.extend(f"go to {phrase}" for phrase in descriptions(faced, self._counts))
        self._first_step = False
        self._remember()
        return achieved

    def _newly_faced(self, front: WorldObj | None) -> WorldObj | None:
        """The object the agent now faces for "go to", if that just became true."""
        if self._first_step and self._pose == self._current_pose() and _describable(self._front):
            # BabyAI's verifier checks the faced position on every step, so an object faced from the
            # start counts on a first step that keeps the agent's pose (even one that picks it up).
            return self._front
        return front if _describable(front) and front is not self._front else None

    def _put_next_to(self, moved: WorldObj) -> list[str]:
        env = self.env
        x, y = moved.cur_pos
        phrases = []
        for dx, dy in NEIGHBOURS:
            nx, ny = x + dx, y + dy
            if not (0 <= nx < env.grid.width and 0 <= ny < env.grid.height):
                continue
            other = env.grid.get(nx, ny)
            if _describable(other) and other is not moved:
                phrases.append(f"put {describe(moved, self._counts)} next to {describe(other, self._counts)}")
        return phrases

    def _remember(self) -> None:
        env = self.env
        self._front = env.grid.get(*env.front_pos)
        self._front_open = bool(self._front is not None and self._front.type == "door" and self._front.is_open)
        self._carrying = env.carrying
        self._pose = self._current_pose()

    def _current_pose(self) -> tuple:
        return (*self.env.agent_pos, self.env.agent_dir)


def _describable(obj: WorldObj | None) -> bool:
    return obj is not None and obj.type in OBJECT_TYPES
