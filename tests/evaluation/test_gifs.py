"""Episode GIFs: one captioned, upscaled frame per step, looping, holding the verdict frame."""

import numpy as np
import pytest
from PIL import Image, ImageSequence

from sim2act.evaluation.gifs import FAILURE_COLOR, LAST_FRAME_HOLD, MIN_WIDTH, SUCCESS_COLOR, write_episode_gif


def random_frames(count, height=8, width=10, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(count, height, width, 3), dtype=np.uint8)


def colour_near(image, colour, tolerance=40):
    """Whether any pixel of the caption band is close to ``colour``."""
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3).astype(int)
    return bool((np.abs(pixels - np.array(colour)).max(axis=1) <= tolerance).any())


@pytest.mark.parametrize("succeeded, colour", [(True, SUCCESS_COLOR), (False, FAILURE_COLOR)])
def test_gif_frames_size_timing_and_verdict(tmp_path, succeeded, colour):
    frames = np.zeros((5, 56, 56, 3), np.uint8)
    frames[:, :, :, 2] = 255  # blue, so only the verdict text can be green or red
    path = write_episode_gif(frames, "go to the red ball", succeeded, tmp_path / "ep.gif", scale=4, fps=5)
    with Image.open(path) as gif:
        assert gif.n_frames == 5
        assert gif.info["loop"] == 0
        width, height = gif.size
        assert width == 224 and height > 224
        images = [frame.copy() for frame in ImageSequence.Iterator(gif)]
        durations = []
        for k in range(gif.n_frames):
            gif.seek(k)
            durations.append(gif.info["duration"])
    assert durations == [200] * 4 + [200 * LAST_FRAME_HOLD]
    band = (0, 224, width, height)
    assert not any(colour_near(im.crop(band), colour) for im in images[:-1])
    assert colour_near(images[-1].crop(band), colour)


def test_gif_pixels_are_nearest_neighbour_upscaled(tmp_path):
    frames = random_frames(3, 8, 60)
    frames[1, 0, 0] = (255, 255, 255)
    path = write_episode_gif(frames, "open the blue door", True, tmp_path / "ep.gif", scale=3)
    with Image.open(path) as gif:
        assert gif.size[0] == 180
        gif.seek(1)
        top = np.asarray(gif.convert("RGB"))[:24, :180]
    assert (top[:3, :3] == 255).all()
    # Each source pixel becomes a 3x3 block of one colour.
    assert (top[::3, ::3] == top[1::3, 1::3]).all()


def test_narrow_frames_are_centred_on_a_caption_wide_canvas(tmp_path):
    frames = np.zeros((2, 8, 10, 3), np.uint8)
    path = write_episode_gif(frames, "go to a key", True, tmp_path / "ep.gif", scale=2)
    with Image.open(path) as gif:
        assert gif.size[0] == MIN_WIDTH
        top = np.asarray(gif.convert("RGB"))[:16]
    left = (MIN_WIDTH - 20) // 2
    assert (top[:, left : left + 20] == 0).all()
    assert (top[:, :left] == 255).all() and (top[:, left + 20 :] == 255).all()


def test_long_instruction_wraps_into_a_taller_band(tmp_path):
    frames = random_frames(2, 56, 56)
    short = write_episode_gif(frames, "go to a key", True, tmp_path / "a.gif")
    long = write_episode_gif(frames, "pick up a ball and go to a key, then put a box next to the red door"
                             " after you open the yellow door", False, tmp_path / "b.gif")
    with Image.open(short) as a, Image.open(long) as b:
        assert a.size[0] == b.size[0] == 224
        assert b.size[1] > a.size[1]


def test_single_frame_and_bad_input(tmp_path):
    path = write_episode_gif(random_frames(1), "go to a key", False, tmp_path / "one.gif")
    with Image.open(path) as gif:
        assert gif.n_frames == 1
    with pytest.raises(ValueError):
        write_episode_gif(np.zeros((0, 8, 8, 3), np.uint8), "x", True, tmp_path / "none.gif")
    with pytest.raises(ValueError):
        write_episode_gif(np.zeros((2, 8, 8), np.uint8), "x", True, tmp_path / "gray.gif")
