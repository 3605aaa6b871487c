"""What the policy sees of an observation: one image (the cameras side by side) and a proprio vector.

Each camera contributes its RGB frame and, where the domain has depth, a fourth channel with its
depth scaled from the sensor's range to 0–255, so every vision stem and the frame-preparation
cache keep reading uint8 images. Cameras are placed left to right along the width: a patch stem
whose patch divides each camera's width gives every camera tokens of its own (with their own
learned positions). Works on one observation or on a batch (any leading dimensions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from sim2act.errors import Sim2ActError


def compose_image(
    observation: Mapping[str, np.ndarray],
    cameras: Sequence[str],
    depth: Sequence[str] = (),
    depth_range: tuple[float, float] = (0.0, 1.0),
) -> np.ndarray:
    """``(..., H, ΣW, 3 or 4)`` uint8: each camera's RGB (plus its depth channel), side by side.

    >>> obs = {"rgb": np.zeros((2, 3, 3), np.uint8), "depth": np.full((2, 3), 5.0, np.float32)}
    >>> compose_image(obs, ["rgb"], ["depth"], (0.0, 10.0))[..., 3].tolist()
    [[128, 128, 128], [128, 128, 128]]
    """
    if len(cameras) == 1 and not depth:
        return np.asarray(observation[cameras[0]])
    low, high = depth_range
    parts = []
    for i, camera in enumerate(cameras):
        rgb = np.asarray(observation[camera])
        if depth:
            scaled = (np.asarray(observation[depth[i]], np.float32) - low) / (high - low)
            channel = np.rint(np.clip(scaled, 0.0, 1.0) * 255.0).astype(np.uint8)
            rgb = np.concatenate([rgb, channel[..., None]], axis=-1)
        parts.append(rgb)
    return np.concatenate(parts, axis=-2)


def composed_shape(shapes: Mapping[str, Sequence[int]], cameras: Sequence[str], depth: Sequence[str] = ()) -> tuple[int, int, int]:
    """(H, ΣW, C) of ``compose_image`` for cameras of these (H, W, 3) shapes; cameras must share H."""
    heights = {int(shapes[key][0]) for key in (*cameras, *depth)}
    if len(heights) != 1:
        raise Sim2ActError(f"cameras {', '.join((*cameras, *depth))} differ in height; they are composed side by side")
    return heights.pop(), sum(int(shapes[key][1]) for key in cameras), 3 + (1 if depth else 0)
