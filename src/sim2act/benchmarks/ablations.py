"""``sim2act bench ablations``: the Sim2Act loop (or a baseline, ``--method``) with one part changed at a time.

λ = 0 (no contrastive term), a single pass (no iteration), α ∈ {0.8, 0.9, 1.0}, round 0 collected by a
uniform proposer instead of the vision-language prior, labels success vs hindsight vs both, and the
vision encoder: where the domain's frames are a grid of cells (a ``factored`` stem), the entangled ``patch``
stem instead; elsewhere the ``clip`` backend with π0's towers instead of the small encoder. Every
variant shares the full configuration's pretrained prior, so only the ablated part differs.

A baseline's own ablations (``Method.ablations``: RLFP without each of its three priors, Decision Stacks
without guidance or with a short plan) run the same way; each variant's final policy is evaluated on both
held-out splits, and reward learners get ``budget``'s rule.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from sim2act.benchmarks.budget import RewardBudget, describe_budgets
from sim2act.benchmarks.measured import cell_path, measured_success
from sim2act.benchmarks.methods import get_method
from sim2act.benchmarks.methods.sim2act_loop import final_evaluation
from sim2act.benchmarks.plots import plot_bars
from sim2act.benchmarks.results import WORK, ResultsFolder, markdown_table, number, steps, with_interval
from sim2act.benchmarks.setting import MethodSetting, quick_setting
from sim2act.envs import get_domain
from sim2act.errors import Sim2ActError
from sim2act.loop import LoopConfig
from sim2act.loop.progress import LoopProgress
from sim2act.loop.rounds import HELD_OUT_SPLITS

NAME = "ablations"
PLOT = "ablations.png"
FULL = "full (λ 0.5, α 0.9, π0 prior, labels both, iterated, factored stem)"
FULL_PATCH = "full (λ 0.5, α 0.9, π0 prior, labels both, iterated, small encoder)"


def variants(loop: LoopConfig, stem: str = "factored") -> dict[str, LoopConfig]:
    """The full loop and its ablations, by name (the full one first); ``stem``: the domain's default vision stem."""
    if stem == "factored":
        encoder = {"stem = patch (colour and form entangled)": replace(loop, policy=replace(loop.policy, vision_stem="patch"))}
    else:
        encoder = {"encoder = clip (π0's towers, fine-tuned)": replace(loop, policy=replace(loop.policy, encoder="clip"))}
    return {
        FULL if stem == "factored" else FULL_PATCH: loop,
        "λ = 0 (no contrastive term)": replace(loop, train={**loop.train, "contrastive_weight": 0.0}),
        "single pass (round 0 only)": replace(loop, rounds=1),
        "α = 0.8": replace(loop, alpha=0.8),
        "α = 1.0": replace(loop, alpha=1.0),
        "π0 = uniform": replace(loop, round0_proposer="uniform"),
        "labels = success": replace(loop, labels="success"),
        "labels = hindsight": replace(loop, labels="hindsight"),
        **encoder,
    }


@dataclass(frozen=True)
class AblationsConfig:
    """Which method, which seeds and which loop."""

    method: str = "sim2act"
    """The method whose parts are ablated: ``sim2act`` (the loop's), or a baseline with its own (``rlfp``,
    ``rlfp-factored``, ``decision-stacks``)."""
    seeds: int = 1
    """Seeds per variant."""
    episodes: int = 300
    """A baseline variant's evaluation episodes per held-out split (the loop's variants: its ``final_episodes``)."""
    budget: RewardBudget = field(default_factory=RewardBudget)
    """Budget of a baseline that learns from reward (sample-efficiency's rule with ``budget.rl_factor``)."""
    only: tuple[str, ...] = ()
    """Run only the variants whose names start with one of these (empty: all)."""
    setting: MethodSetting = field(default_factory=MethodSetting)
    """The full loop (``setting.loop``) and the task."""

    @classmethod
    def quick(cls, **overrides) -> AblationsConfig:
        return cls(**{"only": ("full", "λ", "π0"), "setting": quick_setting(), **overrides})


def run_ablations(config: AblationsConfig, out: str | Path, progress: LoopProgress | None = None) -> dict[str, Any]:
    """Run every variant's loop (sharing the full run's prior), write ``out/ablations``."""
    config = replace(config, setting=config.setting.resolved())
    progress = progress or LoopProgress()
    if config.seeds < 1 or config.episodes < 1:
        raise Sim2ActError(f"need seeds >= 1 and episodes >= 1, got {config.seeds} and {config.episodes}")
    if config.method != "sim2act":
        return _run_baseline_ablations(config, out, progress)
    method = get_method("sim2act")
    work = Path(out) / WORK
    table = variants(config.setting.loop, get_domain(config.setting.domain).vision(config.setting.env).stem)
    full_name = next(iter(table))
    chosen = {n: v for n, v in table.items() if n == full_name or _chosen(n, config.only)}
    rows = []
    for seed in range(config.seeds):
        full = method.run(config.setting, seed, work, progress)
        prior = config.setting.loop.prior or str(method.loop_folder(work, config.setting, seed).prior)
        for name, loop in chosen.items():
            if name != full_name:
                loop = replace(loop, prior=prior)
            setting = replace(config.setting, loop=loop)
            run = full if name == full_name else method.run(setting, seed, work, progress)
            folder = method.loop_folder(work, setting, seed)
            final = {s: final_evaluation(folder, s) for s in HELD_OUT_SPLITS}
            rows.append({
                "variant": name, "seed": seed, "simulator_steps": run.curve.spent,
                "rounds": len(run.curve.points), "curve": [asdict(p) for p in run.curve.points],
                "final": final, "extra_counts": run.curve.extra_counts,
            })
    results = {"config": asdict(config), "rows": rows}
    folder = ResultsFolder(out, NAME)
    folder.path.mkdir(parents=True, exist_ok=True)
    plot_ablations(results, folder.path / PLOT)
    folder.write(results, _markdown(results))
    return results


