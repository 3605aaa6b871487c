"""Hooks through which a benchmark shows what it is doing; the default shows nothing."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sim2act.baselines import RLProgress
from sim2act.loop.progress import LoopProgress


class BenchProgress(LoopProgress):
    """The loop's hooks (stages, generation, training bars) plus env-step bars for RL training."""

    @contextmanager
    def env_steps(self, description: str) -> Iterator[RLProgress]:
        yield RLProgress()
