"""The chroma-cnn stem: the form CNN reads the window's frames as whole images, with weights shared over positions."""

from __future__ import annotations

import pytest
import torch

from sim2act.errors import Sim2ActError
from sim2act.models.chroma_cnn_vision import ChromaCnnVisionEncoder
from sim2act.models.chroma_vision import HUE_BINS


def _window(encoder: ChromaCnnVisionEncoder, frames: torch.Tensor) -> torch.Tensor:
    """Raw frames (k, H, W, C) uint8 → one prepared window (1, k, patches, features)."""
    return encoder.prepare_frames(frames)[None]


@pytest.mark.parametrize("channels", [3, 4])
def test_the_form_images_are_the_frames_brightness_and_depth(channels):
    torch.manual_seed(0)
    frames = torch.randint(0, 256, (2, 32, 48, channels), dtype=torch.uint8)
    encoder = ChromaCnnVisionEncoder((32, 48, channels), memory=2, d_model=8)
    form = _window(encoder, frames)[..., HUE_BINS:].transpose(1, 2).reshape(1, encoder.grid[0] * encoder.grid[1], -1)
    images = encoder.form.images(form)[0]
    expected = [frames[i, ..., :3].amax(-1) if c == 0 else frames[i, ..., 3] for i in range(2) for c in range(channels - 2)]
    assert torch.equal(images.to(torch.uint8), torch.stack(expected))


def test_a_thing_moved_by_one_patch_moves_its_form_tokens_by_one_patch():
    """Shared convolution weights: the same pixels one patch to the right give the same token one column on (the
    position embedding, added to every token alike, is left out)."""
    encoder = ChromaCnnVisionEncoder((64, 64, 3), memory=1, d_model=8)
    left, right = torch.zeros(2, 1, 64, 64, 3, dtype=torch.uint8)
    left[0, 26:35, 25:30] = 200
    right[0, 26:35, 33:38] = 200
    tokens = [encoder.form(encoder.prepare_frames(x)[:, :, HUE_BINS:].float() / 255).view(8, 8, -1) for x in (left, right)]
    assert torch.allclose(tokens[0][2:6, 2:5], tokens[1][2:6, 3:6], atol=1e-6)  # away from the zero padding
    assert not torch.allclose(tokens[0][2:6, 2:5], tokens[0][2:6, 3:6], atol=1e-3)


def test_a_patch_size_that_does_not_halve_down_is_one_clear_error():
    with pytest.raises(Sim2ActError, match="power of 2"):
        ChromaCnnVisionEncoder((30, 30, 3), memory=1, d_model=8, patch=6)
