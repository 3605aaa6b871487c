"""Rich progress bars: generation and evaluation (episodes/s, steps/s, success so far), training, prior pretraining."""

from __future__ import annotations

import time

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from sim2act.baselines import RLProgress
from sim2act.data.generation import Progress as GenerationProgress
from sim2act.data.recorder import Episode
from sim2act.priors.pretrain import PretrainProgress
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


class _TimedBars:
    """Rich bars with elapsed and remaining time, log lines printed above them; a context manager."""

    def __init__(self, description: str) -> None:
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        self._description = description
        self._task = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self._bar.live.is_started:
            self._bar.stop()

    def _add(self, description: str, total: int, completed: int = 0) -> None:
        if not self._bar.live.is_started:
            self._bar.start()
        self._task = self._bar.add_task(description, total=total, completed=completed)

    def log(self, line: str) -> None:
        self._bar.console.print(line, highlight=False, soft_wrap=True)


class TrainBar(_TimedBars, TrainProgress):
    """A progress bar over optimizer steps with log lines printed above it; a context manager."""

    shows_progress = True

    def start(self, total_steps: int, done_steps: int) -> None:
        self._add(self._description, total_steps, done_steps)

    def advance(self, step: int) -> None:
        self._bar.update(self._task, completed=step)


class PriorBar(_TimedBars, PretrainProgress):
    """One bar per pretraining phase (frames collected, then optimizer steps); a context manager."""

    def phase(self, name: str, total: int) -> None:
        self._add(f"{self._description} {name}", total)

    def advance(self, units: int = 1) -> None:
        self._bar.update(self._task, advance=units)


class StepBar(_TimedBars, RLProgress):
    """A progress bar over env steps (RL training); a context manager."""

    def start(self, total_env_steps: int) -> None:
        self._add(self._description, total_env_steps)

    def advance(self, steps: int) -> None:
        self._bar.update(self._task, advance=steps)
