"""Real uniform rollouts (BabyAI levels unless told another domain), collected once per session with the generator's
own collector."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from sim2act.data.episode import Episode
from sim2act.envs import make
from sim2act.proposers import make_proposer
from sim2act.rollout.collect import collect
from sim2act.rollout.recorder import EpisodeRecorder
from sim2act.tasks import TaskSampler


@functools.cache
def _rollouts(level: str, split: str, episodes: int, seed: int, domain: str, num_envs: int,
              options: tuple) -> tuple[Episode, ...]:
    envs = [EpisodeRecorder(make(domain, level, **dict(options))) for _ in range(num_envs)]
    proposer = make_proposer("uniform", envs[0].action_space)
    sampler = TaskSampler(domain, level, split, seed)
    episodes = tuple(collect(envs, proposer, sampler, range(episodes), np.random.default_rng(seed)))
    for env in envs:
        env.close()
    return episodes


@pytest.fixture(scope="session")
def rollouts():
    """``rollouts(level, split="train", episodes=64, seed=0, domain="grid", num_envs=8, **env_options)``: uniform episodes, as
    ``generate`` collects them."""

    def get(level: str, split: str = "train", episodes: int = 64, seed: int = 0, domain: str = "grid",
            num_envs: int = 8, **options) -> tuple[Episode, ...]:
        return _rollouts(level, split, episodes, seed, domain, num_envs, tuple(sorted(options.items())))

    return get
