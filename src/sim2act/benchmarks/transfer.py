"""``sim2act bench transfer``: policies trained in one simulator, measured in the domain's twin (another simulator).

For each level, Sim2Act trains in the domain's own simulator, without and with domain randomisation
(``randomize``); its policy is then evaluated on the same split and seeds in its own simulator and,
zero-shot, in the twin (``Domain.twin``: on the tabletop, PyBullet in place of MuJoCo); the gap is the
difference in points. Then a few-shot round in the twin (``benchmarks.few_shot``: N self-collected twin
episodes, labelled by the twin's verifier, π_θ fine-tuned from its weights; no expert, no reward), the
stand-in for time on a real robot, and the twin is measured again. Twin episodes and steps are reported.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from sim2act.benchmarks.few_shot import FewShotConfig, adapt, describe_collector, describe_rounds
from sim2act.benchmarks.measured import cell_path, measured_success
from sim2act.benchmarks.methods import get_method
from sim2act.benchmarks.plots import plot_bars
from sim2act.benchmarks.results import WORK, ResultsFolder, markdown_table, with_interval
from sim2act.benchmarks.setting import MethodSetting, quick_loop, quick_setting
from sim2act.envs import get_domain
from sim2act.envs.registry import domains
from sim2act.errors import Sim2ActError
from sim2act.loop import load_loop_config
from sim2act.loop.config import default_config_name
from sim2act.loop.progress import LoopProgress

NAME = "transfer"
PLOT = "transfer.png"


@dataclass(frozen=True)
class TransferConfig:
    """Which levels, with and without randomisation, how many twin episodes to adapt on."""

    levels: tuple[str, ...] | None = None
    """Levels Sim2Act trains on (None: the domain's default level)."""
    randomize: tuple[bool, ...] = (False, True)
    """Train without and/or with per-episode domain randomisation (the env option ``randomize``)."""
    eval_split: str = "test_unseen_layout"
    """Split of every measurement (layouts never trained on, in both simulators)."""
    episodes: int = 200
    """Evaluation episodes per measurement."""
    seeds: int = 1
    """Seeds per level and randomisation; figures are means over them."""
    few_shot: FewShotConfig = field(default_factory=lambda: FewShotConfig(episodes=(50,)))
    """The adaptation round in the twin (``few_shot.episodes``: its budgets of twin episodes; empty: zero-shot only)."""
    setting: MethodSetting = field(default_factory=MethodSetting)
    """The domain, its loop and its env options (the level is set per level)."""

    @classmethod
    def quick(cls, **overrides) -> TransferConfig:
        domain = next(d.name for d in domains() if d.twin is not None)
        setting = quick_setting(domain=domain, loop=quick_loop(load_loop_config(default_config_name(domain))))
        few_shot = FewShotConfig(episodes=(4,), train_steps=5, batch_size=32)
        return cls(**{"randomize": (False,), "episodes": 6, "few_shot": few_shot, "setting": setting, **overrides})


def run_transfer(config: TransferConfig, out: str | Path, progress: LoopProgress | None = None) -> dict[str, Any]:
    """Train (or reuse) Sim2Act per level and randomisation, measure it in both simulators, write ``out/transfer``."""
    config = replace(config, setting=config.setting.resolved())
    progress = progress or LoopProgress()
    domain = get_domain(config.setting.domain)
    if domain.twin is None:
        twins = ", ".join(d.name for d in domains() if d.twin is not None) or "none"
        raise Sim2ActError(f"domain {domain.name!r} has no twin simulator to transfer to; domains with one: {twins}")
    if config.seeds < 1 or config.episodes < 1 or not config.randomize:
        raise Sim2ActError("need seeds >= 1, episodes >= 1 and at least one randomize setting")
    method, work = get_method("sim2act"), Path(out) / WORK
    rows = []
    for level in (domain.resolve_level(level) for level in (config.levels or (None,))):
        for randomize in config.randomize:
            env = {**config.setting.env, "randomize": True} if randomize else dict(config.setting.env)
            setting = replace(config.setting, level=level, env=env)
            twin = {**setting.env, **domain.twin, "randomize": False}
            home = {**setting.env, "randomize": False}
            for seed in range(config.seeds):
                run = method.run(setting, seed, work, progress)
                row = {"level": level, "randomize": randomize, "seed": seed, "simulator_steps": run.curve.spent,
                       "home": _measure(run.make_proposer, run, domain.name, level, config, seed, home, progress,
                                        "own simulator", "home"),
                       "twin": _measure(run.make_proposer, run, domain.name, level, config, seed, twin, progress, "twin",
                                        "twin"),
                       "few_shot": []}
                prior = method.prior_options(run, setting) if config.few_shot.proposer == "prior" else None
                for n in config.few_shot.episodes:
                    folder = run.folder / "transfer" / config.few_shot.folder_name(n)
                    with progress.bar(f"{level}{' (randomized)' if randomize else ''} seed {seed}: {n} twin episodes") as bar:
                        adapted = adapt(run.artifact, domain.name, level, n, seed, folder, config.few_shot, env=twin,
                                        progress=bar, prior=prior)
                    acting = partial(method.proposer_for, adapted.checkpoint)
                    row["few_shot"].append({"episodes": n, "twin_steps": adapted.simulator_steps,
                                            "twin": _measure(acting, run, domain.name, level, config, seed, twin, progress,
                                                             f"twin after {n} twin episodes", f"twin {folder.name}")})
                rows.append(row)
    results = {"config": asdict(config), "twin": dict(domain.twin), "rows": rows}
    folder = ResultsFolder(out, NAME)
    folder.path.mkdir(parents=True, exist_ok=True)
    plot_transfer(results, folder.path / PLOT)
    folder.write(results, _markdown(results))
    return results


def _measure(acting, run, domain: str, level: str, config: TransferConfig, seed: int, env: dict, progress, where: str,
             key: str) -> dict:
    """``acting()``'s success where ``env`` says, read back from the run folder's cell ``key`` if measured before."""
    cache = cell_path(run.folder, NAME, key, config.eval_split, config.episodes, seed)
    return measured_success(cache, acting, domain, level, config.eval_split, config.episodes, seed, env, progress,
                            f"{level} seed {seed}: {where}")


def _name(row: dict) -> str:
    return f"{row['level']}{' + DR' if row['randomize'] else ''}"


def plot_transfer(results: dict[str, Any], path: Path) -> Path:
    """Bars of success in the own simulator, the twin zero-shot and the twin after each few-shot round (first seed)."""
    groups, intervals = {}, {}
    for row in (r for r in results["rows"] if r["seed"] == 0):
        cells = {"own simulator": row["home"], "twin, zero-shot": row["twin"],
                 **{f"twin, {f['episodes']} twin episodes": f["twin"] for f in row["few_shot"]}}
        groups[_name(row)] = {k: v["success_rate"] for k, v in cells.items()}
        intervals[_name(row)] = {k: (v["ci_low"], v["ci_high"]) for k, v in cells.items()}
    return plot_bars(groups, path, "Trained in the own simulator: success there and in the twin", intervals=intervals)


def _replayed(few_shot: dict) -> str:
    if not few_shot["replay"]:
        return "on the twin episodes alone"
    return f"{100 * few_shot['replay_fraction']:.0f}% of each batch replayed from the own simulator's data"


def _markdown(results: dict[str, Any]) -> str:
    config, twin = results["config"], ", ".join(f"{k}={v}" for k, v in results["twin"].items())
    rows = []
    for r in results["rows"]:
        gap = 100 * (r["home"]["success_rate"] - r["twin"]["success_rate"])
        adapted = "; ".join(
            f"{with_interval(f['twin'])} after {f['episodes']} episodes ({f['twin_steps']:,} twin steps), gap "
            f"{100 * (r['home']['success_rate'] - f['twin']['success_rate']):+.1f}" for f in r["few_shot"]) or "–"
        rows.append([r["level"], "yes" if r["randomize"] else "no", str(r["seed"]), f"{r['simulator_steps']:,}",
                     with_interval(r["home"]), with_interval(r["twin"]), f"{gap:+.1f}", adapted])
    header = ["level", "trained with DR", "seed", "simulator steps", "own simulator %", "twin zero-shot %", "gap (points)",
              "twin after few-shot %"]
    return "\n".join([
        "# Transfer to the twin simulator",
        "",
        (f"Sim2Act trained in the domain's own simulator (with domain randomisation where the row says so), evaluated "
         f"on `{config['eval_split']}`, {config['episodes']} episodes per cell, in its own simulator and in the twin ({twin}), "
         f"both without randomisation; gap = own − twin in points. Few-shot: N twin episodes collected by "
         f"{describe_collector(config['few_shot'])} in {describe_rounds(config['few_shot'])} (labels {config['few_shot']['labels']}, {config['few_shot']['train_steps']} "
         f"fine-tuning steps a round at lr {config['few_shot']['lr']:g}, "
         f"{_replayed(config['few_shot'])}; no expert, no reward), the stand-in for robot time. Success % with the 95% Wilson interval."),
        "",
        markdown_table(header, rows),
        "",
        f"![transfer]({PLOT})",
        "",
    ])
