"""Where a benchmark's results go: ``results/<bench>/results.json``, ``results.md`` and its plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim2act.data.atomic import atomic_write_text

WORK = "runs"
"""Folder under the results root holding every method run (datasets, checkpoints), shared by the benches."""
RESULTS_JSON = "results.json"
RESULTS_MD = "results.md"

def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub markdown table; numeric-looking columns stay left-aligned for simplicity of diffing."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def percent(value: float | None, spread: float | None = None) -> str:
    """``"81.3"`` or ``"81.3 ± 2.1"`` (percent), ``"–"`` for no value."""
    if value is None:
        return "–"
    return f"{100 * value:.1f}" if spread is None else f"{100 * value:.1f} ± {100 * spread:.1f}"


def with_interval(summary: dict[str, Any]) -> str:
    """A ``GroupSummary``'s success as ``"81.3 (76.5–85.4)"`` (percent, 95% interval)."""
    return f"{percent(summary['success_rate'])} ({percent(summary['ci_low'])}–{percent(summary['ci_high'])})"


def number(value: float | None, pattern: str = "{:.1f}") -> str:
    """``value`` formatted with ``pattern``; ``"–"`` for none."""
    return "–" if value is None else pattern.format(value)


def mean(values) -> float | None:
    """The mean of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def steps(value: float | None) -> str:
    """Env steps in thousands: ``"134.7K"``; ``"–"`` for none."""
    return "–" if value is None else f"{value / 1000:,.1f}K"


class ResultsFolder:
    """``root/<bench>``: the JSON every figure comes from, the markdown tables and the plots."""

    def __init__(self, root: str | Path, bench: str) -> None:
        self.path = Path(root) / bench

    def write(self, results: dict[str, Any], markdown: str) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path / RESULTS_JSON, json.dumps(results, indent=2) + "\n")
        atomic_write_text(self.path / RESULTS_MD, markdown.rstrip() + "\n")
