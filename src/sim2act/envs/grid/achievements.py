"""What the agent achieved on a step, read off the BabyAI simulator state and phrased in BabyAI's grammar.

These are the simulator's free labels for hindsight relabeling: every instruction returned here is one
BabyAI's own verifier accepts for the step it is reported on (``go to``, ``pick up``, ``open``,
``put ... next to``).
"""

from __future__ import annotations

from minigrid.core.world_object import WorldObj
from minigrid.minigrid_env import MiniGridEnv

DESCRIBABLE = ("ball", "box", "key", "door")
NEIGHBOURS = ((1, 0), (-1, 0), (0, 1), (0, -1))


def describe(env: MiniGridEnv, obj: WorldObj) -> str:
    """``"the red ball"`` when it is the only red ball in the world (carried included), else ``"a red ball"``."""
    same = sum(1 for cell in env.grid.grid if cell is not None and cell.type == obj.type and cell.color == obj.color)
    carried = env.carrying
    if carried is not None and carried.type == obj.type and carried.color == obj.color:
        same += 1
    article = "the" if same == 1 else "a"
    return f"{article} {obj.color} {obj.type}"


class AchievementTracker:
    """Turns state changes between two steps into BabyAI instructions that became true."""

    def __init__(self, env: MiniGridEnv) -> None:
        self.env = env
        self._front: WorldObj | None = None
        self._front_open = False
        self._carrying: WorldObj | None = None

    def reset(self) -> None:
        """Remember the initial state; call after every env reset."""
        self._remember()

    def step(self, action: int) -> list[str]:
        """Instructions achieved by ``action`` (already applied to the env)."""
        env = self.env
        achieved = []
        front = env.grid.get(*env.front_pos)
        if self._carrying is None and env.carrying is not None and action == env.actions.pickup:
            achieved.append(f"pick up {describe(env, env.carrying)}")
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
            achieved.append(f"open {describe(env, front)}")
        if front is not None and front.type in DESCRIBABLE and front is not self._front:
            achieved.append(f"go to {describe(env, front)}")
        self._remember()
        return achieved

    def _put_next_to(self, moved: WorldObj) -> list[str]:
        env = self.env
        x, y = moved.cur_pos
        phrases = []
        for dx, dy in NEIGHBOURS:
            nx, ny = x + dx, y + dy
            if not (0 <= nx < env.grid.width and 0 <= ny < env.grid.height):
                continue
            other = env.grid.get(nx, ny)
            if other is not None and other.type in DESCRIBABLE and other is not moved:
                phrases.append(f"put {describe(env, moved)} next to {describe(env, other)}")
        return phrases

    def _remember(self) -> None:
        env = self.env
        self._front = env.grid.get(*env.front_pos)
        self._front_open = bool(self._front is not None and self._front.type == "door" and self._front.is_open)
        self._carrying = env.carrying
