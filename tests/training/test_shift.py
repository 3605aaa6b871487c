"""Random shift: a row's window moves as one, by at most ``pad`` pixels, borders repeated; seeds repeat."""

from __future__ import annotations

import pytest
import torch

from sim2act.training.shift import shift_frames


def ramp_windows(rows: int = 32, k: int = 3, size: int = 12) -> torch.Tensor:
    """Frame j of every row: value 10·y + x + 100·j in channel 0, distinct per pixel, channel 1 a copy (depth)."""
    y, x = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    frames = torch.stack([(10 * y + x + 100 * j) % 256 for j in range(k)]).to(torch.uint8)  # (k, H, W)
    return torch.stack([frames, frames], dim=-1).expand(rows, -1, -1, -1, -1).clone()


def test_zero_pad_leaves_frames_as_they_are():
    frames = ramp_windows()
    assert shift_frames(frames, 0) is frames


def test_each_row_is_one_translation_of_its_window_within_pad_with_borders_repeated():
    pad, size = 2, 12
    frames = ramp_windows(size=size)
    torch.manual_seed(0)
    out = shift_frames(frames, pad)
    assert out.shape == frames.shape and out.dtype == torch.uint8
    offsets = set()
    for row in range(len(frames)):
        found = [(dy, dx) for dy in range(-pad, pad + 1) for dx in range(-pad, pad + 1)
                 if torch.equal(out[row], _translated(frames[row], dy, dx))]
        assert len(found) == 1  # one offset for all k frames and both channels of the row
        offsets.add(found[0])
    assert len(offsets) > 1  # rows draw their own offsets


def _translated(window: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    h, w = window.shape[1:3]
    rows = (torch.arange(h) + dy).clamp(0, h - 1)
    cols = (torch.arange(w) + dx).clamp(0, w - 1)
    return window[:, rows][:, :, cols]


def test_the_same_torch_seed_draws_the_same():
    torch.manual_seed(3)
    a = shift_frames(ramp_windows(), 4)
    torch.manual_seed(3)
    assert torch.equal(a, shift_frames(ramp_windows(), 4))


def test_frames_that_are_not_uint8_windows_are_refused():
    with pytest.raises(ValueError, match="uint8 windows"):
        shift_frames(torch.zeros(2, 16, 16, 3, dtype=torch.uint8), 2)
