"""Animated GIFs of evaluation episodes, each frame captioned with the instruction and the step."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sim2act.data.atomic import atomic_write

LINE_HEIGHT = 12
PAD = 6
CHAR_WIDTH = 6
MIN_WIDTH = 160
"""Narrower frames are centred on a canvas this wide so that the caption still fits."""
LAST_FRAME_HOLD = 4
"""The final frame stays on screen this many frame durations, so the verdict can be read."""
SUCCESS_COLOR = (0, 140, 0)
FAILURE_COLOR = (200, 0, 0)


def write_episode_gif(
    frames: np.ndarray,
    instruction: str,
    succeeded: bool,
    path: Path,
    scale: int = 4,
    fps: int = 6,
) -> Path:
    """Write a looping GIF of ``frames`` (T, H, W, 3) uint8 to ``path``; return ``path``.

    Each frame is upscaled ``scale`` times (nearest neighbour) above a white band holding the
    wrapped instruction and "step t/T"; the last frame also says "success" or "failure". The GIF is
    ``max(W * scale, MIN_WIDTH)`` pixels wide.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise ValueError(f"frames must have shape (T, H, W, 3) with T >= 1, got {frames.shape}")
    if frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8, got {frames.dtype}")
    if scale < 1 or fps < 1:
        raise ValueError(f"scale and fps must be positive, got scale={scale}, fps={fps}")
    count = len(frames)
    images = [
        _captioned(frame, instruction, f"step {t + 1}/{count}", _verdict(t, count, succeeded), scale)
        for t, frame in enumerate(frames)
    ]
    frame_ms = round(1000 / fps)
    durations = [frame_ms] * (count - 1) + [frame_ms * LAST_FRAME_HOLD]
    path = Path(path)

    def save(tmp: Path) -> None:
        images[0].save(
            tmp,
            format="GIF",
            save_all=True,
            append_images=images[1:],
            duration=durations,
            loop=0,
            optimize=False,
        )

    atomic_write(path, save)
    return path


def _verdict(t: int, count: int, succeeded: bool) -> tuple[str, tuple[int, int, int]] | None:
    if t != count - 1:
        return None
    return ("success", SUCCESS_COLOR) if succeeded else ("failure", FAILURE_COLOR)


def _captioned(
    frame: np.ndarray,
    instruction: str,
    step_text: str,
    verdict: tuple[str, tuple[int, int, int]] | None,
    scale: int,
) -> Image.Image:
    """One frame, upscaled, above a caption band of a height that depends only on the text."""
    height, width = frame.shape[0] * scale, frame.shape[1] * scale
    canvas_width = max(width, MIN_WIDTH)
    lines = textwrap.wrap(instruction, (canvas_width - 2 * PAD) // CHAR_WIDTH) or [""]
    band = (len(lines) + 1) * LINE_HEIGHT + 2 * PAD
    image = Image.new("RGB", (canvas_width, height + band), "white")
    upscaled = Image.fromarray(frame).resize((width, height), Image.NEAREST)
    image.paste(upscaled, ((canvas_width - width) // 2, 0))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    y = height + PAD
    for line in lines:
        draw.text((PAD, y), line, fill="black", font=font)
        y += LINE_HEIGHT
    draw.text((PAD, y), step_text, fill="black", font=font)
    if verdict is not None:
        text, color = verdict
        x = PAD + draw.textlength(step_text + "  ", font=font)
        draw.text((x, y), text, fill=color, font=font)
    return image
