"""The continuous Foundation Actor-Critic (Box actions, e.g. the tabletop's ``ee_delta``): DrQ-v2 with RLFP's priors.

Read top to bottom, one ``update`` (σ = the scheduled exploration std, ``exploration_std``):

1. **Critic** (clipped double Q, n-step target, random shifts on both frames):
   y = R + γ^k · min(Q̄₁, Q̄₂)(o′, clip(μ(o′) + clip(σ·ε, ±c), low, high)),
   loss = (Q₁(o, a) − y)² + (Q₂(o, a) − y)². The encoder learns from this loss only.
2. **Actor** μ(o) on the encoder's detached features, the policy a Gaussian N(μ(o), σ²) as in DrQ-v2:
   −min(Q₁, Q₂)(o, μ(o))
   + β_prior · KL(N(μ, σ²) ‖ N(a₀, σ²)) = β_prior · ‖μ(o) − a₀‖² / 2σ²     (policy prior; a₀ = π0's action at o)
   + β_success · E_(o,a)∈success buffer[‖μ(o) − a‖² / 2σ²]              (−log N(a; μ, σ²) up to a constant)
3. Target critics track the online ones by Polyak averaging (τ).

Acting: μ(o) + σ·ε clipped to the box; with ``q_filter`` π0's action runs instead when the critic values it
higher (the paper's choice between the two).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from gymnasium import spaces
from torch import nn

from sim2act.baselines.extractor import FiLMExtractor
from sim2act.baselines.rlfp.agent_base import ActorCriticAgent, mlp
from sim2act.baselines.rlfp.inputs import to_tensors


class BoxActions:
    """A Box action space as the agent sees it: actions are the env's own vectors, clipped to the box."""

    def __init__(self, space: spaces.Box) -> None:
        self.space = space
        self.low, self.high = space.low.astype(np.float32), space.high.astype(np.float32)
        self.n = int(np.prod(space.shape))
        """Action dimensions."""

    def env_action(self, action: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(action, np.float32).reshape(self.space.shape), self.low, self.high)


def exploration_std(config, env_steps: int) -> float:
    """DrQ-v2's linear schedule: ``noise_start`` → ``noise_end`` over the first ``noise_steps`` executed steps.

    >>> from types import SimpleNamespace
    >>> c = SimpleNamespace(noise_start=1.0, noise_end=0.1, noise_steps=100)
    >>> exploration_std(c, 0), exploration_std(c, 50), exploration_std(c, 1000)
    (1.0, 0.55, 0.1)
    """
    share = min(1.0, env_steps / max(1, config.noise_steps))
    return round(config.noise_start + share * (config.noise_end - config.noise_start), 10)


