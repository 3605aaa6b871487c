"""``build_release``: the released corpus, built (or resumed) top to bottom.

    for each part (one domain):
        run (or resume) the Sim2Act loop of its loop config: π0 pretrained, π_θ trained, no expert
        for each level: roll out ``episodes`` with α·π_θ + (1 − α)·Uniform, labelled by the simulator
                        (resumable shards), then export it (LeRobot v3.0, Minari) and write its card
    write the corpus card (README.md) with every level's statistics, sizes and build times

Each step is idempotent and recorded in ``release.json`` as it finishes, so a killed release run again with the same
config continues where it stopped: the loop and the generations resume their own shards, exports are redone
whole (each is written under a temporary name or removed first).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim2act.data.atomic import atomic_write_text
from sim2act.data.export import export_dataset
from sim2act.data.hub_card import write_hub_card
from sim2act.envs import get_domain
from sim2act.errors import Sim2ActError
from sim2act.loop.config import LoopConfig
from sim2act.loop.ledger import Ledger
from sim2act.loop.progress import LoopProgress
from sim2act.loop.report import write_report
from sim2act.loop.rounds import LoopFolder, run_loop
from sim2act.release.card import write_release_card
from sim2act.release.config import ReleaseConfig, ReleasePart
from sim2act.release.folder import ReleaseFolder
from sim2act.release.spent import SpentTime
from sim2act.rollout.generation import GenerateConfig, generate


def build_release(config: ReleaseConfig, out: str | Path, progress: LoopProgress | None = None) -> dict[str, Any]:
    """Build (or resume) the release of ``config`` in ``out``; return its record (also ``out/release.json``)."""
    config = config.validated()
    progress = progress or LoopProgress()
    folder = ReleaseFolder(Path(out))
    state = _open_state(folder, config)
    for part in config.parts:
        loop_config = config.loop_config(part)
        progress.stage(f"{part.domain}: the loop that trains its proposers ({part.loop}){_eta(state, config)}")
        ledger = run_loop(loop_config, folder.loop(part.domain), progress)
        state["loops"][part.domain] = _loop_record(ledger, folder.loop(part.domain), folder.root)
        write_report(ledger, LoopFolder(folder.loop(part.domain)), seconds=state["loops"][part.domain]["seconds"])
        _save(folder, state)
        checkpoint = ledger.rounds[ledger.best_round].checkpoint
        for level in part.levels:
            _build_level(folder, state, config, part, loop_config, level, checkpoint, progress)
    write_release_card(folder, state)
    progress.stage(f"release card: {folder.root / 'README.md'}")
    return state


def _build_level(folder: ReleaseFolder, state: dict, config: ReleaseConfig, part: ReleasePart,
                 loop: LoopConfig, level: str, checkpoint: str, progress: LoopProgress) -> None:
    key = f"{part.domain}/{level}"
    record = state["levels"].setdefault(key, {"domain": part.domain, "level": level, "seconds": {}, "exports": {}})
    generation = level_generation(config, part, loop, level, checkpoint)
    dataset = folder.dataset(part.domain, level)
    progress.stage(f"{key}: {part.episodes_of(level):,} episodes, α·π_θ + (1 − α)·Uniform with α = {generation.alpha:g}, "
                   f"labels {generation.labels}{_eta(state, config)}")
    def save() -> None:
        _save(folder, state)

    with progress.bar(key) as bar:
        clock = SpentTime(bar, record["seconds"], "generate", save)
        summary = generate(generation, dataset, progress=clock)
        clock.flush()
    record["counts"] = summary.dataset
    save()
    for format in config.formats:
        if format in record["exports"]:
            continue
        with progress.bar(f"{key} as {format}") as bar:
            clock = SpentTime(bar, record["seconds"], format, save)
            info = export_dataset(dataset, folder.export(part.domain, level, format), format, overwrite=True,
                                  progress=clock)
            clock.flush()
        target = folder.minari / info["dataset_id"] if format == "minari" else folder.export(part.domain, level, format)
        record["exports"][format] = {"path": str(target.relative_to(folder.root)), "bytes": folder_bytes(target),
                                     **({"dataset_id": info["dataset_id"]} if "dataset_id" in info else {})}
        _save(folder, state)
    write_hub_card(dataset, exports={f: folder.export(part.domain, level, f) for f in config.formats})
    record["bytes"] = folder_bytes(dataset)
    _save(folder, state)


def level_generation(config: ReleaseConfig, part: ReleasePart, loop: LoopConfig, level: str,
                     checkpoint: str) -> GenerateConfig:
    """How ``level`` of ``part`` is rolled out: the loop's π_θ mixed with uniform, its env options and labels."""
    erase = loop.erase_loops if part.erase_loops is None else part.erase_loops
    return GenerateConfig(
        domain=part.domain, level=level, split="train", episodes=part.episodes_of(level), proposer="policy",
        policy=checkpoint, alpha=loop.alpha if part.alpha is None else part.alpha, seed=config.seed,
        num_envs=part.num_envs, shard_episodes=part.shard_episodes, labels=part.labels,
        erase_loops=erase and bool(get_domain(part.domain).exact_state_keys), env=dict(loop.env),
    ).validated()


