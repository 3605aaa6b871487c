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

import copy

import numpy as np
import torch
import torch.nn.functional as F
from gymnasium import spaces
from torch import nn

from sim2act.actions.distributions import Categorical
from sim2act.baselines.extractor import FiLMExtractor
from sim2act.baselines.rlfp.q_filter import q_filtered
from sim2act.baselines.task_env import IMAGE, INSTRUCTION_IDS, PROPRIO

PRIOR_SMOOTHING = 0.01
"""Share of uniform mixed into π0 in the KL term: a prior of exactly 0 on an action would make the KL infinite."""


def mlp(width_in: int, n_out: int, hidden: int = 256) -> nn.Sequential:
    return nn.Sequential(nn.Linear(width_in, hidden), nn.ReLU(), nn.Linear(hidden, n_out))


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


def to_tensors(obs: dict[str, np.ndarray], device: torch.device) -> dict[str, torch.Tensor]:
    """``TaskEnv`` arrays → the encoder's input: images scaled to [0, 1] (as stable-baselines3 feeds it)."""
    tensors = {IMAGE: torch.as_tensor(obs[IMAGE], device=device).float().div_(255.0),
               INSTRUCTION_IDS: torch.as_tensor(obs[INSTRUCTION_IDS], device=device).long()}
    if PROPRIO in obs:
        tensors[PROPRIO] = torch.as_tensor(obs[PROPRIO], device=device).float()
    return tensors


def random_shift(images: torch.Tensor, pad: int, generator: torch.Generator) -> torch.Tensor:
    """DrQ's augmentation: replicate-pad (B, H, W, C) images by ``pad`` and crop each back at a random offset."""
    if pad == 0:
        return images
    b, h, w, _ = images.shape
    padded = F.pad(images.permute(0, 3, 1, 2), (pad, pad, pad, pad), mode="replicate")
    dx = torch.randint(0, 2 * pad + 1, (b,), generator=generator)
    dy = torch.randint(0, 2 * pad + 1, (b,), generator=generator)
    rows = (dy[:, None] + torch.arange(h)[None]).to(images.device)  # (B, H)
    cols = (dx[:, None] + torch.arange(w)[None]).to(images.device)  # (B, W)
    batch = torch.arange(b, device=images.device)[:, None, None]
    cropped = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]
    return cropped


class FoundationActorCritic:
    """The agent: networks, their optimisers and the update; ``act`` for the training loop."""

    def __init__(self, observation_space: spaces.Dict, n_actions: int, config, cell_pixels: int, device: str = "cpu") -> None:
        self.config = config
        self.device = torch.device(device)
        self.net = ActorCritic(observation_space, n_actions, config.features_dim, config.channels, cell_pixels,
                               config.cell_stem).to(self.device)
        self.target = copy.deepcopy(self.net.q1), copy.deepcopy(self.net.q2)
        for head in self.target:
            head.requires_grad_(False)
        critic_parameters = [*self.net.encoder.parameters(), *self.net.q1.parameters(), *self.net.q2.parameters()]
        self.critic_optimizer = torch.optim.Adam(critic_parameters, lr=config.learning_rate)
        self.actor_optimizer = torch.optim.Adam(self.net.actor.parameters(), lr=config.learning_rate)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.updates = 0
        self.env_steps = 0
        """Executed env steps so far (the training loop sets it; the continuous agent's noise schedule reads it)."""

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

    def _augmented(self, obs: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
        tensors = to_tensors(obs, self.device)
        tensors[IMAGE] = random_shift(tensors[IMAGE], self.config.shift_pixels, self.generator)
        return tensors

    def update(self, batch: dict[str, np.ndarray], successes: dict[str, np.ndarray] | None) -> dict[str, float]:
        """One critic and one actor step on a replay batch (and a success-buffer batch, when there is one)."""
        c = self.config
        obs = self._augmented({k[4:]: v for k, v in batch.items() if k.startswith("obs/")})
        next_obs = self._augmented({k[5:]: v for k, v in batch.items() if k.startswith("next/")})
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
                success_features = self.net.features(self._augmented({k[4:]: v for k, v in successes.items() if k.startswith("obs/")}))
            success_log_pi = self.net.log_policy(success_features)
            imitation = F.nll_loss(success_log_pi, torch.as_tensor(successes["action"], device=self.device).long())
        actor_loss = improvement + c.prior_kl * prior_kl + c.success_kl * imitation
        self.actor_optimizer.zero_grad(set_to_none=True)
        actor_loss.backward()
        self.actor_optimizer.step()

        with torch.no_grad():  # 3. Polyak averaging of the target critics
            for online, target_head in ((self.net.q1, self.target[0]), (self.net.q2, self.target[1])):
                for p, p_target in zip(online.parameters(), target_head.parameters()):
                    p_target.lerp_(p, c.tau)
        self.updates += 1
        return {"losses/critic": critic_loss.item(), "losses/actor": improvement.item(), "losses/prior_kl": prior_kl.item(),
                "losses/success_imitation": imitation.item(), "charts/q": q_min.mean().item()}

    def state_dict(self) -> dict:
        return {"net": self.net.state_dict(), "target": [head.state_dict() for head in self.target],
                "critic_optimizer": self.critic_optimizer.state_dict(), "actor_optimizer": self.actor_optimizer.state_dict(),
                "generator": self.generator.get_state(), "updates": self.updates, "env_steps": self.env_steps}

    def load_state_dict(self, state: dict) -> None:
        self.net.load_state_dict(state["net"])
        for head, saved in zip(self.target, state["target"]):
            head.load_state_dict(saved)
        self.critic_optimizer.load_state_dict(state["critic_optimizer"])
        self.actor_optimizer.load_state_dict(state["actor_optimizer"])
        self.generator.set_state(state["generator"])
        self.updates = state["updates"]
        self.env_steps = state.get("env_steps", 0)
