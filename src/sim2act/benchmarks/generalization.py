"""``sim2act bench generalization``: one trained policy per method, measured on ever further tasks.

Train instructions (train split), held-out layouts (``test_unseen_layout``), held-out colour–object
compositions (``test_unseen_composition``), and the domain's variants of the level it never trained on
(``Levels.variants``; on the grid, BabyAI's levels with fewer distractors, smaller rooms, a 3×3 maze), on
unseen layouts: zero-shot, and few-shot after one short Sim2Act round of N self-collected episodes on the
variant (``benchmarks.few_shot``; methods whose policy such a round can fine-tune), its simulator steps
beside the figure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from sim2act.benchmarks.budget import RewardBudget, describe_budgets
from sim2act.benchmarks.few_shot import FewShotConfig, adapt, describe_collector, describe_rounds
from sim2act.benchmarks.measured import cell_path, measured_success
from sim2act.benchmarks.methods import parse_methods
from sim2act.benchmarks.plots import plot_bars
from sim2act.benchmarks.results import WORK, ResultsFolder, markdown_table, mean, number, percent
from sim2act.benchmarks.setting import MethodSetting, quick_setting
from sim2act.envs import action_space, get_domain
from sim2act.errors import Sim2ActError
from sim2act.loop.progress import LoopProgress
from sim2act.proposers import make_proposer

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
    budget: RewardBudget = field(default_factory=RewardBudget)
    """Budget of the methods that learn from reward (sample-efficiency's rule with ``budget.rl_factor``)."""
    few_shot: FewShotConfig = field(default_factory=FewShotConfig)
    """Few-shot adaptation to each variant (``few_shot.episodes`` empty: zero-shot only)."""
    setting: MethodSetting = field(default_factory=MethodSetting)
    """Task, held-out split and each method's budget."""

    @classmethod
    def quick(cls, **overrides) -> GeneralizationConfig:
        setting = quick_setting().resolved()
        variants = get_domain(setting.domain).levels.variants(setting.level)[1:2]
        few_shot = FewShotConfig(episodes=(4,), train_steps=5, batch_size=32)
        return cls(**{"variants": variants, "episodes": 8, "few_shot": few_shot, "setting": setting, **overrides})


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
    spent: dict[str, dict[str, list[int]]] = {}
    methods = parse_methods(config.methods)
    settings = config.budget.settings(config.setting, methods, config.seeds, Path(out) / WORK, progress)
    budgets = {m.name: settings[m.name].rl_steps for m in methods if m.learns_from_reward}
    for method in methods:
        for seed in range(config.seeds):
            run = method.run(settings[method.name], seed, Path(out) / WORK, progress)
            # (level, split, column, how to act, row name, the cell's key in the run folder)
            measured = [(level, split, _column(level, split), run.make_proposer, method.name, _column(level, split))
                        for level, split in columns]
            prior = method.prior_options(run, config.setting)
            if prior is not None:  # π0 itself, zero-shot, as a row of its own
                measured += [(level, split, _column(level, split), _prior_acting(domain.name, level, prior, config.setting.env),
                              f"{method.name} π0", _column(level, split)) for level, split in columns]
            by_prior = config.few_shot.proposer == "prior"
            if method.adapts and (prior is not None or not by_prior):  # a π0-collected round needs the run's π0
                for level in variants:
                    for n in config.few_shot.episodes:
                        with progress.bar(f"{method.name} seed {seed}: {level} few-shot round of {n} episodes") as bar:
                            adapted = adapt(run.artifact, domain.name, level, n, seed,
                                            run.folder / "few-shot" / level / config.few_shot.folder_name(n),
                                            config.few_shot, env=config.setting.env, progress=bar, prior=prior)
                        column = _few_shot_column(level, n, by_prior)
                        spent.setdefault(method.name, {}).setdefault(column, []).append(adapted.simulator_steps)
                        acting = _acting(method, adapted.checkpoint, settings[method.name])
                        measured.append((level, VARIANT_SPLIT, column, acting, method.name,
                                         f"{level} {config.few_shot.folder_name(n)}"))
            for level, split, column, acting, name, key in measured:
                cache = cell_path(run.folder, NAME, name, key, config.episodes, seed)
                table.setdefault(name, {}).setdefault(column, []).append(
                    measured_success(cache, acting, domain.name, level, split, config.episodes, seed, config.setting.env,
                                     progress, f"{name} seed {seed}: {column}", label=run.artifact))
                _write(out, config, columns, variants, table, spent, budgets, complete=False)
    return _write(out, config, columns, variants, table, spent, budgets, complete=True)


def _write(out, config: GeneralizationConfig, columns, variants, table, spent, budgets, complete: bool) -> dict[str, Any]:
    """The results so far: rewritten after every cell, so a stopped bench shows what it measured."""
    by_prior = config.few_shot.proposer == "prior"
    few_shot_columns = [_few_shot_column(v, n, by_prior) for v in variants for n in config.few_shot.episodes]
    results = {"config": asdict(config), "columns": [_column(l, s) for l, s in columns], "few_shot_columns": few_shot_columns,
               "methods": table, "few_shot_simulator_steps": spent, "rl_budgets": budgets, "complete": complete}
    folder = ResultsFolder(out, NAME)
    folder.path.mkdir(parents=True, exist_ok=True)
    plot_generalization(results, folder.path / PLOT)
    folder.write(results, _markdown(results))
    return results


def plot_generalization(results: dict[str, Any], path: Path) -> Path:
    """Bars of mean success per column and method, the first seed's 95% interval as error bars."""
    table, columns = results["methods"], _all_columns(results)
    groups = {col: {m: _mean_success(cells[col]) for m, cells in table.items() if col in cells} for col in columns}
    intervals = {col: {m: (cells[col][0]["ci_low"], cells[col][0]["ci_high"]) for m, cells in table.items() if col in cells}
                 for col in columns}
    level = results["config"]["setting"]["level"]
    return plot_bars(groups, path, f"Trained on {level}: success by split and level variant", intervals=intervals)


def _all_columns(results: dict[str, Any]) -> list[str]:
    """Zero-shot columns, then the few-shot ones (results written before few-shot existed have none)."""
    return results["columns"] + results.get("few_shot_columns", [])


def _column(level: str, split: str) -> str:
    return f"{level} · {split}"


def _few_shot_column(level: str, episodes: int, by_prior: bool = False) -> str:
    return f"{level} · {VARIANT_SPLIT} · few-shot {episodes}{' collected by π0' if by_prior else ''}"


def _acting(method, checkpoint: str, setting: MethodSetting):
    return lambda: method.proposer_for(checkpoint, setting)


def _prior_acting(domain: str, level: str, options: dict, env: dict):
    def build():
        return make_proposer("prior", action_space(domain, level, **env), domain=domain, env_options=env, **options)

    return build


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
    if not results.get("complete", True):
        lines += [("**Partial**: the bench is still running or was stopped; – marks a cell not measured yet (the same "
                   "command resumes, reading back every measured cell)."), ""]
    spent = results.get("few_shot_simulator_steps", {})
    rows = []
    for column in _all_columns(results):
        row = [column]
        for method, cells in results["methods"].items():
            if column not in cells:
                row.append("–")
                continue
            first = cells[column][0]
            cell = f"{percent(_mean_success(cells[column]))} ({percent(first['ci_low'])}–{percent(first['ci_high'])})"
            if column in spent.get(method, {}):
                cell += f", +{mean(spent[method][column]):,.0f} simulator steps"
            row.append(cell)
        rows.append(row)
    lines += [markdown_table(["level · split", *results["methods"]], rows), ""]
    if results.get("few_shot_columns"):
        few = config["few_shot"]
        lines += [f"Few-shot: from the trained policy, N episodes on the variant's train split in {describe_rounds(few)}, "
                  f"collected by {describe_collector(few)}, labels {few['labels']} (no expert, "
                  f"no reward), {few['train_steps']} fine-tuning steps a round; the simulator steps it executed are given beside "
                  f"the figure (mean over seeds). – : the method's policy is not one a Sim2Act round fine-tunes.", ""]
    if results.get("rl_budgets"):
        lines += [describe_budgets(config.get("budget", {}), results["rl_budgets"]), ""]
    if any(method.endswith(" π0") for method in results["methods"]):
        lines += ["A method's π0 row is its run's frozen vision-language prior proposing on its own (zero-shot, as it "
                  "proposes in round 0), for comparison with the policy trained from its proposals.", ""]
    rows = []
    for method, cells in results["methods"].items():
        for column in [c for c in _all_columns(results) if c in cells]:
            c = cells[column][0]
            rows.append([method, column, f"{c['mean_reward']:.2f}", number(c["mean_steps_to_success"]),
                         f"{c['diversity']['entropy_3gram']:.2f}"])
    lines += ["## Reward, completion time and behavioural diversity (first seed)", "",
              markdown_table(["method", "level · split", "mean reward", "steps to success", "H3 (bits)"], rows), "",
              f"![success by split]({PLOT})", ""]
    return "\n".join(lines)
