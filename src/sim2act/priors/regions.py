"""Patch-level captions of frames (``Domain.regions``): which noun phrase is where, for π0's cell scoring.

Each training step draws up to ``per_frame`` regions of each frame in its batch, named ones first, then
places where nothing named is (phrase ``""``). The prior's patch embedding at a region's position
(``ClipEmbedder.at_points``) is contrasted with the batch's distinct phrases by the same multi-positive
InfoNCE as whole frames with their captions, so the cosine of a patch with "the red block" says how
likely the red block is there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from sim2act.envs.captions import Region
from sim2act.models.clip_embedder import ClipEmbedder

NOTHING = ""
"""The phrase of a place where nothing named is (text id 0)."""


@dataclass
class RegionTable:
    """The regions of many frames as padded arrays."""

    texts: list[str]
    """Every phrase; id 0 is ``NOTHING``."""
    count: np.ndarray
    """(N,) regions of each frame."""
    text: np.ndarray
    """(N, R) phrase id of each region (named ones first)."""
    xy: np.ndarray
    """(N, R, 2) position of each region, as fractions of the image's width and height."""

    @classmethod
    def build(cls, frames: Sequence[Sequence[Region]]) -> RegionTable:
        ids = {NOTHING: 0}
        width = max((len(r) for r in frames), default=1) or 1
        text = np.zeros((len(frames), width), np.int32)
        xy = np.zeros((len(frames), width, 2), np.float32)
        count = np.zeros(len(frames), np.int32)
        for i, regions in enumerate(frames):
            ordered = sorted(regions, key=lambda r: r.text == NOTHING)  # stable: named first, in given order
            count[i] = len(ordered)
            for j, region in enumerate(ordered):
                text[i, j] = ids.setdefault(region.text, len(ids))
                xy[i, j] = region.x, region.y
        return cls(list(ids), count, text, xy)

    def named(self, row: int) -> int:
        """Regions of frame ``row`` that name something (they come first)."""
        return int((self.text[row, : self.count[row]] != 0).sum())

    def draw(self, rows: np.ndarray, rng: np.random.Generator, per_frame: int) -> tuple[np.ndarray, np.ndarray]:
        """(frame index within ``rows``, region index) of up to ``per_frame`` regions per frame: named ones first
        (a random subset when there are more), then random empty places."""
        frame_of, region_of = [], []
        for k, row in enumerate(rows):
            named, total = self.named(int(row)), int(self.count[row])
            chosen = rng.permutation(named)[:per_frame].tolist()
            empty = per_frame - len(chosen)
            if empty > 0 and total > named:
                chosen += (named + rng.permutation(total - named)[:empty]).tolist()
            frame_of += [k] * len(chosen)
            region_of += chosen
        return np.asarray(frame_of, np.int64), np.asarray(region_of, np.int64)


@dataclass(frozen=True)
class RegionRetrieval:
    """Top-1 phrase retrieval at the named regions of held-out frames."""

    accuracy: float
    chance: float
    regions: int
    candidates: int


@torch.no_grad()
def region_retrieval(
    embedder: ClipEmbedder, frames: np.ndarray, table: RegionTable, rows: np.ndarray, batch: int = 256
) -> RegionRetrieval:
    """Does the patch at each named region of frames ``rows`` score its own phrase above every other phrase
    (``""`` included)?"""
    candidates = sorted({int(t) for row in rows for t in table.text[row, : table.count[row]]})
    if len(candidates) < 2:
        return RegionRetrieval(0.0, 0.0, 0, len(candidates))
    index = {c: i for i, c in enumerate(candidates)}
    texts = embedder.texts([table.texts[c] for c in candidates])
    correct = total = 0
    for start in range(0, len(rows), batch):
        chunk = np.asarray(rows[start : start + batch])
        grid = embedder.patch_grid(torch.from_numpy(frames[chunk]))
        points = embedder.at_points(grid, torch.from_numpy(table.xy[chunk]))
        best = (points @ texts.T).argmax(-1).numpy()
        for k, row in enumerate(chunk):
            named = table.named(int(row))
            truth = [index[int(t)] for t in table.text[row, :named]]
            correct += int(sum(b == t for b, t in zip(best[k, :named], truth)))
            total += named
    return RegionRetrieval(correct / total if total else 0.0, 1.0 / len(candidates), total, len(candidates))
