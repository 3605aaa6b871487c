"""Uniformly random actions: the exploration floor of every mixture."""

from __future__ import annotations

import gymnasium as gym
from gymnasium import spaces

from sim2act.errors import Sim2ActError
from sim2act.proposers.base import Proposer
from sim2act.proposers.distributions import ActionDistribution, Categorical, UniformBox


def uniform_distribution(action_space: gym.Space, batch: int) -> ActionDistribution:
    """Uniform over a ``Discrete`` or bounded ``Box`` action space."""
    if isinstance(action_space, spaces.Discrete):
        return Categorical.uniform(batch, int(action_space.n))
    if isinstance(action_space, spaces.Box) and action_space.is_bounded():
        return UniformBox(action_space.low, action_space.high, batch)
    raise Sim2ActError(f"no uniform distribution over action space {action_space}")


class UniformProposer(Proposer):
    """Every action equally likely (uniform over the bounds for Box actions)."""

    name = "uniform"

    def distribution(self, observations, envs, slots) -> ActionDistribution:
        return uniform_distribution(self.action_space, len(slots))
