"""The discrete Foundation Actor-Critic: networks, acting, and one update of critic and actor.

Read top to bottom, one ``update``:

1. **Critic** (clipped double Q, n-step target, DrQ's random shifts on both frames):
   y = R + γ^k · Σ_a′ π_θ(a′|o′) · (min(Q̄₁, Q̄₂)(o′, a′) − α·log π_θ(a′|o′)),
   loss = (Q₁(o, a) − y)² + (Q₂(o, a) − y)². The encoder learns from this loss only (DrQ-v2).
2. **Actor** on the encoder's detached features:
   Σ_a π_θ(a|o)·(α·log π_θ(a|o) − min(Q₁, Q₂)(o, a))     (soft policy improvement, exact over discrete a)
   + β_prior · KL(π_θ(·|o) ‖ π̃0(·|o))                    (policy prior; π̃0 = 0.99·π0 + 0.01·uniform keeps it finite)
   + β_success · E_(o,a)∈success buffer[−log π_θ(a|o)]    (imitation of successful episodes: KL to their actions)
3. Target critics track the online ones by Polyak averaging (τ).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from gymnasium import spaces
from torch import nn

from sim2act.actions.distributions import Categorical
from sim2act.baselines.extractor import FiLMExtractor
from sim2act.baselines.rlfp.agent_base import ActorCriticAgent, mlp
from sim2act.baselines.rlfp.inputs import to_tensors
from sim2act.baselines.rlfp.q_filter import q_filtered

PRIOR_SMOOTHING = 0.01
"""Share of uniform mixed into π0 in the KL term: a prior of exactly 0 on an action would make the KL infinite."""


class ActorCritic(nn.Module):
    """Encoder (``FiLMExtractor``: cell CNN with FiLM on the instruction), an actor head and twin Q heads."""

    def __init__(self, observation_space: spaces.Dict, n_actions: int, features_dim: int, channels: int, cell_pixels: int,
                 cell_stem: str = "conv") -> None:
        super().__init__()
        self.encoder = FiLMExtractor(observation_space, features_dim, channels, cell_pixels, cell_stem=cell_stem)
        self.actor = mlp(features_dim, n_actions)
        self.q1, self.q2 = mlp(features_dim, n_actions), mlp(features_dim, n_actions)

    def features(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.encoder(obs)

    def q(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.q1(features), self.q2(features)

    def log_policy(self, features: torch.Tensor) -> torch.Tensor:
        return F.log_softmax(self.actor(features), -1)


class FoundationActorCritic(ActorCriticAgent):
    """The agent over joint actions: ``act`` for the training loop, ``update`` (module docstring)."""

    def __init__(self, observation_space: spaces.Dict, n_actions: int, config, cell_pixels: int, device: str = "cpu") -> None:
        super().__init__(ActorCritic(observation_space, n_actions, config.features_dim, config.channels, cell_pixels,
                                     config.cell_stem), config, device)

    def act(self, obs: dict[str, np.ndarray], prior: np.ndarray, rng: np.random.Generator, warm: bool) -> np.ndarray:
        """(B,) joint actions: sampled from π0 (``prior``, (B, n)) during the warm start, else from the actor, or
        from the critic's choice between the actor's and π0's samples (``q_filter``)."""
        if warm:
            return Categorical(prior).sample(rng)
        pi, q = self.policy_and_q(obs)
        return Categorical(q_filtered(pi, prior, q) if self.config.q_filter else pi).sample(rng)

    @torch.no_grad()
    def policy_and_q(self, obs: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """(B, n) π_θ probabilities and min(Q₁, Q₂) of a batch of encoded observations."""
        features = self.net.features(to_tensors(obs, self.device))
        q1, q2 = self.net.q(features)
        return self.net.log_policy(features).exp().cpu().numpy(), torch.minimum(q1, q2).cpu().numpy()

    def update(self, batch: dict[str, np.ndarray], successes: dict[str, np.ndarray] | None) -> dict[str, float]:
        """One critic and one actor step on a replay batch (and a success-buffer batch, when there is one)."""
        c = self.config
        obs, next_obs = self.augmented(batch, "obs/"), self.augmented(batch, "next/")
        actions = torch.as_tensor(batch["action"], device=self.device).long()
        returns = torch.as_tensor(batch["return"], device=self.device).float()
        discounts = torch.as_tensor(batch["discount"], device=self.device).float()

        with torch.no_grad():  # 1. the critic's target
            next_features = self.net.features(next_obs)
            next_log_pi = self.net.log_policy(next_features)
            next_q = torch.minimum(self.target[0](next_features), self.target[1](next_features))
            soft_value = (next_log_pi.exp() * (next_q - c.entropy * next_log_pi)).sum(-1)
            target = returns + discounts * soft_value
        features = self.net.features(obs)
        q1, q2 = self.net.q(features)
        chosen = actions[:, None]
        critic_loss = F.mse_loss(q1.gather(1, chosen).squeeze(1), target) + F.mse_loss(q2.gather(1, chosen).squeeze(1), target)
        self.critic_optimizer.zero_grad(set_to_none=True)
        critic_loss.backward()
        self.critic_optimizer.step()

        features = features.detach()  # 2. the actor, on detached features
        log_pi = self.net.log_policy(features)
        pi = log_pi.exp()
        with torch.no_grad():
            q_min = torch.minimum(*self.net.q(features))
        improvement = (pi * (c.entropy * log_pi - q_min)).sum(-1).mean()
        prior = torch.as_tensor(batch["prior"], device=self.device).float()
        prior = (1 - PRIOR_SMOOTHING) * prior / prior.sum(-1, keepdim=True).clamp_min(1e-8) + PRIOR_SMOOTHING / prior.shape[-1]
        prior_kl = (pi * (log_pi - prior.log())).sum(-1).mean()
        imitation = torch.zeros((), device=self.device)
        if successes is not None:
            with torch.no_grad():
                success_features = self.net.features(self.augmented(successes, "obs/"))
            success_log_pi = self.net.log_policy(success_features)
            imitation = F.nll_loss(success_log_pi, torch.as_tensor(successes["action"], device=self.device).long())
        actor_loss = improvement + c.prior_kl * prior_kl + c.success_kl * imitation
        self.actor_optimizer.zero_grad(set_to_none=True)
        actor_loss.backward()
        self.actor_optimizer.step()

        self.track_targets()  # 3. Polyak averaging of the target critics
        return {"losses/critic": critic_loss.item(), "losses/actor": improvement.item(), "losses/prior_kl": prior_kl.item(),
                "losses/success_imitation": imitation.item(), "charts/q": q_min.mean().item()}
