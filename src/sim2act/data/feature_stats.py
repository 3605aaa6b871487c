"""Per-feature statistics of a dataset (min, max, mean, std, count), per channel for images.

Each shard stores the moments of its kept steps (count, sum, sum of squares, min, max) with its
other statistics, so the card's figures are exact merges whatever order shards were committed in
and survive a killed run; the card reports them as LeRobot's ``stats.json`` does. Images are
reduced over every axis but the channel (depth maps count as one channel); vectors keep one figure
per element, scalars one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from sim2act.data.schema import Feature

CHUNK_ROWS = 1024


def moments(feature: Feature, values: np.ndarray, image: bool | None = None) -> dict[str, list[float] | int]:
    """Count, sum, sum of squares, min and max of ``values`` ``(N, *shape)``, per channel of an image
    (``image``; default: any feature of two or more dimensions) or per element."""
    values = np.asarray(values)
    image = len(feature.shape) >= 2 if image is None else image
    if image and len(feature.shape) == 2:  # a depth map: one channel
        values = values[..., None]
    axes = tuple(range(values.ndim - 1)) if image else (0,)
    total = squares = None
    for start in range(0, max(len(values), 1), CHUNK_ROWS):
        chunk = values[start : start + CHUNK_ROWS].astype(np.float64)
        s, q = chunk.sum(axis=axes), np.square(chunk).sum(axis=axes)
        total, squares = (s, q) if total is None else (total + s, squares + q)
    count = int(np.prod([values.shape[a] for a in axes])) if len(values) else 0
    empty = not len(values)
    return {
        "count": count,
        "sum": np.ravel(total).tolist(),
        "sum_sq": np.ravel(squares).tolist(),
        "min": [] if empty else np.ravel(values.min(axis=axes)).astype(np.float64).tolist(),
        "max": [] if empty else np.ravel(values.max(axis=axes)).astype(np.float64).tolist(),
    }


def merge(parts: Iterable[Mapping]) -> dict[str, list[float] | int]:
    """min, max, mean, std and count of the union of shards' ``moments``."""
    parts = [p for p in parts if p["count"]]
    if not parts:
        return {"count": 0}
    count = sum(p["count"] for p in parts)
    total = np.sum([p["sum"] for p in parts], axis=0)
    squares = np.sum([p["sum_sq"] for p in parts], axis=0)
    mean = total / count
    std = np.sqrt(np.maximum(squares / count - mean**2, 0.0))
    return {
        "min": np.min([p["min"] for p in parts], axis=0).tolist(),
        "max": np.max([p["max"] for p in parts], axis=0).tolist(),
        "mean": mean.tolist(),
        "std": std.tolist(),
        "count": count,
    }
