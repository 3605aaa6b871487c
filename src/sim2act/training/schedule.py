"""Learning-rate schedule: linear warm-up, then cosine decay to ``min_ratio`` of the peak."""

from __future__ import annotations

import math


def warmup_cosine(step: int, total: int, warmup: int, min_ratio: float = 0.1) -> float:
    """The multiplier of the peak learning rate at optimizer step ``step`` (0-based).

    >>> [round(warmup_cosine(s, 100, 10), 2) for s in (0, 9, 10, 55, 99)]
    [0.1, 1.0, 1.0, 0.54, 0.1]
    """
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - 1 - warmup))
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))
