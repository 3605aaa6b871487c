"""Photometric jitter: the camera frames of a training batch recoloured at random, as another renderer or camera would.

A policy trained in one renderer reads colours and shading exactly as that renderer draws them; another renderer (or a
real camera) draws the same scene brighter, flatter or with another white balance. With strength ``s`` each row's
window is drawn once (one camera, one light for its frames) and its RGB channels are changed, in order, by

- brightness: every value × U(1 − s, 1 + s);
- contrast: the distance from the frame's mean grey × U(1 − s, 1 + s);
- white balance: each channel on its own × U(1 − s/2, 1 + s/2);
- sensor noise: + N(0, (8·s)²) per value, in 0–255 units;

then clipped to 0–255. Depth and other channels after the first three are left as they are. Draws come from torch's
global generator, which the trainer seeds per step, so a resumed run draws the same.
"""

from __future__ import annotations

import torch

RGB_CHANNELS = 3
NOISE_PER_STRENGTH = 8.0
"""Noise std (0–255 units) at strength 1."""


def jitter_frames(frames: torch.Tensor, strength: float) -> torch.Tensor:
    """Windows of composed frames (B, k, H, W, C) uint8, recoloured per row (same draw for its k frames); uint8."""
    if strength <= 0:
        return frames
    if frames.dtype != torch.uint8 or frames.dim() != 5:
        raise ValueError(f"expected uint8 windows (B, k, H, W, C), got {tuple(frames.shape)} {frames.dtype}")
    b = frames.shape[0]

    def factor(*shape: int, spread: float = strength) -> torch.Tensor:
        return 1.0 + spread * (2.0 * torch.rand(b, *shape) - 1.0)

    rgb = frames[..., :RGB_CHANNELS].float()
    rgb = rgb * factor(1, 1, 1, 1)
    grey = rgb.mean(dim=(2, 3, 4), keepdim=True)
    rgb = grey + (rgb - grey) * factor(1, 1, 1, 1)
    rgb = rgb * factor(1, 1, 1, RGB_CHANNELS, spread=strength / 2)
    rgb = rgb + torch.randn(rgb.shape) * (NOISE_PER_STRENGTH * strength)
    out = frames.clone()
    out[..., :RGB_CHANNELS] = rgb.round_().clamp_(0, 255).to(torch.uint8)
    return out
