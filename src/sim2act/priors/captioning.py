"""Which caption a frame is paired with: a random draw that makes CLIP similarity a distance-to-goal score.

Each time a frame enters a batch it gets one caption, drawn from its simulator captions
(``sim2act.envs.captions.Caption``): one caption uniformly, said as its instruction with probability
γ^steps, else as its mention (the subject's noun phrase, or ``""`` when nothing of it is in view).
So "go to the red ball" is said of a frame with probability γ^d / n, d the actions it is away and n
the number of captions of the level (fixed in an episode). InfoNCE over the batch's distinct
captions fits s(x, c) = log p(c | x) + const (Oord et al. 2018), hence

    s(frame, "go to the red ball") ≈ d · log γ + const:

each action closer to facing the red ball adds |log γ| to the similarity, whatever else is in view.
That is what the preview proposer needs: the action whose previewed frame scores highest brings
the instruction closest to being true.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim2act.envs.captions import Caption

NOTHING = ""
"""The caption of a frame in which the drawn caption's subject is not seen (text id 0)."""


@dataclass
class CaptionTable:
    """The captions of many frames as padded arrays, for drawing a batch's captions at once."""

    texts: list[str]
    """Every caption text (instructions and mentions); id 0 is ``NOTHING``."""
    count: np.ndarray
    """(N,) captions of each frame."""
    text: np.ndarray
    """(N, L) text id of each caption's instruction."""
    steps: np.ndarray
    """(N, L) actions from true, -1 when unknown (subject not in view)."""
    mention: np.ndarray
    """(N, L) text id of each caption's mention."""

    @classmethod
    def build(cls, frames: Sequence[Sequence[Caption]]) -> CaptionTable:
        ids = {NOTHING: 0}
        width = max((len(c) for c in frames), default=1) or 1
        n = len(frames)
        text = np.zeros((n, width), np.int32)
        steps = np.full((n, width), -1, np.int16)
        mention = np.zeros((n, width), np.int32)
        count = np.ones(n, np.int32)  # a frame without captions has one: NOTHING
        for i, captions in enumerate(frames):
            count[i] = max(len(captions), 1)
            for j, caption in enumerate(captions):
                text[i, j] = ids.setdefault(caption.text, len(ids))
                mention[i, j] = ids.setdefault(caption.mention, len(ids))
                steps[i, j] = -1 if caption.steps is None else caption.steps
        return cls(list(ids), count, text, steps, mention)

    def draw(self, rows: np.ndarray, rng: np.random.Generator, discount: float) -> np.ndarray:
        """One caption text id per frame of ``rows``: a uniform caption, said w.p. γ^steps, else its mention."""
        j = (rng.random(len(rows)) * self.count[rows]).astype(np.int64)
        steps = self.steps[rows, j].astype(np.float64)
        said = (steps >= 0) & (rng.random(len(rows)) < np.power(discount, np.maximum(steps, 0)))
        return np.where(said, self.text[rows, j], self.mention[rows, j])

    def nearest(self, row: int) -> tuple[int, set[int]]:
        """The fewest steps of any caption of a frame and the text ids at that distance (-1 and {} if none)."""
        k = self.count[row]
        steps = self.steps[row, :k]
        known = steps >= 0
        if not known.any():
            return -1, set()
        best = int(steps[known].min())
        return best, {int(t) for t, s in zip(self.text[row, :k], steps) if s == best}
