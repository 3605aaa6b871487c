"""The domain's scripted expert (``Domain.expert``) as a proposer: privileged, used only for reference baselines.

It reads the simulator's internal state, so it is never part of the self-supervised pipeline.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from sim2act.actions.distributions import ActionDistribution, Categorical, ScriptedActions
from sim2act.actions.uniform import uniform_distribution
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
        self._make_expert = spec.expert
        self._experts: dict = {}
        self._last_action: dict[int, object] = {}

    def begin_episode(self, slot, env) -> None:
        self._experts[slot] = self._make_expert(env)
        self._last_action[slot] = None

    def distribution(self, observations, envs, slots) -> ActionDistribution:
        chosen = [self._experts[slot].act(self._last_action[slot]) for slot in slots]
        if isinstance(self.action_space, spaces.Discrete):
            n = int(self.action_space.n)
            probs = np.full((len(slots), n), 1.0 / n)
            for row, action in enumerate(chosen):
                if action is not None:
                    probs[row] = 0.0
                    probs[row, action] = 1.0
            return Categorical(probs)
        shape, dtype = self.action_space.shape, self.action_space.dtype
        actions = np.stack([np.zeros(shape, dtype) if a is None else np.asarray(a, dtype).reshape(shape) for a in chosen])
        given = np.array([a is not None for a in chosen])
        return ScriptedActions(actions, given, uniform_distribution(self.action_space, len(slots)))

    def executed(self, slot, action) -> None:
        self._last_action[slot] = int(action) if isinstance(self.action_space, spaces.Discrete) else np.asarray(action)
