"""``JointActions``: a Discrete or MultiDiscrete action space as one index, for agents with one categorical head.

The baselines that learn a distribution over whole actions (RLFP's discrete actor-critic, Decision Stacks'
action model) index ``pick_place``'s (pick cell, place cell) pairs, or any MultiDiscrete vector, row-major.
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from sim2act.actions.distributions import (
    ActionDistribution,
    CandidateActions,
    Categorical,
    JointCategorical,
    MultiCategorical,
)
from sim2act.errors import Sim2ActError


class JointActions:
    """A Discrete or MultiDiscrete action space as one index 0..n-1 (row-major over the dimensions)."""

    def __init__(self, space: spaces.Space) -> None:
        if isinstance(space, spaces.Discrete):
            self.nvec, self.start = None, int(space.start)
            self.n = int(space.n)
        elif isinstance(space, spaces.MultiDiscrete) and len(space.shape) == 1:
            self.nvec, self.start = tuple(int(n) for n in space.nvec), 0
            self.n = int(np.prod(self.nvec))
        else:
            raise Sim2ActError(f"RLFP's discrete agent needs a Discrete or 1-D MultiDiscrete action space, not {space}")
        self.space = space

    def env_action(self, index: int):
        """The env's action for a joint index."""
        if self.nvec is None:
            return int(index) + self.start
        return np.array(np.unravel_index(int(index), self.nvec), dtype=self.space.dtype)

    def index(self, action) -> int:
        """The joint index of an env action."""
        if self.nvec is None:
            return int(action) - self.start
        return int(np.ravel_multi_index(tuple(int(a) for a in np.asarray(action).reshape(-1)), self.nvec))

    def probabilities(self, distribution: ActionDistribution) -> np.ndarray:
        """(B, n) probabilities of every joint action under a proposer's distribution."""
        if isinstance(distribution, Categorical):
            return distribution.probs
        if isinstance(distribution, JointCategorical):
            return distribution.probs.reshape(len(distribution.probs), -1)
        if isinstance(distribution, MultiCategorical):
            joint = np.ones((len(distribution.probs), 1))
            for d, n in enumerate(self.nvec):
                joint = (joint[:, :, None] * distribution.probs[:, d, None, :n]).reshape(len(joint), -1)
            return joint
        if isinstance(distribution, CandidateActions):  # sampled candidates: their probability mass on their indices
            joint = np.zeros((len(distribution.probs), self.n))
            for b, (actions, probs) in enumerate(zip(distribution.actions, distribution.probs)):
                np.add.at(joint[b], [self.index(a) for a in actions], probs)
            return joint
        raise Sim2ActError(f"RLFP cannot read π0's {type(distribution).__name__} as probabilities over actions")
