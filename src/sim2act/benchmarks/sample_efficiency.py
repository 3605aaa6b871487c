"""``sim2act bench sample-efficiency``: held-out success against simulator steps, and simulator steps to the target.

Simulator steps count every call of the simulator (``benchmarks.curves``): for Sim2Act its executed,
previewed and prior-collection steps (RLFP likewise), for RL and expert BC their executed steps. Sim2Act runs first;
the RL baselines then get ``rl_factor`` times the simulator steps Sim2Act needed (to the target, or all
it used when it did not get there), so "≥ 10× fewer simulator steps" is measured in one run. Where RL
does not reach the target within its budget, the ratio is reported as a lower bound (its budget ÷
Sim2Act's steps) with its best success.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from sim2act.benchmarks.curves import Curve, aggregate_at, scaled_budget, steps_needed, steps_to_target
from sim2act.benchmarks.methods import parse_methods
from sim2act.benchmarks.plots import plot_success_curves
from sim2act.benchmarks.results import (
    WORK,
    ResultsFolder,
    markdown_table,
    mean,
    number,
    percent,
    steps,
)
from sim2act.benchmarks.setting import MethodSetting, quick_setting
from sim2act.envs import get_domain
from sim2act.errors import Sim2ActError
from sim2act.loop.progress import LoopProgress

NAME = "sample-efficiency"
CURVES = "curves"
PLOT = "success_vs_simulator_steps.png"


@dataclass(frozen=True)
class SampleEfficiencyConfig:
    """Which methods, how many seeds, and the target."""

    methods: str = "sim2act,ppo,bc-expert"
    """Comma-separated registered methods."""
    seeds: int = 3
    """Seeds per method (0..seeds-1); figures are means over them, with their 95% t-interval."""
    method_seeds: dict[str, int] = field(default_factory=dict)
    """Seeds of particular methods where they differ from ``seeds`` (e.g. ``{"ppo": 1}``: RL at ``rl_factor`` times
    Sim2Act's simulator steps is the bench's longest part); the tables say how many each method had."""
    target: float = 0.8
    """Held-out success to reach."""
    rl_factor: float = 10.0
    """RL budget = this many times the simulator steps Sim2Act needed (when Sim2Act is among the methods)."""
    method_factors: dict[str, float] = field(default_factory=dict)
    """``rl_factor`` of particular RL methods where it differs (e.g. ``{"sac": 1}``: SAC's gradient step per env step
    costs ~0.15 s on 2 CPU cores); the ratio such a run bounds is then at most its own factor."""
    marks: int = 8
    """Simulator-step marks of the success table (log-spaced up to the largest spend)."""
    setting: MethodSetting = field(default_factory=MethodSetting)
    """Task, held-out split and each method's budget."""

    @classmethod
    def quick(cls, **overrides) -> SampleEfficiencyConfig:
        return cls(**{"seeds": 1, "marks": 4, "setting": quick_setting(), **overrides})


def run_sample_efficiency(config: SampleEfficiencyConfig, out: str | Path, progress: LoopProgress | None = None) -> dict[str, Any]:
    """Run every method on every seed (resuming finished ones), write ``out/sample-efficiency``; return the results."""
    config = replace(config, setting=config.setting.resolved())
    progress = progress or LoopProgress()
    if config.seeds < 1 or min(config.method_seeds.values(), default=1) < 1 or not 0 < config.target <= 1 \
            or min(config.method_factors.values(), default=1) <= 0 or config.rl_factor <= 0:
        raise Sim2ActError("need seeds >= 1 (for every method), a target in (0, 1] and RL factors > 0")
    methods = parse_methods(config.methods)
    for option, named in (("--method-seeds", config.method_seeds), ("--method-factors", config.method_factors)):
        unknown = sorted(set(named) - {m.name for m in methods})
        if unknown:
            raise Sim2ActError(f"{option} names {', '.join(unknown)}, not among the bench's methods ({config.methods})")
    folder = ResultsFolder(out, NAME)
    work = Path(out) / WORK
    setting = config.setting
    curves: dict[str, list[Curve]] = {}
    ordered = sorted(methods, key=lambda m: m.name != "sim2act")
    sim2act_needed = None
    for method in ordered:
        if method.learns_from_reward and sim2act_needed is not None:
            # RL trains until it reaches the target or spends rl_factor x Sim2Act's simulator steps.
            setting = replace(setting, rl_steps=rl_budget(config, method.name, sim2act_needed), rl_stop_at=config.target)
        seeds = config.method_seeds.get(method.name, config.seeds)
        curves[method.name] = [method.run(setting, seed, work, progress).curve for seed in range(seeds)]
        if method.name == "sim2act":
            sim2act_needed = steps_needed(curves["sim2act"], config.target)
    results = _results(config, curves, sim2act_needed)
    folder.path.mkdir(parents=True, exist_ok=True)
    plot_success_curves(curves, config.target, folder.path / PLOT,
                        f"{setting.level}: {setting.split} success against simulator steps")
    folder.write(results, _markdown(results))
    return results