class ContinuousActorCritic(nn.Module):
    """Encoder (``FiLMExtractor``), a tanh actor μ(o) scaled to the box, and twin Q(o, a) heads."""

    def __init__(self, observation_space: spaces.Dict, action_space: spaces.Box, features_dim: int, channels: int,
                 cell_pixels: int, cell_stem: str = "conv") -> None:
        super().__init__()
        self.encoder = FiLMExtractor(observation_space, features_dim, channels, cell_pixels, cell_stem=cell_stem)
        dims = int(np.prod(action_space.shape))
        self.actor = mlp(features_dim, dims)
        self.q1, self.q2 = mlp(features_dim + dims, 1), mlp(features_dim + dims, 1)
        low, high = torch.as_tensor(action_space.low).float(), torch.as_tensor(action_space.high).float()
        self.register_buffer("centre", (high + low) / 2)
        self.register_buffer("half_range", (high - low) / 2)

    def features(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.encoder(obs)

    def mean(self, features: torch.Tensor) -> torch.Tensor:
        return self.centre + self.half_range * torch.tanh(self.actor(features))

    def q(self, features: torch.Tensor, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        both = torch.cat([features, actions], -1)
        return self.q1(both).squeeze(-1), self.q2(both).squeeze(-1)

    def clip(self, actions: torch.Tensor) -> torch.Tensor:
        return torch.maximum(torch.minimum(actions, self.centre + self.half_range), self.centre - self.half_range)


class ContinuousFoundationActorCritic(ActorCriticAgent):
    """The agent for Box actions: ``act`` and ``update`` on the discrete agent's surface (``agent_base``)."""

    def __init__(self, observation_space: spaces.Dict, action_space: spaces.Box, config, cell_pixels: int,
                 device: str = "cpu") -> None:
        super().__init__(ContinuousActorCritic(observation_space, action_space, config.features_dim, config.channels,
                                               cell_pixels, config.cell_stem), config, device)

    @property
    def std(self) -> float:
        return exploration_std(self.config, self.env_steps)

    @torch.no_grad()
    def act(self, obs: dict[str, np.ndarray], prior: np.ndarray, rng: np.random.Generator, warm: bool) -> np.ndarray:
        """(B, d) actions: π0's during the warm start, else μ(o) + σ·ε, or π0's where the critic values it higher."""
        if warm:
            return np.asarray(prior, np.float32)
        features = self.net.features(to_tensors(obs, self.device))
        mean = self.net.mean(features)
        noise = torch.as_tensor(rng.normal(0.0, self.std, mean.shape), dtype=mean.dtype, device=self.device)
        actor = self.net.clip(mean + noise)
        if not self.config.q_filter:
            return actor.cpu().numpy()
        prior_actions = torch.as_tensor(np.asarray(prior, np.float32), device=self.device)
        q_actor = torch.minimum(*self.net.q(features, actor))
        q_prior = torch.minimum(*self.net.q(features, prior_actions))
        return torch.where((q_prior > q_actor)[:, None], prior_actions, actor).cpu().numpy()

    def update(self, batch: dict[str, np.ndarray], successes: dict[str, np.ndarray] | None) -> dict[str, float]:
        """One critic and one actor step on a replay batch (and a success-buffer batch, when there is one)."""
        c = self.config
        sigma = self.std
        obs, next_obs = self.augmented(batch, "obs/"), self.augmented(batch, "next/")
        actions = torch.as_tensor(batch["action"], device=self.device).float()
        returns = torch.as_tensor(batch["return"], device=self.device).float()
        discounts = torch.as_tensor(batch["discount"], device=self.device).float()

        with torch.no_grad():  # 1. the critic's target, with DrQ-v2's clipped target-policy noise
            next_features = self.net.features(next_obs)
            next_mean = self.net.mean(next_features)
            noise = (torch.randn(next_mean.shape, generator=self.generator) * sigma).clamp(-c.noise_clip, c.noise_clip)
            next_actions = self.net.clip(next_mean + noise.to(self.device))
            both = torch.cat([next_features, next_actions], -1)
            next_q = torch.minimum(self.target[0](both), self.target[1](both)).squeeze(-1)
            target = returns + discounts * next_q
        features = self.net.features(obs)
        q1, q2 = self.net.q(features, actions)
        critic_loss = F.mse_loss(q1, target) + F.mse_loss(q2, target)
        self.critic_optimizer.zero_grad(set_to_none=True)
        critic_loss.backward()
        self.critic_optimizer.step()

        features = features.detach()  # 2. the actor, on detached features; the critic is not stepped by it
        mean = self.net.mean(features)
        improvement = -torch.minimum(*self.net.q(features, mean)).mean()
        prior = torch.as_tensor(batch["prior"], device=self.device).float()
        prior_kl = ((mean - prior) ** 2).sum(-1).mean() / (2 * sigma**2)
        imitation = torch.zeros((), device=self.device)
        if successes is not None:
            with torch.no_grad():
                success_features = self.net.features(self.augmented(successes, "obs/"))
            success_actions = torch.as_tensor(successes["action"], device=self.device).float()
            imitation = ((self.net.mean(success_features) - success_actions) ** 2).sum(-1).mean() / (2 * sigma**2)
        actor_loss = improvement + c.prior_kl * prior_kl + c.success_kl * imitation
        self.actor_optimizer.zero_grad(set_to_none=True)
        actor_loss.backward()
        self.actor_optimizer.step()  # the Q heads' gradients from this pass are cleared before the next critic step

        self.track_targets()  # 3. Polyak averaging of the target critics
        return {"losses/critic": critic_loss.item(), "losses/actor": improvement.item(), "losses/prior_kl": prior_kl.item(),
                "losses/success_imitation": imitation.item(), "charts/q": -improvement.item(), "charts/std": sigma}
