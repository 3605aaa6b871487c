"""The chroma stem: a patch's colour part is its hues, its form part is colour-blind; real Miniworld renders."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import sim2act.envs
from sim2act.envs.nav3d.geometry import RoomBox
from sim2act.envs.nav3d.levels import Layout, Thing
from sim2act.models.chroma_vision import HUE_BINS, ChromaVisionEncoder, hue_histogram

CHROMATIC = ("red", "green", "blue", "purple", "yellow")


@pytest.fixture(scope="module")
def renders():
    """One ball of each colour 2 m ahead of the camera, rendered by Miniworld, plus the empty room."""
    env = sim2act.envs.make("nav3d", "goto", depth=False)
    env.reset(seed=0)
    frames = {}
    for colour in (*CHROMATIC, "grey", None):
        things = (Thing(colour, "ball", 4.0, 3.0),) if colour else ()
        layout = Layout((RoomBox(0.0, 6.0, 0.0, 6.0),), (), things, (2.0, 3.0, 0.0), "go to the red ball", ("concrete",))
        frames[colour] = env.unwrapped.world.build(layout, 0).copy()
    env.close()
    return frames


def _patch_hues(frame: np.ndarray) -> torch.Tensor:
    encoder = ChromaVisionEncoder(frame.shape, memory=1, d_model=8)
    return encoder.prepare_frames(torch.from_numpy(frame)[None])[0, :, :HUE_BINS].float()


def test_each_colour_has_its_own_hue_bin_and_grey_things_and_the_floor_have_none(renders):
    strongest = {}
    for colour in CHROMATIC:
        hues = _patch_hues(renders[colour])
        assert hues.max() > 150, colour
        strongest[colour] = int(hues.max(0).values.argmax())
    assert len(set(strongest.values())) == len(CHROMATIC)
    assert _patch_hues(renders[None]).max() < 40  # checkerboard floor, grey walls and ceiling
    assert _patch_hues(renders["grey"]).max() < 40


def test_form_features_do_not_depend_on_the_hue():
    red, blue = np.zeros((16, 16, 3), np.uint8), np.zeros((16, 16, 3), np.uint8)
    red[4:10, 4:10], blue[4:10, 4:10] = (200, 30, 30), (30, 30, 200)
    encoder = ChromaVisionEncoder((16, 16, 3), memory=1, d_model=8)
    prepared = encoder.prepare_frames(torch.from_numpy(np.stack([red, blue])))
    assert torch.equal(prepared[0, :, HUE_BINS:], prepared[1, :, HUE_BINS:])
    assert not torch.equal(prepared[0, :, :HUE_BINS], prepared[1, :, :HUE_BINS])
    assert hue_histogram(torch.tensor([0.5, 0.5, 0.5])).abs().max() == 0


def _patchwise(encoder: ChromaVisionEncoder, frames: torch.Tensor) -> torch.Tensor:
    """The stem's definition computed patch by patch: the hue histogram's max and the pixels' form, rounded once."""
    n, _, _, c = frames.shape
    (gh, gw), p = encoder.grid, encoder.patch_size
    x = frames[:, : gh * p, : gw * p].reshape(n, gh, p, gw, p, c).permute(0, 1, 3, 2, 4, 5)
    x = x.reshape(n, gh * gw, p * p, c).float().mul_(1.0 / 255.0)
    form = [x[..., :3].amax(dim=-1)] + ([x[..., 3]] if c > 3 else [])
    return torch.cat([hue_histogram(x[..., :3]).amax(dim=2), *form], dim=2).mul_(255.0).round_().to(torch.uint8)


@pytest.mark.parametrize("channels", [3, 4])
def test_pooled_pixel_features_are_the_prepared_frames_exactly(renders, channels):
    """What a shifted batch pools (``training.shift``) and what ``prepare_frames`` gives equal the patch-wise
    definition, rounded once, on renders and on noise."""
    torch.manual_seed(0)
    noise = torch.randint(0, 256, (6, 64, 64, channels), dtype=torch.uint8)
    rendered = torch.from_numpy(np.stack([renders[c] for c in CHROMATIC]))
    if channels == 4:
        rendered = torch.cat([rendered, noise[: len(rendered), ..., 3:]], dim=-1)
    encoder = ChromaVisionEncoder((64, 64, channels), memory=1, d_model=8)
    for frames in (noise, rendered):
        features = encoder.pixel_features(frames)
        assert features.shape == (len(frames), 64, 64, HUE_BINS + channels - 2) and features.dtype == torch.uint8
        expected = _patchwise(encoder, frames)
        assert torch.equal(encoder.pool_pixel_features(features), expected)
        assert torch.equal(encoder.prepare_frames(frames), expected)
