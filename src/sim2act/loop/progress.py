"""Hooks through which the loop shows what it is doing; the default shows nothing."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sim2act.data.generation import Progress as GenerationProgress
from sim2act.training.run_log import TrainProgress


class LoopProgress:
    """Stage lines, and a progress object per generation/evaluation and per training run."""

    def stage(self, line: str) -> None:
        """A new stage starts (one line for a person to read)."""

    @contextmanager
    def generation(self, description: str) -> Iterator[GenerationProgress]:
        yield GenerationProgress()

    @contextmanager
    def prior(self, description: str):
        from sim2act.priors import PretrainProgress

        yield PretrainProgress()

    @contextmanager
    def training(self, description: str) -> Iterator[TrainProgress]:
        yield TrainProgress()

    def round_done(self, ledger, r: int) -> None:
        """Round ``r`` is collected, trained and measured (``ledger.rounds[r]``)."""