def folder_bytes(path: Path) -> int:
    """Bytes of every file under ``path``."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def _loop_record(ledger: Ledger, loop: Path, root: Path) -> dict[str, Any]:
    seconds = float(ledger.prior.get("seconds", 0.0)) + sum(
        (r.collection.seconds if r.collection else 0.0) + r.train_seconds + r.eval_seconds for r in ledger.rounds)
    return {
        "path": str(loop.relative_to(root)), "best_round": ledger.best_round,
        "checkpoint": ledger.rounds[ledger.best_round].checkpoint, "simulator_steps": ledger.simulator_steps,
        "kept_steps": sum(r.collection.kept_steps for r in ledger.rounds if r.collection),
        "final": {split: vars(held) for split, held in ledger.final.items()}, "seconds": seconds,
    }


def _eta(state: dict, config: ReleaseConfig) -> str:
    """`` (levels left: about N min ...)``: each domain's levels left × that domain's seconds per episode so far.

    Domains differ many times over in seconds per episode (a grid step against a rendered MuJoCo one), so a domain
    none of whose levels is done yet is named as untimed instead of being guessed from another's rate.
    """
    minutes, untimed = 0.0, []
    for part in config.parts:
        levels = [state["levels"].get(f"{part.domain}/{level}", {}) for level in part.levels]
        done = [r for r in levels if r.get("bytes") and r["seconds"].get("generate")]
        left = sum(part.episodes_of(level) for level, r in zip(part.levels, levels, strict=True) if not r.get("bytes"))
        if not left:
            continue
        if not done:
            untimed.append(part.domain)
            continue
        per_episode = sum(sum(r["seconds"].values()) for r in done) / sum(r["counts"]["rollouts"] for r in done)
        minutes += per_episode * left / 60
    if not minutes and not untimed:
        return ""
    parts = [f"about {minutes:,.0f} min at each domain's rate so far" if minutes >= 1 else
             "under a minute at each domain's rate so far"] if minutes else []
    parts += [f"{', '.join(untimed)} not yet timed"] if untimed else []
    return f" (levels left: {', plus '.join(parts)})"


def _open_state(folder: ReleaseFolder, config: ReleaseConfig) -> dict[str, Any]:
    wanted = config.to_json()
    if folder.state.exists():
        try:
            state = json.loads(folder.state.read_text(encoding="utf-8"))
        except ValueError as error:
            raise Sim2ActError(f"corrupt release record {folder.state}: {error}") from None
        if state.get("config") != wanted:
            raise Sim2ActError(f"{folder.root} holds a release of another config: pick another --out, or build that "
                               f"config (its record: {folder.state})")
        return state
    if folder.root.exists() and any(folder.root.iterdir()):
        raise Sim2ActError(f"--out {folder.root} is not empty and holds no release: pick another folder")
    state = {"config": wanted, "loops": {}, "levels": {}}
    _save(folder, state)
    return state


def _save(folder: ReleaseFolder, state: dict[str, Any]) -> None:
    folder.root.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder.state, json.dumps(state, indent=2) + "\n")
