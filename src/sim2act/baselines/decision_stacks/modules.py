"""The three modules of Decision Stacks, each trained on its own and chained at inference.

- ``ObservationDiffusion``: p(z_{t+1..t+H} | z_t, goal), a denoising diffusion over the plan's latent frames
  (a transformer denoiser, cosine schedule, ε-prediction), with classifier-free guidance on the goal.
- ``RewardModel``: an encoder–decoder transformer; the encoder reads the frames z_t..z_{t+H} and the goal, the
  decoder predicts r_t..r_{t+H} autoregressively (teacher-forced in training).
- ``ActionModel``: an encoder–decoder transformer; the encoder reads frames and rewards and the goal, the
  decoder predicts a_t..a_{t+H−1} autoregressively from a start token.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


X0_CLIP = 5.0
"""Denoised plans are clipped to ±5 standard deviations of the (standardised) latents at each reverse step."""


def _encoder(d: int, heads: int, layers: int) -> nn.TransformerEncoder:
    layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, batch_first=True, norm_first=True)
    return nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)


def _decoder(d: int, heads: int, layers: int) -> nn.TransformerDecoder:
    layer = nn.TransformerDecoderLayer(d, heads, 4 * d, dropout=0.0, batch_first=True, norm_first=True)
    return nn.TransformerDecoder(layer, layers)


def _causal(length: int, device) -> torch.Tensor:
    return torch.triu(torch.full((length, length), float("-inf"), device=device), diagonal=1)


def _masked_mean(values: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    valid = valid.to(values.dtype)
    return (values * valid).sum() / valid.sum().clamp_min(1.0)


class ObservationDiffusion(nn.Module):
    """ε_θ(z_k, k, z_t, goal) over a plan of ``horizon`` latent frames; ``sample`` runs the reverse process."""

    def __init__(self, latent: int, goal: int, horizon: int, d: int, heads: int, layers: int, steps: int) -> None:
        super().__init__()
        self.horizon, self.steps = horizon, steps
        self.plan_in, self.plan_out = nn.Linear(latent, d), nn.Linear(d, latent)
        self.current_in, self.goal_in = nn.Linear(latent, d), nn.Linear(goal, d)
        self.no_goal = nn.Parameter(torch.zeros(goal))
        self.step_embedding = nn.Embedding(steps, d)
        self.position = nn.Parameter(torch.zeros(horizon + 3, d))
        self.body = _encoder(d, heads, layers)
        s = torch.arange(steps + 1, dtype=torch.float64) / steps  # the cosine schedule (Nichol & Dhariwal, 2021)
        alpha_bar = torch.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2
        alpha_bar = alpha_bar / alpha_bar[0]
        betas = (1 - alpha_bar[1:] / alpha_bar[:-1]).clamp(max=0.999)
        self.register_buffer("betas", betas.float(), persistent=False)
        self.register_buffer("alpha_bar", torch.cumprod(1 - betas, 0).float(), persistent=False)

    def epsilon(self, noisy: torch.Tensor, k: torch.Tensor, current: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
        tokens = torch.cat([
            self.current_in(current)[:, None], self.goal_in(goal)[:, None], self.step_embedding(k)[:, None],
            self.plan_in(noisy),
        ], 1) + self.position
        return self.plan_out(self.body(tokens)[:, 3:])

    def loss(self, plan: torch.Tensor, valid: torch.Tensor, current: torch.Tensor, goal: torch.Tensor,
             drop_goal: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Denoising loss at a random step; goals of rows in ``drop_goal`` replaced by the learned no-goal."""
        k = torch.randint(0, self.steps, (len(plan),), generator=generator)
        noise = torch.randn(plan.shape, generator=generator)
        a = self.alpha_bar[k][:, None, None]
        noisy = a.sqrt() * plan + (1 - a).sqrt() * noise
        goal = torch.where(drop_goal[:, None], self.no_goal.expand_as(goal), goal)
        error = (self.epsilon(noisy, k, current, goal) - noise).pow(2).mean(-1)
        return _masked_mean(error, valid)

    @torch.no_grad()
    def sample(self, current: torch.Tensor, goal: torch.Tensor, guidance: float, generator: torch.Generator) -> torch.Tensor:
        """(B, H, latent) plans by ancestral sampling, ε = (1 + w)·ε(goal) − w·ε(no goal)."""
        b = len(current)
        x = torch.randn((b, self.horizon, self.plan_in.in_features), generator=generator)
        both_current = torch.cat([current, current])
        both_goal = torch.cat([goal, self.no_goal.expand_as(goal)])
        for k in reversed(range(self.steps)):
            steps = torch.full((2 * b,), k, dtype=torch.long)
            eps_goal, eps_free = self.epsilon(torch.cat([x, x]), steps, both_current, both_goal).chunk(2)
            eps = (1 + guidance) * eps_goal - guidance * eps_free
            beta, a = self.betas[k], self.alpha_bar[k]
            a_before = self.alpha_bar[k - 1] if k > 0 else torch.ones(())
            # The posterior q(x_{k-1} | x_k, x̂0) around a clipped x̂0 ("clip_denoised" in the paper's code): the
            # ε-form of the mean divides by √(1 − β), ~30 at the first of 10 steps, and blew plans up.
            x0 = ((x - (1 - a).sqrt() * eps) / a.sqrt()).clamp(-X0_CLIP, X0_CLIP)
            mean = (beta * a_before.sqrt() * x0 + (1 - a_before) * (1 - beta).sqrt() * x) / (1 - a)
            if k > 0:
                variance = beta * (1 - a_before) / (1 - a)
                x = mean + variance.sqrt() * torch.randn(x.shape, generator=generator)
            else:
                x = mean
        return x


