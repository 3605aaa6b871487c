"""RLFP's two buffers: n-step replay of every transition, and the success buffer of successful episodes.

Observations are ``TaskEnv``-encoded dicts of arrays (image, instruction ids, proprio), kept in
preallocated rings; both buffers save to and load from one ``.npz`` so an interrupted run resumes
with the experience it had.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

import numpy as np


class Ring:
    """Preallocated arrays of a fixed capacity, overwritten oldest first."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.arrays: dict[str, np.ndarray] = {}
        self.size = 0
        self.cursor = 0

    def add(self, row: dict[str, np.ndarray]) -> None:
        if not self.arrays:
            self.arrays = {key: np.zeros((self.capacity, *np.shape(v)), np.asarray(v).dtype) for key, v in row.items()}
        for key, value in row.items():
            self.arrays[key][self.cursor] = value
        self.cursor = (self.cursor + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        index = rng.integers(0, self.size, batch)
        return {key: array[index] for key, array in self.arrays.items()}

    def state(self, prefix: str) -> dict[str, np.ndarray]:
        """The filled rows (oldest first) under ``prefix``-ed keys, for ``np.savez``."""
        order = np.arange(self.size) if self.size < self.capacity else np.roll(np.arange(self.capacity), -self.cursor)
        return {f"{prefix}{key}": array[order] for key, array in self.arrays.items()}

    def restore(self, saved, prefix: str) -> None:
        rows = {key[len(prefix):]: saved[key] for key in saved.files if key.startswith(prefix)}
        if not rows:
            return
        n = min(len(next(iter(rows.values()))), self.capacity)
        self.arrays = {key: np.zeros((self.capacity, *value.shape[1:]), value.dtype) for key, value in rows.items()}
        for key, value in rows.items():
            self.arrays[key][:n] = value[len(value) - n:]
        self.size, self.cursor = n, n % self.capacity


def _prefixed(observation: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {f"{prefix}{key}": value for key, value in observation.items()}


def unprefixed(batch: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The entries of ``batch`` under ``prefix``, the prefix dropped (an observation from a sampled batch)."""
    return {key[len(prefix):]: value for key, value in batch.items() if key.startswith(prefix)}


OBS, NEXT = "obs/", "next/"


class NStepReplay:
    """Transitions (o_t, a_t, R_t, o_{t+k}, γ^k·continues, π0 at o_t) with R_t the k-step discounted reward.

    π0 at o_t is its probabilities over joint actions (discrete) or the action it would take (Box).

    k = ``n_step``, or fewer where the episode ended first; ``discount`` is 0 after a termination (no
    bootstrap) and γ^k after a truncation or k steps (bootstrap from o_{t+k}). Each env has its own
    window of pending steps, so envs stepped together never mix.
    """

    def __init__(self, capacity: int, n_step: int, gamma: float) -> None:
        self.ring = Ring(capacity)
        self.n_step, self.gamma = n_step, gamma
        self._pending: dict[int, deque] = {}

    def __len__(self) -> int:
        return self.ring.size

    def add(self, slot: int, obs, action, reward: float, next_obs, terminated: bool, truncated: bool, prior) -> None:
        window = self._pending.setdefault(slot, deque())
        window.append((obs, action, reward, prior))
        if terminated or truncated:
            while window:
                self._emit(window, next_obs, terminated)
        elif len(window) == self.n_step:
            self._emit(window, next_obs, False)

    def _emit(self, window: deque, next_obs, terminated: bool) -> None:
        obs, action, _, prior = window[0]
        ret = sum(self.gamma**k * step[2] for k, step in enumerate(window))
        discount = 0.0 if terminated else self.gamma ** len(window)
        self.ring.add({
            **_prefixed(obs, OBS), **_prefixed(next_obs, NEXT), "action": np.asarray(action), "return": np.float32(ret),
            "discount": np.float32(discount), "prior": np.asarray(prior, np.float16),
        })
        window.popleft()

    def drop_pending(self) -> None:
        """Forget unfinished windows (the envs restart their episodes)."""
        self._pending.clear()

    def sample(self, batch: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return self.ring.sample(batch, rng)


class SuccessBuffer:
    """(o, a) of the episodes the verifier called successful, kept once the episode ends."""

    def __init__(self, capacity: int) -> None:
        self.ring = Ring(capacity)
        self._episodes: dict[int, list] = {}

    def __len__(self) -> int:
        return self.ring.size

    def add(self, slot: int, obs, action, done: bool, success: bool) -> None:
        steps = self._episodes.setdefault(slot, [])
        steps.append((obs, action))
        if done:
            if success:
                for o, a in steps:
                    self.ring.add({**_prefixed(o, OBS), "action": np.asarray(a)})
            steps.clear()

    def drop_pending(self) -> None:
        self._episodes.clear()

    def sample(self, batch: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return self.ring.sample(batch, rng)


def save_buffers(path: Path, replay: NStepReplay, successes: SuccessBuffer) -> None:
    """Both buffers' filled rows into ``path`` (an ``.npz``; the caller makes the write atomic)."""
    with open(path, "wb") as file:
        np.savez(file, **replay.ring.state("replay/"), **successes.ring.state("success/"))


def load_buffers(path: Path, replay: NStepReplay, successes: SuccessBuffer) -> None:
    with np.load(path) as saved:
        replay.ring.restore(saved, "replay/")
        successes.ring.restore(saved, "success/")
