"""alpha * policy + (1 - alpha) * Uniform: the exploration mixture of the bootstrapping rounds."""

from __future__ import annotations

from sim2act.actions.distributions import ActionDistribution, mix
from sim2act.actions.uniform import uniform_distribution
from sim2act.errors import Sim2ActError
from sim2act.proposers.base import Proposer


class MixtureProposer(Proposer):
    """Follows ``policy`` with probability ``alpha`` and a uniform action otherwise."""

    def __init__(self, policy: Proposer, alpha: float) -> None:
        if not 0.0 <= alpha <= 1.0:
            raise Sim2ActError(f"mixture alpha must lie in [0, 1], got {alpha}")
        super().__init__(policy.action_space)
        self.policy = policy
        self.alpha = alpha
        self.name = f"mixture({policy.name},{alpha:g})"

    @property
    def preview_steps(self) -> int:
        return self.policy.preview_steps

    def begin_episode(self, slot, env) -> None:
        self.policy.begin_episode(slot, env)

    def distribution(self, observations, envs, slots) -> ActionDistribution:
        policy = self.policy.distribution(observations, envs, slots)
        return mix(policy, uniform_distribution(self.action_space, len(slots)), self.alpha)

    def executed(self, slot, action) -> None:
        self.policy.executed(slot, action)
