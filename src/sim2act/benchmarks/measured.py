"""Evaluations a bench has already measured, kept in the method run's folder so an interrupted bench loses none.

A cell (one policy on one split or level variant, N episodes, one seed) can take many minutes (300 long 3D
episodes, π0's towers on every step); the run folder's fingerprint already covers the training setting and the
env options, so the cell's name, its episode count and the seed are all the key needs. Evaluation is
deterministic given the seed, so a cell read back is the one the command would measure again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sim2act.data.atomic import atomic_write_text
from sim2act.evaluation import evaluate_proposer
from sim2act.loop.progress import LoopProgress
from sim2act.proposers.base import Proposer

FOLDER = "measured"
"""Under the run folder: one JSON per measured cell."""


def cell_path(run_folder: Path | None, bench: str, *key: str | int) -> Path | None:
    """``run_folder/measured/<bench>/<key parts joined>.json``, the parts made safe for a file name; None for a run
    without a folder (its cells are measured every time)."""
    if run_folder is None:
        return None
    name = "--".join(re.sub(r"[^A-Za-z0-9_.-]+", "-", str(part)).strip("-") for part in key)
    return Path(run_folder) / FOLDER / bench / f"{name}.json"


def measured_once(path: Path | None, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The cell stored at ``path`` if a run measured it before, else ``measure()``, stored there (atomically) first.
    ``path`` None (a run with no folder): measured every time."""
    if path is not None and path.exists():
        return json.loads(path.read_text())
    cell = measure()
    if path is not None:
        atomic_write_text(path, json.dumps(cell, indent=1) + "\n")
    return cell


def measured_success(path: Path | None, acting: Callable[[], Proposer], domain: str, level: str, split: str, episodes: int,
                     seed: int, env: dict[str, Any], progress: LoopProgress, title: str, label: str | None = None
                     ) -> dict[str, Any]:
    """``acting()``'s overall result (``EvalReport.overall`` as a dict) on ``episodes`` of ``level``'s ``split``, read
    back from ``path`` if measured before; the proposer is built only when the cell is measured."""
    def measure() -> dict[str, Any]:
        with progress.bar(title) as bar:
            report, _ = evaluate_proposer(acting(), domain, [level], split, episodes, seed=seed, progress=bar, label=label,
                                          env_options=env)
        return asdict(report.overall)

    return measured_once(path, measure)
