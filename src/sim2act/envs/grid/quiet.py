"""Silence the prints of BabyAI's rejection sampler on one env instance only.

``RoomGridLevel._gen_grid`` prints "Sampling rejected: ..." on many resets. Redirecting
``sys.stdout`` would swallow other threads' output, and patching the minigrid module would change
every env in the process. Instead the instance gets its own copy of ``_gen_grid`` whose globals map
``print`` to a counter, so nothing outside this env changes.
"""

from __future__ import annotations

import types

from minigrid.envs.babyai.core.roomgrid_level import RoomGridLevel


class RejectionCounter:
    """Stands in for ``print`` inside ``_gen_grid``; counts rejected samples instead."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args, **kwargs) -> None:
        self.count += 1


def silence_rejection_sampler(level_env: RoomGridLevel) -> RejectionCounter:
    """Replace ``level_env._gen_grid`` with a non-printing copy; return its rejection counter."""
    counter = RejectionCounter()
    original = RoomGridLevel._gen_grid
    quiet_globals = {**original.__globals__, "print": counter}
    quiet = types.FunctionType(
        original.__code__, quiet_globals, original.__name__, original.__defaults__, original.__closure__
    )
    level_env._gen_grid = types.MethodType(quiet, level_env)
    return counter
