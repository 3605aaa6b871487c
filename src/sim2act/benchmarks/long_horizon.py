"""``sim2act bench long-horizon``: sequenced instructions (the domain's ``Levels.sequence``; GoToSeqS5R2 on the grid).

Each method trains on each level and is measured on unseen layouts: full-task success, the share of
sub-goals completed (``subgoals``), and the longest task solved (most sub-goals, most steps).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from sim2act.benchmarks.budget import RewardBudget
from sim2act.benchmarks.measured import cell_path, measured_once
from sim2act.benchmarks.methods import parse_methods
from sim2act.benchmarks.results import WORK, ResultsFolder, markdown_table, number, percent, with_interval
from sim2act.benchmarks.setting import MethodSetting, quick_setting
from sim2act.benchmarks.subgoals import check_subgoals, subgoal_outcome
from sim2act.envs import get_domain, make
from sim2act.errors import Sim2ActError
from sim2act.evaluation import evaluate_proposer
from sim2act.loop.progress import LoopProgress

NAME = "long-horizon"


@dataclass(frozen=True)
class LongHorizonConfig:
    """Which methods on which levels."""

    methods: str = "sim2act,bc-expert"
    """Comma-separated registered methods."""
    levels: tuple[str, ...] | None = None
    """Levels with sequenced instructions; every method trains on each (None: the domain's ``Levels.sequence``)."""
    seeds: int = 1
    """Seeds per method and level."""
    split: str = "test_unseen_layout"
    """Split of the measurement."""
    episodes: int = 300
    """Evaluation episodes per method, level and seed."""
    setting: MethodSetting = field(default_factory=lambda: MethodSetting(split="test_unseen_layout"))
    """Each method's budget (its level is set per level)."""
    budget: RewardBudget = field(default_factory=RewardBudget)
    """Budget of the methods that learn from reward (sample-efficiency's rule with ``budget.rl_factor``), per level."""

    @classmethod
    def quick(cls, **overrides) -> LongHorizonConfig:
        setting = quick_setting(split="test_unseen_layout")
        return cls(**{"episodes": 6, "setting": setting, **overrides})


def run_long_horizon(config: LongHorizonConfig, out: str | Path, progress: LoopProgress | None = None) -> dict[str, Any]:
    """Train (or reuse) every method on every level, measure sub-goals, write ``out/long-horizon``."""
    config = replace(config, setting=config.setting.resolved())
    progress = progress or LoopProgress()
    if config.seeds < 1 or config.episodes < 1:
        raise Sim2ActError("need seeds >= 1 and episodes >= 1")
    domain = get_domain(config.setting.domain)
    rows = []
    check_subgoals(domain)
    for level in (domain.resolve_level(l) for l in (config.levels or domain.levels.sequence)):
        setting = replace(config.setting, level=level)
        replay = make(domain.name, level, **setting.env)
        methods = parse_methods(config.methods)
        settings = config.budget.settings(setting, methods, config.seeds, Path(out) / WORK, progress)
        for method in methods:
            for seed in range(config.seeds):
                run = method.run(settings[method.name], seed, Path(out) / WORK, progress)
                cache = cell_path(run.folder, NAME, level, config.split, config.episodes, seed)
                rows.append(measured_once(cache, partial(_measure, run, method.name, seed, level, replay, domain, config,
                                                         setting.env, progress)))
                _write(out, config, rows, complete=False)
        replay.close()
    return _write(out, config, rows, complete=True)


def _measure(run, method: str, seed: int, level: str, replay, domain, config: LongHorizonConfig, env: dict,
             progress: LoopProgress) -> dict[str, Any]:
    """One method's row: its success on the split and, replayed under each clause alone, the sub-goals it completed."""
    with progress.bar(f"{method} seed {seed}: {level} {config.split}") as bar:
        report, episodes = evaluate_proposer(run.make_proposer(), domain.name, [level], config.split, config.episodes,
                                             seed=seed, progress=bar, label=run.artifact, env_options=env)
    progress.stage(f"{method} seed {seed}: replaying {len(episodes)} episodes under each sub-goal")
    outcomes = [subgoal_outcome(e, domain, replay) for e in episodes]
    solved = [o for o in outcomes if o.success]
    return {
        "level": level, "method": method, "seed": seed,
        "simulator_steps": run.curve.spent, "extra_counts": run.curve.extra_counts,
        "success": asdict(report.overall),
        "subgoal_share": sum(o.completed / o.total for o in outcomes) / len(outcomes),
        "mean_subgoals": sum(o.total for o in outcomes) / len(outcomes),
        "longest_solved_subgoals": max((o.total for o in solved), default=0),
        "longest_solved_steps": max((o.steps for o in solved), default=0),
    }


def _write(out, config: LongHorizonConfig, rows: list[dict[str, Any]], complete: bool) -> dict[str, Any]:
    """The rows so far: rewritten after every row, so a stopped bench shows what it measured."""
    results = {"config": asdict(config), "rows": rows, "complete": complete}
    ResultsFolder(out, NAME).write(results, _markdown(results))
    return results


def _markdown(results: dict[str, Any]) -> str:
    config = results["config"]
    header = ["level", "method", "seed", "simulator steps", "success % (95% CI)", "sub-goals done %", "sub-goals per task",
              "longest solved (sub-goals)", "longest solved (steps)", "steps to success", "H3 (bits)"]
    rows = []
    for r in results["rows"]:
        s = r["success"]
        rows.append([
            r["level"], r["method"], str(r["seed"]), _steps(r),
            with_interval(s),
            percent(r["subgoal_share"]), f"{r['mean_subgoals']:.2f}",
            str(r["longest_solved_subgoals"]), str(r["longest_solved_steps"]),
            number(s["mean_steps_to_success"]),
            f"{s['diversity']['entropy_3gram']:.2f}",
        ])
    return "\n".join([
        "# Long horizon",
        "",
        f"Split `{config['split']}`, {config['episodes']} episodes per row. A sub-goal is one clause of the "
        "instruction, counted done when the verifier for that clause alone says success during the episode. "
        "Simulator steps: every simulator call the method's training made (executed + preview + the prior's "
        "collection steps; the breakdown in brackets where it is not all executed).",
        "",
        *([] if results.get("complete", True) else [
            ("**Partial**: the bench is still running or was stopped; the same command resumes, reading back every "
             "measured row."), ""]),
        markdown_table(header, rows),
        "",
    ])


def _steps(row: dict[str, Any]) -> str:
    """``row``'s simulator steps, with its executed / preview / prior breakdown when there is one."""
    if "simulator_steps" not in row:  # results written before simulator steps were counted here
        return "–"
    counts = row.get("extra_counts") or {}
    parts = [f"{counts[k]:,} {name}" for k, name in
             (("executed_steps", "executed"), ("preview_steps", "preview"), ("prior_env_steps", "prior")) if k in counts]
    return f"{row['simulator_steps']:,}" + (f" ({', '.join(parts)})" if parts else "")
