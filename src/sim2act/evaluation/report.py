"""The evaluation report: ``eval_info.json`` for machines, ``eval.md`` and a summary line for people."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim2act.data.atomic import atomic_write_text
from sim2act.evaluation.metrics import GroupSummary

EVAL_INFO = "eval_info.json"
EVAL_MARKDOWN = "eval.md"
MAX_NGRAM = 3
_COLUMNS = ("success % (95% CI)", "n", "mean reward", "steps to success") + tuple(
    f"H{n} (bits)" for n in range(1, MAX_NGRAM + 1)
)


@dataclass
class EvalReport:
    """The outcome of evaluating one checkpoint on one task split."""

    checkpoint: str
    domain: str
    split: str
    levels: list[str]
    episodes: int
    overall: GroupSummary
    by_level: dict[str, GroupSummary]
    by_instruction_type: dict[str, GroupSummary]
    seconds: float
    """Wall-clock time of the evaluation."""
    env_steps: int
    config: dict[str, Any]
    """The evaluation's settings, as passed on the command line or in code."""


def report_to_dict(report: EvalReport) -> dict[str, Any]:
    """All of ``report``'s fields as plain JSON-ready values (nested dataclasses become dicts)."""
    return dataclasses.asdict(report)


def write_eval_info(report: EvalReport, out_dir: Path) -> Path:
    """Atomically write ``out_dir/eval_info.json``; return its path."""
    path = Path(out_dir) / EVAL_INFO
    # default=str keeps Paths and other odd config values readable instead of failing the write.
    text = json.dumps(report_to_dict(report), indent=2, ensure_ascii=False, default=str) + "\n"
    atomic_write_text(path, text)
    return path


def markdown_table(report: EvalReport) -> str:
    """A markdown document of ``report``: the overall metrics, then by level and by instruction type."""
    lines = [
        f"# Evaluation of `{report.checkpoint}`",
        "",
        f"Split `{report.split}` of domain `{report.domain}` · levels {', '.join(report.levels)} · "
        f"n = {report.episodes} episodes · {report.env_steps} env steps in {report.seconds:.1f} s",
        "",
        "## Overall",
        "",
        *_table("", {"all": report.overall}),
        "",
        "## By level",
        "",
        *_table("level", report.by_level),
        "",
        "## By instruction type",
        "",
        *_table("instruction type", report.by_instruction_type),
        "",
        "Success intervals are 95% Wilson score intervals. H*n* is the entropy of the executed "
        "actions' *n*-grams (see `sim2act.evaluation.metrics.behavioral_diversity`).",
        "",
    ]
    return "\n".join(lines)


def write_markdown(report: EvalReport, out_dir: Path) -> Path:
    """Atomically write ``out_dir/eval.md``; return its path."""
    path = Path(out_dir) / EVAL_MARKDOWN
    atomic_write_text(path, markdown_table(report))
    return path


def format_summary_line(report: EvalReport) -> str:
    """One line for a log or a terminal, e.g.

    "success 93.5% (95% CI 89.2–96.2%, n=200) · reward 0.81 · 7.3 steps to success · 1-gram entropy 1.52 bits"
    """
    s = report.overall
    steps = "no success" if s.mean_steps_to_success is None else f"{s.mean_steps_to_success:.1f} steps to success"
    return (
        f"success {100 * s.success_rate:.1f}% (95% CI {100 * s.ci_low:.1f}–{100 * s.ci_high:.1f}%, "
        f"n={s.episodes}) · reward {s.mean_reward:.2f} · {steps} · "
        f"1-gram entropy {s.diversity.get('entropy_1gram', 0.0):.2f} bits"
    )


def _table(label: str, groups: dict[str, GroupSummary]) -> list[str]:
    header = (label, *_COLUMNS)
    rows = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * len(_COLUMNS)) + "|",
    ]
    for name, s in groups.items():
        steps = "–" if s.mean_steps_to_success is None else f"{s.mean_steps_to_success:.1f}"
        entropies = [f"{s.diversity.get(f'entropy_{n}gram', 0.0):.2f}" for n in range(1, MAX_NGRAM + 1)]
        cells = (
            _escape(name),
            f"{100 * s.success_rate:.1f} ({100 * s.ci_low:.1f}–{100 * s.ci_high:.1f})",
            str(s.episodes),
            f"{s.mean_reward:.2f}",
            steps,
            *entropies,
        )
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _escape(cell: str) -> str:
    return cell.replace("|", "\\|")
