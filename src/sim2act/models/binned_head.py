"""Per-dimension softmax heads, and the RT-1 style binned head of Box actions.

A Box's every dimension is cut into ``bins`` equal bins over [low, high]; the head predicts a softmax
per dimension and an action is read back as the centres of the chosen bins.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class PerDimensionHead(nn.Module):
    """A softmax per action dimension, logits (B, D, classes); subclasses say what a dimension's classes are."""

    def targets(self, actions: torch.Tensor) -> torch.Tensor:
        """The class of every dimension of dataset actions, shape (B, D)."""
        raise NotImplementedError

    def log_prob(self, logits: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        per_dim = F.log_softmax(logits, -1).gather(-1, self.targets(actions).unsqueeze(-1)).squeeze(-1)
        return per_dim.sum(-1)

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        return logits.softmax(-1)


class BinnedHead(PerDimensionHead):
    """A softmax over ``bins`` bins for each of the Box's ``D`` dimensions."""

    def __init__(self, d_model: int, low: list[float], high: list[float], bins: int) -> None:
        super().__init__()
        self.bins = bins
        self.register_buffer("low", torch.tensor(low, dtype=torch.float32).view(-1))
        self.register_buffer("high", torch.tensor(high, dtype=torch.float32).view(-1))
        self.linear = nn.Linear(d_model, len(self.low) * bins)

    def forward(self, context: torch.Tensor, tokens: torch.Tensor | None = None) -> torch.Tensor:
        return self.linear(context).view(context.shape[0], len(self.low), self.bins)

    def _unit(self, actions: torch.Tensor) -> torch.Tensor:
        """Actions rescaled so [low, high] maps to [0, 1], shape (B, D)."""
        return (actions.float().view(actions.shape[0], -1) - self.low) / (self.high - self.low)

    def targets(self, actions: torch.Tensor) -> torch.Tensor:
        """Bin index of every dimension, shape (B, D)."""
        return (self._unit(actions) * self.bins).long().clamp_(0, self.bins - 1)

    def decode(self, classes: torch.Tensor) -> torch.Tensor:
        """De-binning: the centre of each chosen bin, shape (B, D)."""
        return self.low + (classes.float() + 0.5) / self.bins * (self.high - self.low)

    def embedding_input(self, actions: torch.Tensor) -> torch.Tensor:
        return self._unit(actions) * 2.0 - 1.0

    @property
    def embedding_width(self) -> int:
        """Width of ``embedding_input``: one value per Box dimension."""
        return len(self.low)
