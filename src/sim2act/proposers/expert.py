"""The domain's scripted expert (``Domain.expert``) as a proposer: privileged, used only for reference baselines.

It reads the simulator's internal state, so it is never part of the self-supervised pipeline.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from sim2act.actions.distributions import ActionDistribution, Categorical
from sim2act.envs import get_domain
from sim2act.errors import Sim2ActError
from sim2act.proposers.base import Proposer


class ExpertProposer(Proposer):
    """The expert's next action as a one-hot distribution (a uniform one where the expert gave up)."""

    name = "expert"

    def __init__(self, action_space: gym.Space, domain: str) -> None:
        super().__init__(action_space)
        spec = get_domain(domain)
        if spec.expert is None:
            raise Sim2ActError(f"domain {domain!r} declares no scripted expert (Domain.expert) for --proposer expert")
        if not isinstance(action_space, spaces.Discrete):
            raise Sim2ActError(f"the expert proposer proposes Discrete actions, not {action_space}")
        self._make_expert = spec.expert
        self._experts: dict = {}
        self._last_action: dict[int, int | None] = {}

    def begin_episode(self, slot, env) -> None:
        self._experts[slot] = self._make_expert(env)
        self._last_action[slot] = None

    def distribution(self, observations, envs, slots) -> ActionDistribution:
        n = int(self.action_space.n)
        probs = np.full((len(slots), n), 1.0 / n)
        for row, slot in enumerate(slots):
            action = self._experts[slot].act(self._last_action[slot])
            if action is not None:
                probs[row] = 0.0
                probs[row, action] = 1.0
        return Categorical(probs)

    def executed(self, slot, action) -> None:
        self._last_action[slot] = int(action)
