"""Photometric jitter: a row's window shares one recolouring, rows differ, depth is untouched, seeds repeat."""

from __future__ import annotations

import pytest
import torch

from sim2act.training.jitter import jitter_frames


def windows(rows: int = 6, k: int = 3) -> torch.Tensor:
    torch.manual_seed(0)
    frame = torch.randint(40, 200, (1, 1, 16, 16, 4), dtype=torch.uint8)
    return frame.expand(rows, k, -1, -1, -1).clone()


def test_zero_strength_leaves_frames_as_they_are():
    frames = windows()
    assert jitter_frames(frames, 0.0) is frames


def test_a_rows_frames_share_one_draw_and_rows_differ():
    torch.manual_seed(1)
    out = jitter_frames(windows(), 0.3).float()
    means = out[..., :3].mean(dim=(2, 3))  # (rows, k, 3)
    within = (means - means.mean(dim=1, keepdim=True)).abs().max()
    across = (means[:, 0] - means[:, 0].mean(dim=0)).abs().max()
    assert within < 1.0 < across  # only per-value noise differs between a row's frames


def test_depth_is_untouched_and_values_stay_uint8():
    frames = windows()
    torch.manual_seed(2)
    out = jitter_frames(frames, 0.9)
    assert out.dtype == torch.uint8 and out.shape == frames.shape
    assert torch.equal(out[..., 3], frames[..., 3])
    assert not torch.equal(out[..., :3], frames[..., :3])


def test_the_same_torch_seed_draws_the_same():
    torch.manual_seed(3)
    a = jitter_frames(windows(), 0.3)
    torch.manual_seed(3)
    assert torch.equal(a, jitter_frames(windows(), 0.3))


def test_frames_that_are_not_uint8_windows_are_refused():
    with pytest.raises(ValueError, match="uint8 windows"):
        jitter_frames(torch.zeros(2, 16, 16, 3, dtype=torch.uint8), 0.3)
