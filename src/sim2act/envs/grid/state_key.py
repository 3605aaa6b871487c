"""A cheap key of the BabyAI simulator state, equal whenever the agent is back in a state it was in.

Loop erasure (``sim2act.labels.loops``) cuts the detours out of a trajectory where the state repeats.
Hashing the whole grid on every step would cost more than the step itself, so the key is the
agent's pose plus a counter of grid changes: only ``pickup``, ``drop`` and ``toggle`` can change the
grid, and the counter moves when one of them changed what the agent carries or the cell it faces.
A door opened and closed again therefore gets a new key: some repeats are missed, none is invented.
"""

from __future__ import annotations

from collections.abc import Hashable

from minigrid.minigrid_env import MiniGridEnv


class StateKeys:
    """``reset()`` then ``step(action)`` after every env step; ``key`` is the current state's key."""

    def __init__(self, env: MiniGridEnv) -> None:
        self.env = env
        self._changes = 0
        self._grid_actions = {int(env.actions.pickup), int(env.actions.drop), int(env.actions.toggle)}
        self._before: tuple = ()

    def reset(self) -> None:
        self._changes = 0
        self._before = self._touchable()

    def before_step(self, action: int) -> None:
        """Call before the env steps with ``action``."""
        if int(action) in self._grid_actions:
            self._before = self._touchable()

    def after_step(self, action: int) -> None:
        """Call after the env stepped with ``action``."""
        if int(action) in self._grid_actions and self._touchable() != self._before:
            self._changes += 1

    @property
    def key(self) -> Hashable:
        env = self.env
        return (int(env.agent_pos[0]), int(env.agent_pos[1]), int(env.agent_dir), self._changes)

    def _touchable(self) -> tuple:
        env = self.env
        front = env.grid.get(*env.front_pos)
        state = (getattr(front, "is_open", None), getattr(front, "is_locked", None)) if front is not None else ()
        return (id(env.carrying), id(front), state)
