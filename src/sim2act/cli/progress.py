"""One rich progress bar for every job: episodes (with rates and success so far), steps, frames, env steps."""

from __future__ import annotations

import time

from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress

from sim2act.cli.console import make_console
from sim2act.progress import Progress


class Bar(Progress):
    """Shows a job's progress (``sim2act.progress.Progress``) as a rich bar; a context manager.

    The bar starts with the job's first ``start``, so an error raised before any work prints alone.
    Each phase (``start(..., phase=name)``) gets a bar of its own; finished episodes add rates and
    the success so far; log lines are printed above the bars.
    """

    shows_progress = True

    def __init__(self, description: str) -> None:
        self._bar = RichProgress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rates]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=make_console(),
        )
        self._description = description
        self._task = None

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc) -> None:
        if self._bar.live.is_started:
            self._bar.stop()

    def start(self, total: int, done: int = 0, phase: str = "") -> None:
        if not self._bar.live.is_started:
            self._bar.start()
        description = f"{self._description} {phase}" if phase else self._description
        self._task = self._bar.add_task(description, total=total, completed=done, rates="")
        self._started = time.perf_counter()
        self._episodes = self._steps = self._successes = 0

    def advance(self, units: int = 1) -> None:
        self._bar.update(self._task, advance=units)

    def episode(self, episode) -> None:
        self._episodes += 1
        self._steps += len(episode)
        self._successes += episode.succeeded
        elapsed = max(time.perf_counter() - self._started, 1e-9)
        rates = (
            f"{self._episodes / elapsed:,.0f} ep/s  {self._steps / elapsed:,.0f} steps/s  "
            f"success {self._successes / self._episodes:.1%}"
        )
        self._bar.update(self._task, advance=1, rates=rates)

    def log(self, line: str) -> None:
        self._bar.console.print(line, highlight=False, soft_wrap=True)
