"""Rich progress bars: generation and evaluation (episodes/s, steps/s, success so far) and training."""

from __future__ import annotations

import time

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from sim2act.data.generation import Progress as GenerationProgress
from sim2act.data.recorder import Episode
from sim2act.training.run_log import TrainProgress


class GenerationBar(GenerationProgress):
    """Shows generation progress; use as a context manager."""

    def __init__(self, description: str) -> None:
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rates]}"),
            TimeRemainingColumn(),
            transient=False,
        )
        self._description = description
        self._episodes = self._steps = self._successes = 0

    def __enter__(self) -> GenerationBar:
        return self

    def __exit__(self, *exc) -> None:
        if self._bar.live.is_started:
            self._bar.stop()

    def start(self, total_episodes: int, done_episodes: int) -> None:
        self._bar.start()  # only once the output folder is accepted, so errors print alone
        self._task = self._bar.add_task(self._description, total=total_episodes, completed=done_episodes, rates="")
        self._started = time.perf_counter()

    def episode(self, episode: Episode) -> None:
        self._episodes += 1
        self._steps += len(episode)
        self._successes += episode.succeeded
        elapsed = max(time.perf_counter() - self._started, 1e-9)
        rates = (
            f"{self._episodes / elapsed:,.0f} ep/s  {self._steps / elapsed:,.0f} steps/s  "
            f"success {self._successes / self._episodes:.1%}"
        )
        self._bar.update(self._task, advance=1, rates=rates)


class TrainBar(TrainProgress):
    """A progress bar over optimizer steps with log lines printed above it; a context manager."""

    shows_progress = True

    def __init__(self, description: str) -> None:
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        self._description = description

    def __enter__(self) -> TrainBar:
        return self

    def __exit__(self, *exc) -> None:
        if self._bar.live.is_started:
            self._bar.stop()

    def start(self, total_steps: int, done_steps: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task(self._description, total=total_steps, completed=done_steps)

    def advance(self, step: int) -> None:
        self._bar.update(self._task, completed=step)

    def log(self, line: str) -> None:
        self._bar.console.print(line, highlight=False, soft_wrap=True)
