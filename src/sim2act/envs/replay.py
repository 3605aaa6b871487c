"""Replaying a stored episode under any instruction of the grammar (``Domain.replay`` of envs that can
change their instruction mid-episode, ``set_instruction``, and step deterministically)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import gymnasium as gym

from sim2act import features as F


def replay_verdicts(env: gym.Env, seed: int, instruction: str, actions: Iterable) -> Iterator[tuple[dict, str]]:
    """Replay ``actions`` from ``env.reset(seed=seed)`` with ``instruction`` in place of the episode's.

    The simulator must be deterministic on one machine (MuJoCo and Miniworld are), so the same seed and actions
    give the same states. Yields (the observation the action was taken from, "success" or "continue" after it)
    for each action.
    """
    env.reset(seed=seed)
    obs = env.unwrapped.set_instruction(instruction)
    for action in actions:
        before = obs
        obs, _, _, _, info = env.step(action)
        yield before, "success" if info[F.INFO_SUCCESS] else "continue"
