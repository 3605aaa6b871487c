"""Exports of a sim2act dataset to the formats robot-learning users load: ``lerobot`` (LeRobotDataset v3.0) and
``minari`` (through Minari's own API).

``export_dataset(source, out, format)`` runs a registered exporter; ``EXPORTERS`` lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.data.runs import run_config
from sim2act.errors import Sim2ActError
from sim2act.progress import Progress
from sim2act.validation import suggest

EXPORTERS: dict[str, Callable[..., dict[str, Any]]] = {}


def register_exporter(name: str, exporter: Callable[..., dict[str, Any]]) -> None:
    """Make ``--format name`` call ``exporter(source, out, fps=..., progress=...)``."""
    EXPORTERS[name] = exporter


def _lerobot(source: Path, out: Path, fps: int | None = None, progress: Progress | None = None) -> dict[str, Any]:
    from sim2act.data.export.lerobot import export_lerobot

    return export_lerobot(source, out, fps, progress)


def _minari(source: Path, out: Path, fps: int | None = None, progress: Progress | None = None) -> dict[str, Any]:
    from sim2act.data.export.minari_format import export_minari

    return export_minari(source, out, fps, progress)


register_exporter("lerobot", _lerobot)
register_exporter("minari", _minari)


def export_dataset(source: Path, out: Path, format: str, overwrite: bool = False,
                   progress: Progress | None = None) -> dict[str, Any]:
    """Export the dataset at ``source`` to ``out`` in ``format``; bad input is a one-line ``Sim2ActError``."""
    if format not in EXPORTERS:
        raise Sim2ActError(f"unknown export format {format!r}{suggest(format, EXPORTERS)}; known: {', '.join(sorted(EXPORTERS))}")
    source, out = Path(source), Path(out)
    if not DatasetLayout(source).card.is_file():
        raise Sim2ActError(f"no dataset at {source}: {DatasetLayout(source).card.name} not found")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise Sim2ActError(f"--out {out} is not empty: pick another folder or pass --overwrite")
    return EXPORTERS[format](source, out, fps=control_rate(source), progress=progress)


def control_rate(source: Path) -> int:
    """Frames per second of the dataset's env (its ``render_fps``, the rate its actions are taken at)."""
    from sim2act.envs import make

    card = load_card(DatasetLayout(source).card)
    config = run_config(card.runs[0]) if card.runs else {}
    env = make(card.domain, config.get("level"), **config.get("env", {}))
    try:
        return int(env.metadata.get("render_fps") or 10)
    finally:
        env.close()
