"""The ``chroma`` vision stem for camera frames: each patch's token is a colour embedding plus a form embedding.

The camera-frame counterpart of the grid's ``factored`` stem (factored_vision.py), for the same reason: a
held-out pair ("the blue box" when training only went to blue balls and purple boxes) is found only if
its token shares a colour part with what "blue" was grounded on and a form part with what "box" was.
An entangled patch embedding gives a small blue box far away a token of its own. Here

    token = f_colour(the patch's hue histogram) + f_form(its brightness and depth) + position

- colour: each pixel's hue, soft-binned into ``HUE_BINS`` bins and weighted by its saturation, so the
  achromatic floor tiles, ceilings and grey things add nothing; the bins are max-pooled over the patch,
  so an object covering a few of its pixels counts at full strength. A fixed code (computed once per
  frame, as the frames are prepared): the current frame only, colours do not move within a window.
- form: each pixel's brightness (the largest channel, much the same for a red and a blue object under
  the same light) and depth, over every frame of the window: the shapes and how they move, colour-blind.
"""

from __future__ import annotations

import math

import torch

from sim2act.errors import Sim2ActError
from sim2act.models.colour_form import ColourFormEncoder

HUE_BINS = 12
"""Hue bins of 30° (red at 0°): Miniworld's red, yellow, green, blue and purple fall in different bins."""
DARK = 0.08
"""Brightness (0–1) below which a pixel's hue fades out: shadows have no reliable hue."""


def hue_histogram(rgb: torch.Tensor) -> torch.Tensor:
    """(..., 3) floats in [0, 1] → (..., HUE_BINS): each pixel's hue, soft-binned, times its saturation."""
    high, low = rgb.amax(dim=-1), rgb.amin(dim=-1)
    chroma = high - low
    saturation = chroma / high.clamp_min(1e-6) * (high / DARK).clamp(max=1.0)
    r, g, b = rgb.unbind(-1)
    hue = torch.atan2(math.sqrt(3.0) * (g - b), 2 * r - g - b)  # radians, 0 at red
    bins = torch.arange(HUE_BINS, dtype=rgb.dtype) * (2 * math.pi / HUE_BINS)
    distance = torch.remainder(hue.unsqueeze(-1) - bins + math.pi, 2 * math.pi) - math.pi
    weight = (1.0 - distance.abs() / (2 * math.pi / HUE_BINS)).clamp_min(0.0)  # triangular: two bins share a hue
    return weight * saturation.unsqueeze(-1)


class ChromaVisionEncoder(ColourFormEncoder):
    """Patches of ``patch``×``patch`` pixels of RGB(-D) frames → tokens that add a colour and a form embedding."""

    def __init__(self, image_shape: tuple[int, int, int], memory: int, d_model: int, patch: int = 8, width: int = 64) -> None:
        height, width_px, channels = image_shape
        if channels < 3:
            raise Sim2ActError(f"the chroma stem needs RGB frames, got {channels} channel(s)")
        grid = (height // patch, width_px // patch)
        if not all(grid):
            raise Sim2ActError(f"{height}×{width_px} frames are smaller than one {patch}-pixel patch")
        form_size = patch * patch * (1 + (channels > 3))  # brightness, and depth where the frames carry it
        super().__init__(grid, HUE_BINS, form_size * memory, d_model, width)
        self.patch_size = patch

    def prepare_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """Raw frames (N, H, W, C) uint8 → per patch its hue histogram and its pixels' brightness (and depth),
        (N, patches, HUE_BINS + form) uint8; once per frame."""
        return self.pool_pixel_features(self.pixel_features(frames))

    def pixel_features(self, frames: torch.Tensor) -> torch.Tensor:
        """Raw frames (N, H, W, C) uint8 → each pixel's rounded hue weights, brightness (and depth), (N, H, W, HUE_BINS
        + 1 (+ 1)) uint8: what ``prepare_frames`` pools, kept per pixel so a shifted frame is pooled without redoing the
        hues (``training.shift``). Rounding commutes with the max over a patch, so pooling rounded values equals rounding
        the pooled ones (tested against the patch-wise definition)."""
        x = frames.float().mul_(1.0 / 255.0)
        parts = [hue_histogram(x[..., :3]), x[..., :3].amax(dim=-1, keepdim=True)]
        if frames.shape[-1] > 3:
            parts.append(x[..., 3:4])
        return torch.cat(parts, dim=-1).mul_(255.0).round_().to(torch.uint8)

    def pool_pixel_features(self, features: torch.Tensor) -> torch.Tensor:
        """``pixel_features`` (N, H, W, F) uint8 → the prepared frames (N, patches, HUE_BINS + form) uint8."""
        n, _, _, f = features.shape
        gh, gw = self.grid
        p = self.patch_size
        x = features[:, : gh * p, : gw * p].reshape(n, gh, p, gw, p, f).permute(0, 1, 3, 2, 4, 5)
        x = x.reshape(n, gh * gw, p * p, f)
        form = [x[..., channel] for channel in range(HUE_BINS, f)]
        return torch.cat([x[..., :HUE_BINS].amax(dim=2), *form], dim=2)

    def forward(self, frames: torch.Tensor, parts: bool = False) -> tuple[torch.Tensor, ...]:
        """Prepared frames (B, k, patches, HUE_BINS + form) uint8 → tokens (B, patches, d) and pooled (B, d) (and
        with ``parts`` the colour and form features: ``ColourFormEncoder.tokens``)."""
        b, _, patches, _ = frames.shape
        x = frames.float().mul_(1.0 / 255.0)
        colour = x[:, -1, :, :HUE_BINS]
        form = x[..., HUE_BINS:].transpose(1, 2).reshape(b, patches, -1)  # each patch's pixels over the window
        return self.tokens(colour, form, parts)