class RewardModel(nn.Module):
    """p(r_t..r_{t+H} | z_t..z_{t+H}, goal): rewards are the verifier's 0/1 success, so each is a Bernoulli."""

    def __init__(self, latent: int, goal: int, horizon: int, d: int, heads: int, layers: int) -> None:
        super().__init__()
        self.frames_in, self.goal_in = nn.Linear(latent, d), nn.Linear(goal, d)
        self.reward_in = nn.Linear(1, d)
        self.start = nn.Parameter(torch.zeros(d))
        self.memory_position = nn.Parameter(torch.zeros(horizon + 2, d))
        self.target_position = nn.Parameter(torch.zeros(horizon + 1, d))
        self.encoder, self.decoder = _encoder(d, heads, layers), _decoder(d, heads, layers)
        self.out = nn.Linear(d, 1)

    def _memory(self, frames: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
        tokens = torch.cat([self.goal_in(goal)[:, None], self.frames_in(frames)], 1)
        return self.encoder(tokens + self.memory_position[: tokens.shape[1]])

    def _logits(self, memory: torch.Tensor, previous: torch.Tensor) -> torch.Tensor:
        """Logits of r_0..r_{n} given the n previous rewards (B, n)."""
        b, n = previous.shape
        inputs = torch.cat([self.start.expand(b, 1, -1), self.reward_in(previous[..., None])], 1)
        inputs = inputs + self.target_position[: n + 1]
        return self.out(self.decoder(inputs, memory, tgt_mask=_causal(n + 1, inputs.device))).squeeze(-1)

    def loss(self, frames: torch.Tensor, rewards: torch.Tensor, valid: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
        logits = self._logits(self._memory(frames, goal), rewards[:, :-1])
        return _masked_mean(F.binary_cross_entropy_with_logits(logits, rewards, reduction="none"), valid)

    @torch.no_grad()
    def predict(self, frames: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
        """(B, H + 1) expected rewards, decoded one step at a time, each fed back as the next input."""
        memory = self._memory(frames, goal)
        rewards = torch.zeros(len(frames), 0)
        for _ in range(frames.shape[1]):
            rewards = torch.cat([rewards, self._logits(memory, rewards)[:, -1:].sigmoid()], 1)
        return rewards


class ActionModel(nn.Module):
    """π(a_t..a_{t+H−1} | z_t..z_{t+H}, r_t..r_{t+H}, goal) over ``actions`` joint actions."""

    def __init__(self, latent: int, goal: int, horizon: int, actions: int, d: int, heads: int, layers: int) -> None:
        super().__init__()
        self.frames_in, self.goal_in = nn.Linear(latent, d), nn.Linear(goal, d)
        self.reward_in = nn.Linear(1, d)
        self.action_in = nn.Embedding(actions + 1, d)  # the last index is the start token
        self.memory_position = nn.Parameter(torch.zeros(horizon + 2, d))
        self.target_position = nn.Parameter(torch.zeros(horizon, d))
        self.encoder, self.decoder = _encoder(d, heads, layers), _decoder(d, heads, layers)
        self.out = nn.Linear(d, actions)
        self.start_token = actions

    def _memory(self, frames: torch.Tensor, rewards: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
        tokens = self.frames_in(frames) + self.reward_in(rewards[..., None])
        tokens = torch.cat([self.goal_in(goal)[:, None], tokens], 1)
        return self.encoder(tokens + self.memory_position[: tokens.shape[1]])

    def _logits(self, memory: torch.Tensor, previous: torch.Tensor) -> torch.Tensor:
        b, n = previous.shape
        start = torch.full((b, 1), self.start_token, dtype=torch.long, device=previous.device)
        inputs = self.action_in(torch.cat([start, previous], 1)) + self.target_position[: n + 1]
        return self.out(self.decoder(inputs, memory, tgt_mask=_causal(n + 1, inputs.device)))

    def loss(self, frames, rewards, actions: torch.Tensor, valid: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of a_t..a_{t+H−1}, each action taken from a frame of the episode (``valid`` of its frame)."""
        logits = self._logits(self._memory(frames, rewards, goal), actions[:, :-1])
        error = F.cross_entropy(logits.flatten(0, 1), actions.flatten(), reduction="none").view(actions.shape)
        return _masked_mean(error, valid[:, :-1])

    @torch.no_grad()
    def first_action_probabilities(self, frames: torch.Tensor, rewards: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
        """(B, actions) p(a_t | ...): the decoder's first output (only a_t is executed before replanning)."""
        memory = self._memory(frames, rewards, goal)
        return self._logits(memory, torch.zeros(len(frames), 0, dtype=torch.long))[:, 0].softmax(-1)