def rl_budget(config: SampleEfficiencyConfig, method: str, sim2act_needed: int) -> int:
    """An RL method's env-step budget: its factor (``method_factors``, else ``rl_factor``) times Sim2Act's steps.

    >>> config = SampleEfficiencyConfig(method_factors={"sac": 1.0})
    >>> rl_budget(config, "ppo", 46_296), rl_budget(config, "sac", 46_296)
    (462960, 46296)
    """
    return scaled_budget(config.method_factors.get(method, config.rl_factor), sim2act_needed)


def log_marks(largest: int, count: int) -> list[int]:
    """``count`` log-spaced step marks ending at ``largest``.

    >>> log_marks(100_000, 3)
    [1000, 10000, 100000]
    """
    if count <= 1:
        return [largest]
    first = max(largest / 100, 1)
    return sorted({round(first * (largest / first) ** (i / (count - 1))) for i in range(count)})


def mark_labels(marks: list[int]) -> list[str]:
    """Column labels of the step marks: thousands to one decimal, exact counts where two would read the same.

    >>> mark_labels([1_000, 131_760, 131_820])
    ['1.0K', '131,760', '131,820']
    """
    short = [steps(m) for m in marks]
    return [f"{m:,}" if short.count(label) > 1 else label for m, label in zip(marks, short, strict=True)]


def _results(config: SampleEfficiencyConfig, curves: dict[str, list[Curve]], sim2act_needed: int | None) -> dict[str, Any]:
    largest = max(c.spent for runs in curves.values() for c in runs)
    marks = sorted(set(log_marks(largest, config.marks)) | {c.spent for c in curves.get("sim2act", [])})
    methods = {}
    for name, runs in curves.items():
        reach = steps_to_target(runs, config.target)
        methods[name] = {
            "steps_to_target": reach,
            "success_at_marks": [None if v is None else {"mean": v[0], "std": v[1]} for v in aggregate_at(runs, marks)],
            "extra_counts": _mean_counts(runs),
            "final": [c.final for c in runs],
            "curves": [asdict(c) for c in runs],
        }
    at_sim2act_spend = {}
    if "sim2act" in curves:
        spend = max(c.spent for c in curves["sim2act"])
        at_sim2act_spend = {"simulator_steps": spend, "nearest": {name: _nearest(runs, spend) for name, runs in curves.items()}}
    return {
        "config": asdict(config),
        "marks": marks,
        "at_sim2act_spend": at_sim2act_spend,
        "target": config.target,
        "methods": methods,
        "ratios": _ratios(methods),
        "sim2act_steps_needed": sim2act_needed,
        "published": get_domain(config.setting.domain).levels.published.get(config.setting.level),
    }


def _mean_counts(runs: list[Curve]) -> dict[str, float]:
    keys = sorted({k for c in runs for k in c.extra_counts})
    return {k: sum(c.extra_counts.get(k, 0) for c in runs) / len(runs) for k in keys}


