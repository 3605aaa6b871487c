"""The evaluation report: eval_info.json, eval.md and the one-line summary."""

import json
from pathlib import Path

import pytest

from sim2act.evaluation.metrics import EpisodeOutcome, breakdown, summarize
from sim2act.evaluation.report import (
    EvalReport,
    format_summary_line,
    markdown_table,
    write_eval_info,
    write_markdown,
)


def outcome(level, kind, success, steps_to_success, reward, actions):
    return EpisodeOutcome(level, f"{kind} ...", kind, success, len(actions), steps_to_success, reward, actions)


@pytest.fixture
def report():
    outcomes = [
        outcome("GoToLocal", "go to", True, 3, 0.9, (2, 2, 2)),
        outcome("GoToLocal", "go to", True, 5, 0.7, (0, 2, 1, 2, 2)),
        outcome("GoToLocal", "go to", False, None, 0.0, (1, 1, 1, 1)),
        outcome("PutNextLocal", "put next to", False, None, 0.0, (3, 4, 5)),
    ]
    return EvalReport(
        checkpoint="runs/bc/ckpt-001000.pt",
        domain="grid",
        split="test_unseen_layout",
        levels=["GoToLocal", "PutNextLocal"],
        episodes=len(outcomes),
        overall=summarize(outcomes),
        by_level=breakdown(outcomes, lambda o: o.level),
        by_instruction_type=breakdown(outcomes, lambda o: o.instruction_type),
        seconds=12.5,
        env_steps=15,
        config={"seed": 0, "out": Path("runs/eval")},
    )


def test_eval_info_round_trips(report, tmp_path):
    path = write_eval_info(report, tmp_path / "eval")
    assert path == tmp_path / "eval" / "eval_info.json"
    with open(path) as f:
        info = json.load(f)
    assert info["checkpoint"] == "runs/bc/ckpt-001000.pt"
    assert info["levels"] == ["GoToLocal", "PutNextLocal"]
    assert info["overall"]["successes"] == 2
    assert info["overall"]["success_rate"] == 0.5
    assert info["overall"]["mean_steps_to_success"] == 4.0
    assert info["by_level"]["PutNextLocal"]["mean_steps_to_success"] is None
    assert info["by_instruction_type"]["go to"]["episodes"] == 3
    assert info["by_level"]["GoToLocal"]["diversity"] == report.by_level["GoToLocal"].diversity
    assert info["config"] == {"seed": 0, "out": "runs/eval"}
    assert [p.name for p in path.parent.iterdir()] == ["eval_info.json"]


def table_rows(markdown, heading):
    """The data rows of the table under ``heading``, as lists of cells."""
    section = markdown.split(f"## {heading}\n", 1)[1].strip().split("\n\n")[0]
    return [[c.strip() for c in line.strip("|").split("|")] for line in section.splitlines()[2:]]


def test_markdown_tables_hold_the_numbers(report, tmp_path):
    markdown = markdown_table(report)
    assert markdown.startswith("# Evaluation of `runs/bc/ckpt-001000.pt`")
    assert "`test_unseen_layout`" in markdown and "n = 4 episodes" in markdown
    overall = report.overall
    [row] = table_rows(markdown, "Overall")
    assert row == [
        "all",
        f"50.0 ({100 * overall.ci_low:.1f}–{100 * overall.ci_high:.1f})",
        "4",
        "0.40",
        "4.0",
        *(f"{overall.diversity[f'entropy_{n}gram']:.2f}" for n in (1, 2, 3)),
    ]
    levels = table_rows(markdown, "By level")
    assert [r[0] for r in levels] == ["GoToLocal", "PutNextLocal"]
    assert levels[0][1].startswith("66.7 (") and levels[0][2] == "3"
    assert levels[1][1:5] == ["0.0 (0.0–79.3)", "1", "0.00", "–"]
    kinds = table_rows(markdown, "By instruction type")
    assert [r[0] for r in kinds] == ["go to", "put next to"]
    path = write_markdown(report, tmp_path)
    assert path.name == "eval.md" and path.read_text(encoding="utf-8") == markdown


def test_summary_line(report):
    s = report.overall
    assert format_summary_line(report) == (
        f"success 50.0% (95% CI {100 * s.ci_low:.1f}–{100 * s.ci_high:.1f}%, n=4) · reward 0.40 · "
        f"4.0 steps to success · 1-gram entropy {s.diversity['entropy_1gram']:.2f} bits"
    )
    assert "15.0–85.0%" in format_summary_line(report)
