"""RLFP's foundation priors from sim2act's frozen π0.

- **Policy prior**: π0's action distribution, exactly as it proposes in ``sim2act run`` (previews or cell
  scores, ``sim2act.proposers``), turned into probabilities over every joint action; in a Box space, the
  action π0 takes (a sample of that distribution: the mean of RLFP's Gaussian prior). Its previews are
  simulator steps and are counted (``preview_steps``).
- **Value prior**: V(o, ℓ) = π0's logit scale × cos(E_v(o), E_ℓ(ℓ)). The paper uses VIP, which needs a goal
  image; π0 scores a frame against the instruction instead. Pretrained on captions that rank frames by the
  actions left (``sim2act.priors.captioning``), it is about d·log γ + const, d the actions left, so
  γ·V(o′) − V(o) is a potential-based shaping that rewards moving closer.
"""

from __future__ import annotations

import numpy as np
import torch

from sim2act import features as F
from sim2act.baselines.joint_actions import JointActions
from sim2act.baselines.rlfp.continuous_agent import BoxActions
from sim2act.priors.threads import torch_threads


class FoundationPriors:
    """π0's policy prior and value prior for a batch of sim2act envs (raw observations)."""

    def __init__(self, proposer, actions: JointActions | BoxActions) -> None:
        self.proposer = proposer
        """π0 as ``sim2act.proposers.make_proposer("prior", ...)`` builds it."""
        self.actions = actions
        self.scorer = getattr(proposer, "scorer", proposer)
        """The frame–instruction scorer: π0 itself, or the cell scorer π0's motions act on (``ee_delta``)."""
        self.logit_scale = self.scorer.embedder.logit_scale

    @property
    def preview_steps(self) -> int:
        """Simulator steps π0 ran to preview actions (never executed)."""
        return int(self.proposer.preview_steps)

    def begin_episode(self, slot: int, env) -> None:
        self.proposer.begin_episode(slot, env)

    def executed(self, slot: int, action) -> None:
        self.proposer.executed(slot, action)

    def policy(self, observations, envs, slots, rng: np.random.Generator) -> np.ndarray:
        """(B, n) π0(a | o, ℓ) over joint actions, or in a Box space (B, d) the actions π0 takes."""
        distribution = self.proposer.distribution(observations, envs, slots)
        if isinstance(self.actions, BoxActions):
            return np.stack([self.actions.env_action(a).reshape(-1) for a in distribution.sample(rng)])
        probs = self.actions.probabilities(distribution)
        total = probs.sum(1, keepdims=True)
        return (probs / np.where(total > 0, total, 1.0)).astype(np.float32)

    def unused(self, batch: int) -> np.ndarray:
        """What ``policy`` stands in for when the policy prior is off (its weight 0): uniform, or zero actions."""
        if isinstance(self.actions, BoxActions):
            return np.zeros((batch, self.actions.n), np.float32)
        return np.full((batch, self.actions.n), 1.0 / self.actions.n, np.float32)

    @torch.no_grad()
    def value(self, observations) -> np.ndarray:
        """(B,) V(o, ℓ) = logit scale × cos(E_v(frame), E_ℓ(instruction))."""
        with torch_threads(self.scorer.threads):
            scores = self.scorer.scores([[obs] for obs in observations], [obs[F.INSTRUCTION] for obs in observations])
        return (self.logit_scale * scores[:, 0]).numpy().astype(np.float32)


def agent_actions(space) -> JointActions | BoxActions:
    """How the agent indexes ``space``: one joint index (Discrete, MultiDiscrete) or the Box's own vectors."""
    from gymnasium import spaces

    return BoxActions(space) if isinstance(space, spaces.Box) else JointActions(space)


def prior_guide(config, space) -> FoundationPriors:
    """π0 of an ``RLFPConfig`` (its prior, mode, temperature and preview reuse) over the actions of ``space``."""
    from sim2act.proposers import make_proposer

    pi0 = make_proposer("prior", space, domain=config.domain, env_options=config.env, prior=config.prior,
                        prior_mode=config.prior_mode, prior_temperature=config.prior_temperature,
                        reuse_previews=config.reuse_previews)
    return FoundationPriors(pi0, agent_actions(space))
