"""Uniform distributions over action spaces: the exploration floor of every mixture."""

from __future__ import annotations

import gymnasium as gym
from gymnasium import spaces

from sim2act.actions.distributions import ActionDistribution, Categorical, MultiCategorical, UniformBox
from sim2act.errors import Sim2ActError


def uniform_distribution(action_space: gym.Space, batch: int) -> ActionDistribution:
    """Uniform over a ``Discrete``, ``MultiDiscrete`` or bounded ``Box`` action space."""
    if isinstance(action_space, spaces.Discrete):
        return Categorical.uniform(batch, int(action_space.n))
    if isinstance(action_space, spaces.MultiDiscrete) and action_space.nvec.ndim == 1:
        return MultiCategorical.uniform(batch, [int(n) for n in action_space.nvec])
    if isinstance(action_space, spaces.Box) and action_space.is_bounded():
        return UniformBox(action_space.low, action_space.high, batch)
    raise Sim2ActError(f"no uniform distribution over action space {action_space}")
