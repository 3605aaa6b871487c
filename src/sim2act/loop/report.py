"""The run's report folder: ``summary.json`` for machines; ``report.md``, ``report.html``, a plot and GIFs for people."""

from __future__ import annotations

import html
import json
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sim2act.data.atomic import atomic_write_text
from sim2act.loop.ledger import Ledger
from sim2act.loop.plot import TARGET, plot_success_curve
from sim2act.loop.rounds import HELD_OUT_SPLITS, LoopFolder

PLOT = "success_vs_simulator_steps.png"
MAIN_SPLIT = HELD_OUT_SPLITS[0]
STEPS_TO_TARGET = f"simulator_steps_to_{100 * TARGET:.0f}pct_{MAIN_SPLIT}"
"""``summary.json`` key: cumulative simulator steps (executed + previewed + the prior's) of the first round at
``TARGET`` on ``MAIN_SPLIT`` (None: not reached)."""
ENV_STEPS_TO_TARGET = f"env_steps_to_{100 * TARGET:.0f}pct_{MAIN_SPLIT}"
"""The same round's executed env steps alone, beside it."""


def summarize_run(ledger: Ledger, folder: LoopFolder) -> dict[str, Any]:
    """Every figure of the report, as JSON-ready values.

    Nothing in it depends on the clock or on where the run folder lies: paths inside the run folder are
    relative to it and wall-clock seconds go to ``timings.json`` (``timings``), so two runs of the same
    command and seed write byte-identical summaries.
    """
    rows = []
    for record in ledger.rounds:
        if not record.done:
            continue
        spent = ledger.cumulative(record.round)
        rows.append(
            {
                "round": record.round,
                "collection": {k: v for k, v in asdict(record.collection).items() if k != "seconds"},
                "cumulative_env_steps": spent["env_steps"],
                "cumulative_preview_steps": spent["preview_steps"],
                "cumulative_simulator_steps": spent["simulator_steps"],
                "train_steps": record.train_steps,
                "val": asdict(record.val),
                "held_out": {k: asdict(v) for k, v in record.held_out.items()},
                "checkpoint": _in_run(record.checkpoint, folder),
            }
        )
    reached = next((row for row in rows if row["held_out"].get(MAIN_SPLIT, {}).get("success", 0) >= TARGET), None)
    prior = {k: v for k, v in ledger.prior.items() if k != "seconds"}
    if "path" in prior:
        prior["path"] = _in_run(prior["path"], folder)
    return {
        "config": ledger.config,
        "prior": prior,
        "rounds": rows,
        "stopped": ledger.stopped,
        "best_round": ledger.best_round,
        "final": {k: asdict(v) for k, v in ledger.final.items()},
        "env_steps": ledger.env_steps,
        "preview_steps": sum(row["collection"]["preview_steps"] for row in rows),
        "prior_frames": ledger.prior_frames,
        "prior_env_steps": ledger.prior_env_steps,
        "simulator_steps": rows[-1]["cumulative_simulator_steps"] if rows else ledger.prior_env_steps,
        STEPS_TO_TARGET: reached["cumulative_simulator_steps"] if reached else None,
        ENV_STEPS_TO_TARGET: reached["cumulative_env_steps"] if reached else None,
        "paths": {
            "dataset": _in_run(folder.data, folder),
            "prior": prior.get("path"),
            "checkpoints": [row["checkpoint"] for row in rows],
            "best_checkpoint": rows[ledger.best_round]["checkpoint"] if ledger.best_round is not None else None,
        },
    }


def timings(ledger: Ledger, seconds: float | None = None) -> dict[str, Any]:
    """Wall-clock seconds of the run (``timings.json``): the prior, each round's stages, and this command."""
    return {
        "seconds": seconds,
        "prior_seconds": ledger.prior.get("seconds"),
        "rounds": [
            {"round": r.round, "collect_seconds": r.collection.seconds if r.collection else None,
             "train_seconds": r.train_seconds, "eval_seconds": r.eval_seconds}
            for r in ledger.rounds
        ],
    }


def _in_run(path: str | Path | None, folder: LoopFolder) -> str | None:
    """``path`` relative to the run folder when it lies inside it (as given otherwise)."""
    if path is None:
        return None
    try:
        return Path(path).resolve().relative_to(folder.root.resolve()).as_posix()
    except ValueError:
        return str(path)


def write_report(ledger: Ledger, folder: LoopFolder, seconds: float | None = None) -> Path:
    """Write ``summary.json``, ``timings.json``, ``report.md``, ``report.html``, the plot and the GIFs; return the folder."""
    out = folder.report
    out.mkdir(parents=True, exist_ok=True)
    summary = summarize_run(ledger, folder)
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    atomic_write_text(out / "timings.json", json.dumps(timings(ledger, seconds), indent=2) + "\n")
    title = f"{ledger.config['domain']}/{ledger.config['level']}: held-out success per round"
    plot_success_curve(summary["rounds"], out / PLOT, title)
    gifs = _copy_gifs(folder, out / "gifs")
    atomic_write_text(out / "report.md", markdown_report(summary, gifs))
    atomic_write_text(out / "report.html", html_report(summary, gifs))
    return out


