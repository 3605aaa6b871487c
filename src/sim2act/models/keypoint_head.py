"""A Box action head that reads where things are: keypoints by spatial soft-argmax, then the binned softmax.

The ``independent`` Box head reads only the joint context h_c, a summary in which where the named block
lies in the image is at best implicit. In 10-Hz end-effector control that is the whole task (move the
gripper to it), and a policy trained on it learns one trajectory per instruction and ignores the layout
(expert BC on ``pick``: 2% success). This head gives the context K queries that attend over the image's
token grid; each attention map's expected (x, y) position is a keypoint, the spatial-softmax feature of
Levine et al.'s visuomotor policies (JMLR 2016) and of robomimic's and Diffusion Policy's encoders, here
conditioned on the instruction through h_c. The keypoints, the proprioception token (where the gripper
is) and h_c feed an MLP that gives the binned softmax of every action dimension.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from sim2act.models.attention import MLP
from sim2act.models.binned_head import BinnedHead

DEFAULT_KEYPOINTS = 8


class KeypointBinnedHead(BinnedHead):
    """``BinnedHead`` whose logits come from h_c, the proprio token and K instruction-conditioned keypoints."""

    def __init__(
        self, d_model: int, low: list[float], high: list[float], bins: int, token_grid: tuple[int, int],
        keypoints: int = DEFAULT_KEYPOINTS,
    ) -> None:
        super().__init__(d_model, low, high, bins)
        rows, cols = token_grid
        self.keypoints, self.tokens = keypoints, rows * cols
        self.query = nn.Linear(d_model, keypoints * d_model)
        self.key = nn.Linear(d_model, d_model)
        ys, xs = torch.meshgrid(torch.linspace(-1, 1, rows), torch.linspace(-1, 1, cols), indexing="ij")
        self.register_buffer("coords", torch.stack([xs, ys], -1).view(rows * cols, 2), persistent=False)
        self.linear = MLP(2 * d_model + 2 * keypoints, 2 * d_model, len(self.low) * bins)

    def forward(self, context: torch.Tensor, tokens: torch.Tensor | None = None) -> torch.Tensor:
        b, d = context.shape
        others = tokens[:, : tokens.shape[1] - self.tokens]  # the proprio token, where the policy has one
        body = others.mean(1) if others.shape[1] else context.new_zeros(b, d)
        points = self.keypoint_positions(context, tokens)
        return self.linear(torch.cat([context, body, points.flatten(1)], -1)).view(b, len(self.low), self.bins)

    def keypoint_positions(self, context: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """The K keypoints (B, K, 2): x then y, in [-1, 1] across the image's token grid."""
        b, d = context.shape
        grid = tokens[:, tokens.shape[1] - self.tokens :]  # the image's token grid comes last
        queries = self.query(context).view(b, self.keypoints, d)
        attention = torch.softmax(queries @ self.key(grid).transpose(1, 2) / math.sqrt(d), dim=-1)
        return attention @ self.coords
