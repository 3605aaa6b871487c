"""Uniformly random actions: the exploration floor of every mixture."""

from __future__ import annotations

from sim2act.actions.distributions import ActionDistribution
from sim2act.actions.uniform import uniform_distribution
from sim2act.proposers.base import Proposer


class UniformProposer(Proposer):
    """Every action equally likely (uniform over the bounds for Box actions)."""

    name = "uniform"

    def distribution(self, observations, envs, slots) -> ActionDistribution:
        return uniform_distribution(self.action_space, len(slots))