def _run_baseline_ablations(config: AblationsConfig, out: str | Path, progress: LoopProgress) -> dict[str, Any]:
    method = get_method(config.method)
    work = Path(out) / WORK
    setting = config.budget.settings(config.setting, [method], config.seeds, work, progress)[method.name]
    table = method.ablations(setting)
    if not table:
        raise Sim2ActError(f"method {method.name!r} has no ablations; ablate sim2act, or a baseline that has them")
    full_name = next(iter(table))
    rows = []
    for seed in range(config.seeds):
        for name, variant in table.items():
            if name != full_name and not _chosen(name, config.only):
                continue
            run = method.run(variant, seed, work, progress)
            final = {}
            for split in HELD_OUT_SPLITS:
                cache = cell_path(run.folder, NAME, split, config.episodes, seed)
                final[split] = measured_success(cache, run.make_proposer, variant.domain, variant.level, split,
                                                config.episodes, seed, variant.env, progress,
                                                f"{name}, seed {seed}: {split}", label=run.artifact)
            rows.append({"variant": name, "seed": seed, "simulator_steps": run.curve.spent, "rounds": None,
                         "curve": [asdict(p) for p in run.curve.points], "final": final, "extra_counts": run.curve.extra_counts})
    budgets = {method.name: setting.rl_steps} if method.learns_from_reward else {}
    results = {"config": asdict(config), "rows": rows, "rl_budgets": budgets}
    folder = ResultsFolder(out, NAME)
    folder.path.mkdir(parents=True, exist_ok=True)
    plot_ablations(results, folder.path / PLOT)
    folder.write(results, _markdown(results))
    return results


def plot_ablations(results: dict[str, Any], path: Path) -> Path:
    """Bars of the first seed's final success per variant and held-out split, with 95% intervals."""
    finals = {r["variant"].split(" (")[0]: r["final"] for r in results["rows"] if r["seed"] == 0}
    groups = {variant: {s: final[s]["success_rate"] for s in HELD_OUT_SPLITS} for variant, final in finals.items()}
    intervals = {variant: {s: (final[s]["ci_low"], final[s]["ci_high"]) for s in HELD_OUT_SPLITS} for variant, final in finals.items()}
    level, method = results["config"]["setting"]["level"], results["config"]["method"]
    whose = "" if method == "sim2act" else f" of {method}"
    return plot_bars(groups, path, f"Ablations{whose} on {level}: final held-out success", intervals=intervals)


def _chosen(name: str, only: tuple[str, ...]) -> bool:
    return not only or any(name.startswith(prefix) for prefix in only)


def _markdown(results: dict[str, Any]) -> str:
    header = ["variant", "seed", "rounds", "simulator steps", "executed", "preview steps", "unseen composition %",
              "unseen layout %", "steps to success", "H3 (bits)"]
    rows = []
    for r in results["rows"]:
        comp, layout = (r["final"][s] for s in HELD_OUT_SPLITS)
        rows.append([
            r["variant"], str(r["seed"]), "–" if r["rounds"] is None else str(r["rounds"]), steps(r["simulator_steps"]),
            steps(r["extra_counts"].get("executed_steps", 0)), steps(r["extra_counts"].get("preview_steps", 0)),
            with_interval(comp),
            with_interval(layout),
            number(comp["mean_steps_to_success"]),
            f"{comp['diversity']['entropy_3gram']:.2f}",
        ])
    method = results["config"].get("method", "sim2act")
    if method == "sim2act":
        intro = ["# Ablations of the Sim2Act loop", "",
                 "Final evaluation of each variant's best round (by validation success) on both held-out splits.",
                 "Variants share the full run's pretrained prior, and each is charged the env steps that collected its frames:",
                 "simulator steps = executed + preview + the prior's steps."]
    else:
        intro = [f"# Ablations of {method}", "",
                 (f"Each variant's final policy on both held-out splits, {results['config']['episodes']} episodes each; "
                  "simulator steps = executed + preview + the prior's steps of the variant's own run.")]
        if results.get("rl_budgets"):
            intro += ["", describe_budgets(results["config"]["budget"], results["rl_budgets"])]
    return "\n".join([
        *intro,
        "",
        markdown_table(header, rows),
        "",
        f"![ablations]({PLOT})",
        "",
    ])
