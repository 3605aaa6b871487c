"""Hooks through which the loop and the benchmarks show what they are doing; the default shows nothing."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sim2act.progress import Progress


class LoopProgress:
    """Stage lines, a ``Progress`` per job (generation, evaluation, training, pretraining, RL) and round tables."""

    def stage(self, line: str) -> None:
        """A new stage starts (one line for a person to read)."""

    @contextmanager
    def bar(self, description: str) -> Iterator[Progress]:
        """The progress of one job, shown under ``description``."""
        yield Progress()

    def round_done(self, ledger, r: int) -> None:
        """Round ``r`` is collected, trained and measured (``ledger.rounds[r]``)."""