def _ratios(methods: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each method's steps to target ÷ Sim2Act's; a lower bound when the method never got there."""
    ours = methods.get("sim2act", {}).get("steps_to_target", {})
    if not ours or ours["reached"] < ours["seeds"]:
        return {}
    ratios = {}
    for name, m in methods.items():
        theirs = m["steps_to_target"]
        if name == "sim2act":
            continue
        if theirs["reached"] == theirs["seeds"]:
            ratios[name] = {"ratio": theirs["mean"] / ours["mean"], "lower_bound": False}
        else:
            ratios[name] = {"ratio": theirs["lower_bound"] / ours["mean"], "lower_bound": True,
                            "best_success": theirs["best_success"]}
    return ratios


def _markdown(results: dict[str, Any]) -> str:
    config, target = results["config"], results["target"]
    setting = config["setting"]
    lines = [
        f"# Sample efficiency: {setting['level']}, `{setting['split']}`",
        "",
        f"Seeds per method: {', '.join(f'{name} {len(m[CURVES])}' for name, m in results['methods'].items())}; "
        f"{setting['eval_episodes']} evaluation episodes per point. "
        f"Simulator steps count every call of the simulator a method made to learn: for Sim2Act its executed env "
        f"steps, π0's preview steps and the env steps that collected the prior's pretraining frames (broken down "
        f"in the last column), and the same for RLFP, which acts with π0's priors; for RL from scratch and expert BC "
        f"their executed steps (the bot plans on privileged state). "
        f"Evaluation roll-outs are not counted. Target: {100 * target:.0f}%.",
        "",
        "## Simulator steps to the target",
        "",
    ]
    rows = []
    for name, m in results["methods"].items():
        reach = m["steps_to_target"]
        if reach["reached"] == reach["seeds"] and reach.get("interval"):
            low, high = reach["interval"]
            to_target = f"{steps(reach['mean'])} (95% CI {steps(max(0, low))}–{steps(high)}, {reach['seeds']} seeds)"
        elif reach["reached"] == reach["seeds"]:
            to_target = f"{steps(reach['mean'])} ({reach['seeds']} seed)"
        else:
            to_target = f"not reached by {reach['seeds'] - reach['reached']} seed(s) (> {steps(reach['lower_bound'])})"
        finals = [f for f in m["final"] if f]
        rows.append([
            name,
            to_target,
            percent(reach["best_success"]),
            percent(mean(f["success_rate"] for f in finals)),
            number(mean(f["mean_reward"] for f in finals), "{:.2f}"),
            number(mean(f["mean_steps_to_success"] for f in finals)),
            number(mean(f["diversity"]["entropy_3gram"] for f in finals), "{:.2f}"),
            ", ".join(f"{k.replace('_', ' ')} {v:,.0f}" for k, v in m["extra_counts"].items()) or "–",
        ])
    header = ["method", "simulator steps to target", "best success %", "final success %", "mean reward",
              "steps to success", "H3 (bits)", "made of"]
    lines += [markdown_table(header, rows), ""]
    for name, r in results["ratios"].items():
        bound = "≥ " if r["lower_bound"] else ""
        tail = f" (it did not reach the target; best success {percent(r['best_success'])}%)" if r["lower_bound"] else ""
        lines.append(f"- {name} needed {bound}{r['ratio']:.1f}× Sim2Act's simulator steps{tail}.")
    if not results["ratios"] and "sim2act" in results["methods"]:
        lines.append(f"- No ratio: Sim2Act did not reach {100 * target:.0f}% (with every seed).")
    spend = results.get("at_sim2act_spend")
    if spend:
        said = ", ".join(f"{name} {percent(v['success'])}% at {steps(v['simulator_steps'])}" for name, v in spend["nearest"].items())
        lines.append(f"- Nearest measurements to Sim2Act's spend ({steps(spend['simulator_steps'])} simulator steps, "
                     f"first seed): {said}.")
    lines += ["", "## Held-out success (%) at fixed simulator-step marks (mean ± std over seeds)", "",
              "A method's value holds from one measurement to the next; – before its first and after its last.", ""]
    header = ["method"] + mark_labels(results["marks"])
    rows = [[name] + [percent(v["mean"], v["std"]) if v else "–" for v in m["success_at_marks"]]
            for name, m in results["methods"].items()]
    lines += [markdown_table(header, rows), "", f"![success against simulator steps]({PLOT})", ""]
    if results["published"]:
        lines += [f"Published reference: {results['published']}", ""]
    return "\n".join(lines)


def _nearest(runs: list[Curve], spend: int) -> dict[str, float]:
    """The first seed's measurement nearest to ``spend`` simulator steps."""
    point = min(runs[0].points, key=lambda p: abs(p.steps - spend))
    return {"simulator_steps": point.steps, "success": point.success}
