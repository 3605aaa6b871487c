"""RLFP's foundation priors from sim2act's frozen π0, and the joint action index its discrete agent acts in.

- **Policy prior**: π0's action distribution, exactly as it proposes in ``sim2act run`` (previews or cell
  scores, ``sim2act.proposers``), turned into probabilities over every joint action. Its previews are
  simulator steps and are counted (``preview_steps``).
- **Value prior**: V(o, ℓ) = π0's logit scale × cos(E_v(o), E_ℓ(ℓ)). The paper uses VIP, which needs a goal
  image; π0 scores a frame against the instruction instead. Pretrained on captions that rank frames by the
  actions left (``sim2act.priors.captioning``), it is about d·log γ + const, d the actions left, so
  γ·V(o′) − V(o) is a potential-based shaping that rewards moving closer.
"""

from __future__ import annotations

import numpy as np
import torch
from gymnasium import spaces

from sim2act import features as F
from sim2act.actions.distributions import (
    ActionDistribution,
    CandidateActions,
    Categorical,
    JointCategorical,
    MultiCategorical,
)
from sim2act.errors import Sim2ActError
from sim2act.priors.threads import torch_threads


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


class FoundationPriors:
    """π0's policy prior and value prior for a batch of sim2act envs (raw observations)."""

    def __init__(self, proposer, actions: JointActions) -> None:
        self.proposer = proposer
        """π0 as ``sim2act.proposers.make_proposer("prior", ...)`` builds it."""
        self.actions = actions
        self.embedder = proposer.embedder
        self.camera = proposer.camera
        self.logit_scale = self.embedder.logit_scale

    @property
    def preview_steps(self) -> int:
        """Simulator steps π0 ran to preview actions (never executed)."""
        return int(self.proposer.preview_steps)

    def begin_episode(self, slot: int, env) -> None:
        self.proposer.begin_episode(slot, env)

    def executed(self, slot: int, action) -> None:
        self.proposer.executed(slot, action)

    def policy(self, observations, envs, slots) -> np.ndarray:
        """(B, n) π0(a | o, ℓ) over joint actions."""
        probs = self.actions.probabilities(self.proposer.distribution(observations, envs, slots))
        total = probs.sum(1, keepdims=True)
        return (probs / np.where(total > 0, total, 1.0)).astype(np.float32)

    @torch.no_grad()
    def value(self, observations) -> np.ndarray:
        """(B,) V(o, ℓ) = logit scale × cos(E_v(frame), E_ℓ(instruction))."""
        with torch_threads(self.proposer.threads):
            scores = self.proposer.scores([[obs] for obs in observations], [obs[F.INSTRUCTION] for obs in observations])
        return (self.logit_scale * scores[:, 0]).numpy().astype(np.float32)
