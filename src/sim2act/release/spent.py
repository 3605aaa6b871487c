"""Wall time a release spends on a step, recorded as it goes: a step killed and resumed adds both calls' time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sim2act.progress import Progress

FLUSH_SECONDS = 30.0


class SpentTime(Progress):
    """Forwards a job's progress to ``display`` and adds the wall time since the last flush to ``seconds[key]``
    every ``FLUSH_SECONDS`` of progress events (and on ``flush``), calling ``save`` after each addition."""

    def __init__(self, display: Progress, seconds: dict[str, float], key: str, save: Callable[[], None]) -> None:
        self.display, self.seconds, self.key, self.save = display, seconds, key, save
        self.shows_progress = display.shows_progress
        self._since = time.perf_counter()

    def flush(self) -> None:
        now = time.perf_counter()
        self.seconds[self.key] = self.seconds.get(self.key, 0.0) + (now - self._since)
        self._since = now
        self.save()

    def _tick(self) -> None:
        if time.perf_counter() - self._since >= FLUSH_SECONDS:
            self.flush()

    def start(self, total: int, done: int = 0, phase: str = "") -> None:
        self.display.start(total, done, phase)

    def advance(self, units: int = 1) -> None:
        self.display.advance(units)
        self._tick()

    def episode(self, episode: Any) -> None:
        self.display.episode(episode)
        self._tick()

    def log(self, line: str) -> None:
        self.display.log(line)
