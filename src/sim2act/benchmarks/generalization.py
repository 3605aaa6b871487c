"""``sim2act bench generalization``: one trained policy per method, measured on ever further tasks.

Train instructions (train split), held-out layouts (``test_unseen_layout``), held-out colour–object
compositions (``test_unseen_composition``), and the domain's variants of the level it never trained on
(``Levels.variants``; on the grid, BabyAI's levels with fewer distractors, smaller rooms, a 3×3 maze), on
unseen layouts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from sim2act.benchmarks.methods import parse_methods
from sim2act.benchmarks.plots import plot_bars
from sim2act.benchmarks.results import WORK, ResultsFolder, markdown_table, mean, number, percent
from sim2act.benchmarks.setting import MethodSetting, quick_setting
from sim2act.envs import get_domain
from sim2act.errors import Sim2ActError
from sim2act.evaluation import evaluate_proposer
from sim2act.loop.progress import LoopProgress

NAME = "generalization"
PLOT = "generalization.png"
SPLITS = ("train", "test_unseen_layout", "test_unseen_composition")
VARIANT_SPLIT = "test_unseen_layout"


@dataclass(frozen=True)
class GeneralizationConfig:
    """Which methods, which seeds and which level variants."""

    methods: str = "sim2act,bc-expert"
    """Comma-separated registered methods (``ppo`` too, at ``setting.rl_steps``)."""
    seeds: int = 1
    """Seeds per method; figures are means over them."""
    variants: tuple[str, ...] | None = None
    """Levels the policy never trained on, measured on unseen layouts (None: the domain's variants of the level)."""
    episodes: int = 300
    """Evaluation episodes per split and per variant."""
    setting: MethodSetting = field(default_factory=MethodSetting)
    """Task, held-out split and each method's budget."""

    @classmethod
    def quick(cls, **overrides) -> GeneralizationConfig:
        setting = quick_setting().resolved()
        variants = get_domain(setting.domain).levels.variants(setting.level)[1:2]
        return cls(**{"variants": variants, "episodes": 8, "setting": setting, **overrides})


def run_generalization(config: GeneralizationConfig, out: str | Path, progress: LoopProgress | None = None) -> dict[str, Any]:
    """Train (or reuse) each method's runs, evaluate them everywhere, write ``out/generalization``."""
    config = replace(config, setting=config.setting.resolved())
    progress = progress or LoopProgress()
    if config.seeds < 1 or config.episodes < 1:
        raise Sim2ActError("need seeds >= 1 and episodes >= 1")
    domain = get_domain(config.setting.domain)
    chosen = domain.levels.variants(config.setting.level) if config.variants is None else config.variants
    variants = [domain.resolve_level(v) for v in chosen]
    columns = [(config.setting.level, s) for s in SPLITS] + [(v, VARIANT_SPLIT) for v in variants]
    table: dict[str, dict[str, list[dict]]] = {}
    for method in parse_methods(config.methods):
        for seed in range(config.seeds):
            run = method.run(config.setting, seed, Path(out) / WORK, progress)
            for level, split in columns:
                with progress.bar(f"{method.name} seed {seed}: {level} {split}") as bar:
                    report, _ = evaluate_proposer(run.make_proposer(), domain.name, [level], split, config.episodes,
                                                  seed=seed, progress=bar, label=run.artifact,
                                                  env_options=config.setting.env)
                table.setdefault(method.name, {}).setdefault(_column(level, split), []).append(asdict(report.overall))
    results = {"config": asdict(config), "columns": [_column(l, s) for l, s in columns], "methods": table}
    folder = ResultsFolder(out, NAME)
    folder.path.mkdir(parents=True, exist_ok=True)
    plot_generalization(results, folder.path / PLOT)
    folder.write(results, _markdown(results))
    return results


def plot_generalization(results: dict[str, Any], path: Path) -> Path:
    """Bars of mean success per column and method, the first seed's 95% interval as error bars."""
    table, columns = results["methods"], results["columns"]
    groups = {col: {m: _mean_success(cells[col]) for m, cells in table.items()} for col in columns}
    intervals = {col: {m: (cells[col][0]["ci_low"], cells[col][0]["ci_high"]) for m, cells in table.items()} for col in columns}
    level = results["config"]["setting"]["level"]
    return plot_bars(groups, path, f"Trained on {level}: success by split and level variant", intervals=intervals)


def _column(level: str, split: str) -> str:
    return f"{level} · {split}"


def _mean_success(cells: list[dict]) -> float | None:
    return mean(c["success_rate"] for c in cells)


def _markdown(results: dict[str, Any]) -> str:
    config = results["config"]
    lines = [
        f"# Generalization: trained on {config['setting']['level']}",
        "",
        f"Success % (95% interval of the first seed) over {config['episodes']} episodes per cell, "
        f"{config['seeds']} seed(s). Level variants are measured on unseen layouts; the policy never trained on them.",
        "",
    ]
    rows = []
    for column in results["columns"]:
        row = [column]
        for cells in results["methods"].values():
            first = cells[column][0]
            row.append(f"{percent(_mean_success(cells[column]))} ({percent(first['ci_low'])}–{percent(first['ci_high'])})")
        rows.append(row)
    lines += [markdown_table(["level · split", *results["methods"]], rows), ""]
    rows = []
    for method, cells in results["methods"].items():
        for column in results["columns"]:
            c = cells[column][0]
            rows.append([method, column, f"{c['mean_reward']:.2f}", number(c["mean_steps_to_success"]),
                         f"{c['diversity']['entropy_3gram']:.2f}"])
    lines += ["## Reward, completion time and behavioural diversity (first seed)", "",
              markdown_table(["method", "level · split", "mean reward", "steps to success", "H3 (bits)"], rows), "",
              f"![success by split]({PLOT})", ""]
    return "\n".join(lines)
