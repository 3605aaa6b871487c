"""Replaying a stored episode under any instruction of the grammar (``Domain.replay``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import gymnasium as gym


def replay_verdicts(env: gym.Env, seed: int, instruction: str, actions: Iterable) -> Iterator[tuple[dict, str]]:
    """Replay ``actions`` from ``env.reset(seed=seed)`` with ``instruction`` in place of the episode's.

    MuJoCo is deterministic on one machine, so the same seed and actions give the same states. Yields
    (the observation the action was taken from, "success" or "continue" after it) for each action.
    """
    env.reset(seed=seed)
    obs = env.unwrapped.set_instruction(instruction)
    for action in actions:
        before = obs
        obs, _, _, _, info = env.step(action)
        yield before, "success" if info["success"] else "continue"
