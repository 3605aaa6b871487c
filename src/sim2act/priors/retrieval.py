"""Held-out retrieval accuracy: does the prior rank a frame's nearest instruction first?

For each held-out frame with some caption in view, the targets are its captions with the fewest
steps to true (e.g. "go to the red ball" when the red ball is the closest thing to face). The
candidates are every instruction with a known distance in any held-out frame. A frame counts as
retrieved when its most similar candidate is a target. Chance is the mean share of targets among
the candidates. This is the ranking the preview proposer relies on: which instruction a view is
closest to making true.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from sim2act.models.clip_embedder import ClipEmbedder
from sim2act.priors.captioning import CaptionTable


@dataclass(frozen=True)
class Retrieval:
    """Top-1 retrieval of the nearest instruction over held-out frames."""

    accuracy: float
    chance: float
    frames: int
    """Held-out frames with at least one caption in view (the others have no target)."""
    candidates: int


@torch.no_grad()
def nearest_instruction_retrieval(
    embedder: ClipEmbedder, frames: np.ndarray, table: CaptionTable, rows: np.ndarray, batch: int = 512
) -> Retrieval:
    """Retrieval accuracy of ``embedder`` on frames ``rows`` (their captions in ``table``)."""
    targets, kept = [], []
    for row in rows:
        steps, ids = table.nearest(int(row))
        if ids:
            targets.append(ids)
            kept.append(int(row))
    if not kept:
        return Retrieval(0.0, 0.0, 0, 0)
    known = table.steps[kept] >= 0
    candidates = sorted({int(t) for t in np.asarray(table.text[kept])[known]})
    texts = embedder.texts([table.texts[c] for c in candidates])
    correct = 0
    for start in range(0, len(kept), batch):
        chunk = kept[start : start + batch]
        best = (embedder.images(torch.from_numpy(frames[chunk])) @ texts.T).argmax(1).tolist()
        correct += sum(candidates[b] in targets[start + i] for i, b in enumerate(best))
    chance = float(np.mean([len(t) / len(candidates) for t in targets]))
    return Retrieval(correct / len(kept), chance, len(kept), len(candidates))
