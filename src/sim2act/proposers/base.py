"""The proposer protocol: exploratory policies that choose actions for a batch of envs."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from sim2act.actions.distributions import ActionDistribution


@dataclass
class Proposal:
    """What a proposer returns for a batch: the sampled actions and the distribution they came from."""

    actions: np.ndarray
    distribution: ActionDistribution


class Proposer(ABC):
    """Chooses actions for several envs stepped in one process.

    Envs are addressed by *slot* (0..num_envs-1). For each batch, ``observations[i]``,
    ``envs[i]`` and ``slots[i]`` belong together; a proposer that keeps per-episode state
    (a scripted expert, a policy with memory) is told when a slot starts an episode and which
    action was finally executed there (a mixture may execute another proposer's action).
    """

    name: str = "proposer"
    preview_steps: int = 0
    """Simulator steps run to preview actions, never executed in an env (see ``PriorProposer``)."""

    def __init__(self, action_space: gym.Space) -> None:
        self.action_space = action_space

    def begin_episode(self, slot: int, env: gym.Env) -> None:
        """A new episode starts in ``slot`` (the env is already reset)."""

    @abstractmethod
    def distribution(
        self, observations: Sequence[Mapping[str, Any]], envs: Sequence[gym.Env], slots: Sequence[int]
    ) -> ActionDistribution:
        """The action distribution for each env of the batch."""

    def executed(self, slot: int, action: np.ndarray | int) -> None:
        """``action`` was executed in ``slot``."""

    def propose(
        self,
        observations: Sequence[Mapping[str, Any]],
        envs: Sequence[gym.Env],
        slots: Sequence[int],
        rng: np.random.Generator,
    ) -> Proposal:
        """Sample one action per env."""
        dist = self.distribution(observations, envs, slots)
        return Proposal(dist.sample(rng), dist)
