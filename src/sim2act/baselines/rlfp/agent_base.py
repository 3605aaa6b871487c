"""What both Foundation Actor-Critics share: twin target critics, the two optimisers, DrQ's augmented batches,
Polyak averaging and the checkpointed state. The discrete (``agent``) and continuous (``continuous_agent``)
agents add their networks' heads, ``act`` and ``update``."""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from sim2act.baselines.rlfp.inputs import random_shift, to_tensors
from sim2act.baselines.task_env import IMAGE


def mlp(width_in: int, n_out: int, hidden: int = 256) -> nn.Sequential:
    return nn.Sequential(nn.Linear(width_in, hidden), nn.ReLU(), nn.Linear(hidden, n_out))


class ActorCriticAgent:
    """``net`` has ``encoder``, ``actor``, ``q1`` and ``q2``; the critic's optimiser also trains the encoder (DrQ-v2)."""

    def __init__(self, net: nn.Module, config, device: str = "cpu") -> None:
        self.config = config
        self.device = torch.device(device)
        self.net = net.to(self.device)
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

    def augmented(self, batch: dict[str, np.ndarray], prefix: str) -> dict[str, torch.Tensor]:
        """The observation under ``prefix`` in a replay batch, as tensors, its images randomly shifted (DrQ)."""
        tensors = to_tensors({k[len(prefix):]: v for k, v in batch.items() if k.startswith(prefix)}, self.device)
        tensors[IMAGE] = random_shift(tensors[IMAGE], self.config.shift_pixels, self.generator)
        return tensors

    def track_targets(self) -> None:
        """Polyak averaging of the target critics toward the online ones (τ), counted as one update."""
        with torch.no_grad():
            for online, target_head in ((self.net.q1, self.target[0]), (self.net.q2, self.target[1])):
                for p, p_target in zip(online.parameters(), target_head.parameters()):
                    p_target.lerp_(p, self.config.tau)
        self.updates += 1

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
