"""Shared by the throughput scripts: an env's raw rate under uniform random actions."""

from __future__ import annotations

import time

import gymnasium as gym


def random_steps_per_second(env: gym.Env, steps: int, seed: int = 0) -> float:
    """Steps/s of ``env`` under uniform random actions, resets included (then closes it)."""
    env.action_space.seed(seed)
    env.reset(seed=seed)
    started = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
    rate = steps / (time.perf_counter() - started)
    env.close()
    return rate
