"""``RLProposer``: a stable-baselines3 model acting through sim2act's proposer protocol.

Wrapping the model as a ``Proposer`` lets sim2act's own roll-out and evaluation code (success with
confidence intervals, reward, steps to success, behavioural diversity, GIFs) measure the RL
baselines exactly as it measures sim2act's policies. The proposer reads the model's action
distribution and returns it as a sim2act ``ActionDistribution``; actions are then drawn from the
caller's numpy generator, never torch's, so evaluating a model in the middle of training leaves
the training's random stream untouched, and equal evaluation seeds give equal roll-outs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.policies import ActorCriticPolicy

from sim2act.actions.distributions import ActionDistribution, Categorical, MultiCategorical
from sim2act.baselines.task_env import PROPRIO, InstructionEncoder
from sim2act.proposers.base import Proposer


class GaussianActions(ActionDistribution):
    """Independent Gaussians per action dimension, for Box action spaces.

    ``squashed``: SAC's ``tanh`` squashing to [-1, 1], rescaled to ``[low, high]`` (exact density).
    Otherwise the sample is clipped to the bounds, as stable-baselines3 does for PPO, and
    ``log_prob`` is the Gaussian density, ignoring the mass the clipping piles up on the bounds.
    """

    def __init__(
        self,
        mean: np.ndarray,
        std: np.ndarray,
        low: np.ndarray,
        high: np.ndarray,
        squashed: bool,
        deterministic: bool = False,
    ) -> None:
        self.mean, self.std = np.asarray(mean, np.float64), np.asarray(std, np.float64)
        self.low, self.high = np.asarray(low, np.float64).reshape(-1), np.asarray(high, np.float64).reshape(-1)
        self.squashed, self.deterministic = squashed, deterministic

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        pre = self.mean if self.deterministic else self.mean + self.std * rng.standard_normal(self.mean.shape)
        if self.squashed:
            return (self.low + (np.tanh(pre) + 1.0) / 2.0 * (self.high - self.low)).astype(np.float32)
        return np.clip(pre, self.low, self.high).astype(np.float32)

    def log_prob(self, actions: np.ndarray) -> np.ndarray:
        actions = np.asarray(actions, np.float64).reshape(self.mean.shape)
        if self.squashed:
            unit = np.clip(2.0 * (actions - self.low) / (self.high - self.low) - 1.0, -1 + 1e-6, 1 - 1e-6)
            pre = np.arctanh(unit)
            jacobian = np.log(1.0 - unit**2) + np.log((self.high - self.low) / 2.0)
        else:
            pre, jacobian = actions, 0.0
        gaussian = -0.5 * ((pre - self.mean) / self.std) ** 2 - np.log(self.std) - 0.5 * np.log(2 * np.pi)
        return (gaussian - jacobian).sum(axis=1)


class RLProposer(Proposer):
    """Acts with a stable-baselines3 model trained on ``TaskEnv``s of ``domain``.

    ``deterministic`` takes the most likely action (the distribution's mode); by default actions are
    sampled, as sim2act evaluates its own policies.
    """

    def __init__(
        self, model: BaseAlgorithm, domain: str, deterministic: bool = False, name: str = "",
        env_options: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(model.action_space)
        self.model = model
        self.deterministic = deterministic
        self.name = name or type(model).__name__.lower()
        instruction_space = model.observation_space["instruction"]
        self.encoder = InstructionEncoder(domain, max_length=instruction_space.shape[0], env_options=env_options)
        self._with_proprio = PROPRIO in model.observation_space.spaces

    @torch.no_grad()
    def distribution(self, observations, envs, slots) -> ActionDistribution:
        policy = self.model.policy
        policy.set_training_mode(False)
        obs, _ = policy.obs_to_tensor(self.encoder.batch(observations, self._with_proprio))
        if isinstance(policy, ActorCriticPolicy):
            torch_dist = policy.get_distribution(obs).distribution
            if isinstance(self.action_space, spaces.Discrete):
                return self._categorical(torch_dist.probs)
            if isinstance(self.action_space, spaces.MultiDiscrete):  # SB3 keeps one Categorical per dimension
                return self._multi_categorical([d.probs for d in torch_dist])
            mean, std, squashed = torch_dist.mean, torch_dist.stddev, policy.squash_output
        else:  # SAC (and the other squashed-Gaussian actors): the actor gives the Gaussian's parameters
            mean, log_std, _ = policy.actor.get_action_dist_params(obs)
            std, squashed = log_std.exp(), True
        box = self.action_space
        return GaussianActions(mean.cpu().numpy(), std.cpu().numpy(), box.low, box.high, squashed, self.deterministic)

    def _multi_categorical(self, per_dimension: list[torch.Tensor]) -> MultiCategorical:
        widest = max(p.shape[-1] for p in per_dimension)
        probs = np.zeros((len(per_dimension[0]), len(per_dimension), widest))
        for d, p in enumerate(per_dimension):
            p = p.double().cpu().numpy()
            probs[:, d, : p.shape[-1]] = np.eye(p.shape[-1])[p.argmax(-1)] if self.deterministic else p
        return MultiCategorical(probs)

    def _categorical(self, probs: torch.Tensor) -> Categorical:
        probs = probs.double().cpu().numpy()
        if self.deterministic:
            return Categorical.one_hot(probs.argmax(-1), probs.shape[-1])
        return Categorical(probs)
