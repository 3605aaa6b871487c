"""Real uniform rollouts of BabyAI levels, collected once per session with the generator's own collector."""

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
def _rollouts(level: str, split: str, episodes: int, seed: int) -> tuple[Episode, ...]:
    envs = [EpisodeRecorder(make("grid", level)) for _ in range(8)]
    proposer = make_proposer("uniform", envs[0].action_space)
    sampler = TaskSampler("grid", level, split, seed)
    return tuple(collect(envs, proposer, sampler, range(episodes), np.random.default_rng(seed)))


@pytest.fixture(scope="session")
def rollouts():
    """``rollouts(level, split="train", episodes=64, seed=0)``: uniform episodes, as ``generate`` collects them."""

    def get(level: str, split: str = "train", episodes: int = 64, seed: int = 0) -> tuple[Episode, ...]:
        return _rollouts(level, split, episodes, seed)

    return get
