"""Random shift: the camera frames of a training batch translated by a few pixels, as DrQ and RAD augment pixels.

A policy that fits its few thousand recorded frames exactly (nav3d's round 0: 100% training accuracy after 800 steps)
has learned those frames' pixels, not what is in them. Each row's window is padded by ``pad`` pixels on every side,
its border values repeated (Kostrikov et al., DrQ, 2021), and cut back to its size at an offset drawn uniformly from
{0, …, 2·pad} per axis: a translation by up to ``pad`` pixels, the same for the row's k frames (one camera). Depth and
any other channel move with the colour. Draws come from torch's global generator, which the trainer seeds per step, so
a resumed run draws the same.

Only for policies whose actions are not tied to pixel positions: a head that names image cells (a pick cell, a place
cell) or a stem that cuts the frame into a fixed grid of cells would be taught the wrong cell (``pixel_aligned``).
"""

from __future__ import annotations

import torch


def shift_frames(frames: torch.Tensor, pad: int) -> torch.Tensor:
    """Windows of frames (B, k, H, W, C) uint8, each row translated by up to ``pad`` pixels per axis; uint8."""
    if pad <= 0:
        return frames
    if frames.dtype != torch.uint8 or frames.dim() != 5:
        raise ValueError(f"expected uint8 windows (B, k, H, W, C), got {tuple(frames.shape)} {frames.dtype}")
    b, _, h, w, _ = frames.shape
    dy = torch.randint(0, 2 * pad + 1, (b,)).tolist()
    dx = torch.randint(0, 2 * pad + 1, (b,)).tolist()
    padded = _edge_padded(_edge_padded(frames, pad, 2), pad, 3)
    out = torch.empty_like(frames)  # one slice per row: faster here than one gather over the batch
    for i, (y, x) in enumerate(zip(dy, dx, strict=True)):
        out[i] = padded[i, :, y : y + h, x : x + w]
    return out


def _edge_padded(frames: torch.Tensor, pad: int, dim: int) -> torch.Tensor:
    """``frames`` with its first and last entries along ``dim`` repeated ``pad`` times (replicate padding)."""
    size = list(frames.shape)
    size[dim] = pad
    first, last = frames.narrow(dim, 0, 1).expand(*size), frames.narrow(dim, frames.shape[dim] - 1, 1).expand(*size)
    return torch.cat([first, frames, last], dim=dim)


def pixel_aligned(policy: torch.nn.Module) -> bool:
    """Whether the policy's actions or vision stem are tied to pixel positions (a shift would mislabel them)."""
    return bool(getattr(policy.head, "pixel_aligned", False) or getattr(policy.vision, "pixel_aligned", False))