def _copy_gifs(folder: LoopFolder, out: Path) -> list[str]:
    source = folder.evaluation("final", MAIN_SPLIT) / "gifs"
    if not source.is_dir():
        return []
    out.mkdir(parents=True, exist_ok=True)
    names = []
    for gif in sorted(source.glob("*.gif")):
        shutil.copy(gif, out / gif.name)
        names.append(f"gifs/{gif.name}")
    return names


def _pct(h: dict | None, intervals: bool = True) -> str:
    if not h:
        return "–"
    if not intervals:
        return f"{100 * h['success']:.1f}"
    return f"{100 * h['success']:.1f} ({100 * h['low']:.1f}–{100 * h['high']:.1f})"


def round_table(summary: dict[str, Any], intervals: bool = True) -> tuple[list[str], list[list[str]]]:
    """The per-round table (header, rows); success as % with its 95% interval unless ``intervals`` is False."""
    header = ["round", "proposer", "rollouts", "kept (relabeled)", "env steps", "preview steps",
              "Σ simulator steps", "val success %", "unseen composition %", "unseen layout %"]
    rows = []
    for row in summary["rounds"]:
        c = row["collection"]
        rows.append([
            str(row["round"]), c["proposer"], f"{c['rollouts']:,}", f"{c['kept_episodes']:,} ({c['relabeled_episodes']:,})",
            f"{c['env_steps']:,}", f"{c['preview_steps']:,}", f"{row['cumulative_simulator_steps']:,}", _pct(row["val"], intervals),
            *(_pct(row["held_out"].get(split), intervals) for split in HELD_OUT_SPLITS),
        ])
    return header, rows


def _headline(summary: dict[str, Any]) -> list[str]:
    reached, executed = summary[STEPS_TO_TARGET], summary[ENV_STEPS_TO_TARGET]
    lines = [
        f"Best round (by validation): {summary['best_round']} · stopped: {summary['stopped']}",
        f"Simulator steps: {summary['simulator_steps']:,} = {summary['env_steps']:,} executed + "
        f"{summary['preview_steps']:,} previewed + {summary['prior_env_steps']:,} collecting the prior's "
        f"{summary['prior_frames']:,} pretraining frames",
        f"Simulator steps to reach {TARGET:.0%} on {MAIN_SPLIT}: "
        + (f"{reached:,} ({executed:,} of them executed)" if reached is not None else "not reached"),
    ]
    for split, h in summary["final"].items():
        lines.append(f"Final {split}: {_pct(h)}% success, n = {h['episodes']}")
    return lines


def markdown_report(summary: dict[str, Any], gifs: list[str]) -> str:
    header, rows = round_table(summary)
    config = summary["config"]
    lines = [f"# sim2act run: {config['domain']}/{config['level']}", ""]
    lines += [f"- {line}" for line in _headline(summary)]
    lines += ["", "## Rounds", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    trials = " and the labeler's shortcut trials (straight runs re-simulated)" if config.get("shortcuts") else ""
    temperature = config.get("policy_temperature", 1.0)
    acting = f" π_θ samples its actions at temperature {temperature:g}, collecting and evaluated." if temperature != 1.0 else ""
    retries = config.get("retries", 0)
    if retries:
        acting += f" In rounds >= 1 a failed task is rolled out again up to {retries} more times (its first success kept); every attempt's steps count."
    lines += ["", "Success: % (95% Wilson interval). Env steps count every executed step, kept or not; preview "
              f"steps are π0 scoring candidate actions on a copy of the simulator{trials}; simulator steps add both and "
              f"the steps that collected the prior's pretraining frames.{acting}", "",
              f"![held-out success against simulator steps]({PLOT})", ""]
    if gifs:
        lines += ["## Episodes (final evaluation, unseen compositions)", ""] + [f"![{g}]({g})" for g in gifs] + [""]
    paths = summary["paths"]
    lines += ["## Files (relative to the run folder)", "", f"- dataset: `{paths['dataset']}`", f"- prior π0: `{paths['prior']}`",
              f"- best checkpoint: `{paths['best_checkpoint']}`"]
    lines += [f"- round {i} checkpoint: `{p}`" for i, p in enumerate(paths["checkpoints"])] + [""]
    return "\n".join(lines)


def html_report(summary: dict[str, Any], gifs: list[str]) -> str:
    header, rows = round_table(summary)
    config = summary["config"]
    esc = html.escape
    table = "<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>"
    table += "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows) + "</table>"
    images = "".join(f'<figure><img src="{esc(g)}" alt="{esc(g)}"></figure>' for g in gifs)
    items = "".join(f"<li>{esc(line)}</li>" for line in _headline(summary))
    paths = summary["paths"]
    files = "".join(f"<li>{esc(k)}: <code>{esc(str(v))}</code></li>" for k, v in paths.items() if k != "checkpoints")
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>sim2act run: {esc(config['domain'])}/{esc(config['level'])}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}figure{{display:inline-block;margin:4px}}</style></head>
<body><h1>sim2act run: {esc(config['domain'])}/{esc(config['level'])}</h1><ul>{items}</ul>
<h2>Rounds</h2>{table}<p>Success: % (95% Wilson interval).</p>
<img src="{PLOT}" alt="held-out success against env steps">
<h2>Episodes</h2>{images}<h2>Files</h2><ul>{files}</ul></body></html>
"""
