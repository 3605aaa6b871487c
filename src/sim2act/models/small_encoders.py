"""The ``small`` backend: a CNN patch encoder and a word-level transformer, trained from scratch.

Both map their input to ``d_model``-wide token sequences plus a pooled embedding, like the CLIP
backend, so the fusion layers do not know which backend they sit on.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from sim2act.errors import Sim2ActError
from sim2act.models.attention import SelfAttentionBlock

SUB = 4
"""Pixels per sub-patch side in the first stem layer."""
COLOUR_WIDTH = 16
"""Width of the per-pixel colour features pooled into each sub-patch of the fine map."""
RELIEF_WIDTH = 16
"""Width of the fine map's colour-blind relief features (from depth; from brightness without a depth channel)."""


class FineGrid(NamedTuple):
    """Shape of the fine map: ``rows`` × ``cols`` sub-patches of ``width`` features, the last ``relief`` colour-blind."""

    rows: int
    cols: int
    width: int
    relief: int


class SmallVisionEncoder(nn.Module):
    """Stacks the window's frames on the channel axis and cuts them into ``patch``×``patch``-pixel tokens.

    Early fusion of the k frames (as DQN's frame stack) keeps the token count that of one frame,
    which is what makes the cross-attention cheap. The stem is a two-level patch MLP (4×4-pixel
    sub-patches, then (patch/4)² of those), the same function as a stride-4 then a stride-patch/4 convolution
    but computed as two matmuls, which is several times faster on CPUs.
    """

    def __init__(
        self, image_shape: tuple[int, int, int], memory: int, d_model: int, patch: int = 8, width: int = 32,
        fine: bool = False,
    ) -> None:
        super().__init__()
        if patch < SUB or patch % SUB:
            raise Sim2ActError(f"patch size {patch} must be a multiple of {SUB} pixels")
        height, width_px, channels = image_shape
        self.patch_size = patch
        self.grid = (height // patch, width_px // patch)
        self.channels = channels
        self.fine_grid = FineGrid(
            self.grid[0] * patch // SUB, self.grid[1] * patch // SUB, width + COLOUR_WIDTH + RELIEF_WIDTH, RELIEF_WIDTH,
        ) if fine else None
        """Shape of ``forward(fine=True)``'s sub-patch map, when built with ``fine``."""
        if not all(self.grid):
            raise Sim2ActError(f"{height}×{width_px} frames are smaller than one {patch}-pixel patch")
        self.sub_patch = nn.Linear(SUB * SUB * channels * memory, width)
        self.patch = nn.Linear((patch // SUB) ** 2 * width, d_model)
        self.position = nn.Parameter(torch.zeros(1, self.grid[0] * self.grid[1], d_model))
        nn.init.trunc_normal_(self.position, std=0.02)
        if fine:
            self.pixel_colour = nn.Sequential(nn.Linear(3, 2 * COLOUR_WIDTH), nn.GELU(), nn.Linear(2 * COLOUR_WIDTH, COLOUR_WIDTH))
            self.relief_patch = nn.Linear(SUB * SUB, RELIEF_WIDTH)
            self.relief = nn.Conv2d(RELIEF_WIDTH, RELIEF_WIDTH, 3, padding=1, padding_mode="replicate")

    def freeze_backbone(self) -> None:
        """Freeze the whole encoder (it is all backbone: typically initialised from another checkpoint)."""
        self.requires_grad_(False)

    def prepare_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """Reorder raw frames (N, H, W, C) into sub-patch-major rows (N, S, 4·4·C), once per frame.

        Training gathers the same frame into several windows, and a strided reorder inside the
        forward pass would cost more than the rest of the stem.
        """
        n_frames, _, _, c = frames.shape
        gh, gw = self.grid
        p = self.patch_size
        n = p // SUB
        x = frames[:, : gh * p, : gw * p].reshape(n_frames, gh, n, SUB, gw, n, SUB, c)
        return x.permute(0, 1, 4, 2, 5, 3, 6, 7).reshape(n_frames, gh * gw * n * n, SUB * SUB * c)

    def forward(self, frames: torch.Tensor, fine: bool = False):
        """Prepared frames (B, k, S, 4·4·C) uint8 → tokens (B, N, d) and pooled (B, d); with ``fine``, also the
        current frame's sub-patch features as a row-major grid (B, rows·cols, width): the stem's, per-pixel colour
        codes pooled, and last a colour-blind relief from depth (what a cell holds, whatever its colour)."""
        b, k, s, width = frames.shape
        gh, gw = self.grid
        x = frames.transpose(1, 2).reshape(b, gh * gw, s // (gh * gw), k * width)
        x = F.gelu(self.sub_patch(x.float().mul_(1.0 / 255.0)))
        tokens = self.patch(x.flatten(2)) + self.position
        if not fine:
            return tokens, tokens.mean(dim=1)
        n = self.patch_size // SUB
        rows, cols = gh * n, gw * n
        pixels = frames[:, -1].view(b, gh * gw, n * n, SUB * SUB, self.channels).float().mul_(1.0 / 255.0)
        colour = self.pixel_colour(pixels[..., :3]).mean(3)  # the current frame's colours, pooled per sub-patch
        depth = pixels[..., 3] if self.channels > 3 else pixels[..., :3].mean(-1)

        def as_grid(t: torch.Tensor) -> torch.Tensor:  # patch-major (B, patches, n², c) → (B, rows, cols, c)
            return t.view(b, gh, gw, n, n, -1).permute(0, 1, 3, 2, 4, 5).reshape(b, rows, cols, -1)

        relief = as_grid(F.gelu(self.relief_patch(depth))).permute(0, 3, 1, 2)
        relief = F.gelu(self.relief(relief)).permute(0, 2, 3, 1)  # sees 3×3 sub-patches of depth, never a colour
        return tokens, tokens.mean(dim=1), torch.cat([as_grid(x), as_grid(colour), relief], -1).reshape(b, rows * cols, -1)


class SmallTextEncoder(nn.Module):
    """Word embeddings with learned positions and a few self-attention layers."""

    def __init__(self, vocab_size: int, max_length: int, d_model: int, heads: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model, padding_idx=0)
        self.position = nn.Parameter(torch.zeros(1, max_length, d_model))
        nn.init.trunc_normal_(self.position, std=0.02)
        self.blocks = nn.ModuleList(SelfAttentionBlock(d_model, heads, dropout) for _ in range(layers))
        self.norm = nn.LayerNorm(d_model)

    def freeze_backbone(self) -> None:
        """Freeze the whole encoder."""
        self.requires_grad_(False)

    def word_contents(self, ids: torch.Tensor) -> torch.Tensor:
        """Each word's embedding without its position, (B, L, d)."""
        return self.embedding(ids)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``ids`` and ``mask`` (B, L) → tokens (B, L, d) and the masked mean (B, d)."""
        x = self.embedding(ids) + self.position[:, : ids.shape[1]]
        for block in self.blocks:
            x = block(x, mask)
        x = self.norm(x)
        weights = mask.unsqueeze(-1).to(x.dtype)
        return x, (x * weights).sum(1) / weights.sum(1).clamp_min(1.0)
