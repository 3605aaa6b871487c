"""The one progress protocol every long job reports through (generation, evaluation, training, pretraining, RL).

A job calls ``start(total, done, phase)`` once per phase, then ``advance(units)`` as units of work
finish (optimizer steps, frames, env steps); roll-outs call ``episode(episode)`` for each finished
episode instead, so a display can show rates and success so far. ``log`` prints a line above the bar.
The default shows nothing; ``sim2act.cli.progress.Bar`` draws rich bars.
"""

from __future__ import annotations

from typing import Any


class Progress:
    """Hooks for a progress display; the default does nothing."""

    shows_progress = False
    """Whether anything is displayed (jobs may skip work done only for the display)."""

    def start(self, total: int, done: int = 0, phase: str = "") -> None:
        """A (new) phase of ``total`` units starts, ``done`` of them already finished earlier."""

    def advance(self, units: int = 1) -> None:
        """``units`` more units of the current phase are done."""

    def episode(self, episode: Any) -> None:
        """An episode finished (roll-outs): one unit."""
        self.advance(1)

    def log(self, line: str) -> None:
        """A line for a person to read."""
