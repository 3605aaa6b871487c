"""The ``chroma-cnn`` vision stem: the ``chroma`` stem's colour part, its form part read by a small convolutional net.

The ``chroma`` stem embeds each patch's brightness and depth pixels on their own (one MLP per patch, shared), so a
key whose outline crosses a patch border is two half-keys, and what a box looks like has to be learned again at every
offset within a patch. Here the form part is a CNN over the whole brightness (and depth) image of the window, strided
down to the patch grid, so each token's form embedding sees its neighbourhood (a receptive field of about three
patches) with weights shared over positions, as the encoders of DrQ and IMPALA do. The colour part is unchanged: the
fixed hue histogram of the current frame, so "blue" is still grounded apart from "box" (chroma_vision.py).
"""

from __future__ import annotations

import torch
from torch import nn

from sim2act.errors import Sim2ActError
from sim2act.models.chroma_vision import ChromaVisionEncoder

CNN_WIDTH = 16
"""Channels of the form CNN's first layer; each following one doubles them, up to ``4 × CNN_WIDTH``."""


class FormCNN(nn.Module):
    """Per-patch form features (B, patches, k·c·p·p: for each of the window's k frames, each of c channels, the p×p
    pixels of the patch) → (B, patches, d_model): the frames reassembled into images, convolved and strided down
    to the patch grid."""

    def __init__(self, grid: tuple[int, int], patch: int, channels: int, d_model: int, width: int = CNN_WIDTH) -> None:
        super().__init__()
        if patch < 2 or patch & (patch - 1):
            raise Sim2ActError(f"the chroma-cnn stem strides down by halves: its patch size must be a power of 2, got {patch}")
        self.grid, self.patch, self.channels = grid, patch, channels
        # Strided from the first layer: a full-resolution layer costs 8× the whole net on the CPU for no gain in
        # what a 3-patch receptive field sees.
        layers: list[nn.Module] = [nn.Conv2d(channels, width, 4, stride=2, padding=1), nn.GELU()]
        size, patch = width, patch // 2
        while patch > 1:
            out = min(2 * size, 4 * width)
            layers += [nn.Conv2d(size, out, 3, stride=2, padding=1), nn.GELU()]
            size, patch = out, patch // 2
        self.net = nn.Sequential(*layers)
        self.project = nn.Linear(size, d_model)

    def images(self, form: torch.Tensor) -> torch.Tensor:
        """Per-patch form features (B, patches, k·c·p·p) → the window's images (B, k·c, rows·p, cols·p)."""
        b = form.shape[0]
        (gh, gw), p = self.grid, self.patch
        return form.reshape(b, gh, gw, self.channels, p, p).permute(0, 3, 1, 4, 2, 5).reshape(b, self.channels, gh * p, gw * p)

    def forward(self, form: torch.Tensor) -> torch.Tensor:
        return self.project(self.net(self.images(form)).flatten(2).transpose(1, 2))


class ChromaCnnVisionEncoder(ChromaVisionEncoder):
    """The ``chroma`` stem with its per-patch form MLP replaced by ``FormCNN``; frames are prepared as ``chroma``'s."""

    def __init__(self, image_shape: tuple[int, int, int], memory: int, d_model: int, patch: int = 8, width: int = 64) -> None:
        super().__init__(image_shape, memory, d_model, patch, width)
        channels = (1 + (image_shape[2] > 3)) * memory
        self.form = FormCNN(self.grid, patch, channels, d_model)
