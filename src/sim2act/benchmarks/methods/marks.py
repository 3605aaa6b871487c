"""``MarkLog``: the held-out evaluations of a method that trains online (RL from scratch, RLFP), one per mark.

Each mark's evaluation is appended to ``marks.jsonl`` as it happens, so an interrupted run continues with
the curve it had; a mark logged after the run's last checkpoint (killed in between) is dropped and
measured again by the continued run, and where the trainer starts afresh (no checkpoint, or one of another
config) the whole log is, so no mark is ever logged twice.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from sim2act.benchmarks.curves import CurvePoint
from sim2act.benchmarks.setting import MethodSetting
from sim2act.data.atomic import atomic_write_text
from sim2act.evaluation import evaluate_proposer
from sim2act.loop.progress import LoopProgress
from sim2act.proposers.base import Proposer

MARKS_LOG = "marks.jsonl"
"""Each evaluation of a running run, one JSON line per mark."""


class MarkLog:
    """The curve so far of the run in ``out``: its points and each point's full evaluation summary."""

    def __init__(self, out: Path, resumable_steps: int | None) -> None:
        """``resumable_steps``: env steps of the checkpoint the trainer will continue from; None where it starts afresh
        (the trainer's own test, e.g. ``resumable_env_steps``, so the log and the run never disagree)."""
        self.path = Path(out) / MARKS_LOG
        self.resumed = self.path.is_file() and resumable_steps is not None
        records = [json.loads(line) for line in self.path.read_text().splitlines()] if self.resumed else []
        records = [r for r in records if r["point"]["env_steps"] <= resumable_steps] if self.resumed else []
        atomic_write_text(self.path, "".join(json.dumps(r) + "\n" for r in records))
        self.points = [CurvePoint(**r["point"]) for r in records]
        self.finals = [r["final"] for r in records]

    def reached(self, target: float | None) -> bool:
        """Whether a logged point is at or above ``target`` (None: never)."""
        return target is not None and any(p.success >= target for p in self.points)

    def evaluate(
        self, name: str, setting: MethodSetting, seed: int, proposer: Proposer, progress: LoopProgress,
        env_steps: int, simulator_steps: int | None = None,
    ) -> bool:
        """Measure ``proposer`` on the setting's held-out split, log the point; True when it reached ``rl_stop_at``."""
        spent = env_steps if simulator_steps is None else simulator_steps
        with progress.bar(f"eval {setting.split} at {spent:,} steps") as bar:
            report, _ = evaluate_proposer(
                proposer, setting.domain, [setting.level], setting.split, setting.eval_episodes,
                seed=seed, progress=bar, label=f"{name} at {spent} simulator steps", env_options=setting.env,
            )
        s = report.overall
        self.points.append(CurvePoint(env_steps, s.success_rate, s.ci_low, s.ci_high, s.episodes, simulator_steps=simulator_steps))
        self.finals.append(asdict(s))
        with self.path.open("a") as file:
            file.write(json.dumps({"point": asdict(self.points[-1]), "final": self.finals[-1]}) + "\n")
        return setting.rl_stop_at is not None and s.success_rate >= setting.rl_stop_at
