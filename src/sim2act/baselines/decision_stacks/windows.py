"""Training windows of Decision Stacks: from each step, the frames, rewards and actions of the next ``horizon`` steps.

A window starting at step t of an episode holds frames t..t+H, rewards t..t+H (the verifier's success of
each step's transition, 1 where its action made the instruction true) and actions t..t+H−1, each taken from
the frame of the same step. Past the episode's end it repeats the
last frame with reward 0 and is masked (``valid``), so the modules never learn from padding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Windows:
    """Row indices of every window, (N, H + 1), and which of their entries lie inside the episode."""

    rows: np.ndarray
    valid: np.ndarray

    @classmethod
    def of(cls, episode_ids: np.ndarray, steps: np.ndarray, horizon: int) -> Windows:
        order = np.lexsort((steps, episode_ids))
        episode_sorted = episode_ids[order]
        starts = np.r_[0, np.flatnonzero(np.diff(episode_sorted)) + 1]
        ends = np.r_[starts[1:], len(order)] - 1  # the last position of each episode
        last = np.repeat(ends, np.diff(np.r_[starts, len(order)]))  # per position: its episode's last position
        positions = np.arange(len(order))[:, None] + np.arange(horizon + 1)[None]
        valid = positions <= last[:, None]
        return cls(rows=order[np.minimum(positions, last[:, None])], valid=valid)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def horizon(self) -> int:
        return self.rows.shape[1] - 1

    def sample(self, batch: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``batch`` random windows: their rows and validity masks."""
        chosen = rng.integers(0, len(self.rows), batch)
        return self.rows[chosen], self.valid[chosen]
