"""The Sim2Act loop, top to bottom.

    π0  = the vision-language prior (pretrained on simulator-captioned frames unless given)
    round 0: collect with π0, label with the simulator (success / hindsight), train π_θ from scratch
    round r: collect with α·π_θ + (1-α)·Uniform, append, fine-tune π_θ from round r-1's weights
    after every round: validation success (stopping rule) and held-out success (the curve)
    stop when validation saturates (patience), the env-step budget is spent, or after ``rounds``
    finally: the best round by validation, measured on the held-out splits, and the report

All data of a run lives in one dataset (``data/``), each step tagged with its round.
"""

from __future__ import annotations

import time
from dataclasses import asdict, fields, replace
from pathlib import Path

from sim2act.data.atomic import remove_stale_temp_files
from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.data.runs import run_config
from sim2act.envs import make
from sim2act.errors import Sim2ActError
from sim2act.evaluation import EvalConfig, evaluate
from sim2act.loop.config import LoopConfig
from sim2act.loop.ledger import Collection, HeldOut, Ledger, load_ledger
from sim2act.loop.progress import LoopProgress
from sim2act.models.config import LOOP_PRIOR
from sim2act.rollout.executors import ShardExecutor
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.training import TrainConfig, train
from sim2act.training.checkpoints import TrainRunFolder

HELD_OUT_SPLITS = ("test_unseen_composition", "test_unseen_layout")
VALIDATION_SPLIT = "val"


class LoopFolder:
    """Where a run keeps its prior, dataset, round checkpoints, evaluations and report."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.prior = self.root / "prior"
        self.data = self.root / "data"
        self.report = self.root / "report"

    def policy_run(self, r: int) -> Path:
        return self.root / "policy" / f"round-{r}"

    def evaluation(self, r: int | str, split: str) -> Path:
        return self.root / "eval" / f"round-{r}" / split


def run_loop(
    config: LoopConfig, out: str | Path, progress: LoopProgress | None = None, executor: ShardExecutor | None = None,
) -> Ledger:
    """Run (or resume) the loop in ``out``; return its ledger (also in ``out/loop.json``). ``executor`` rolls the
    rounds' shards out (default: this process; ``rollout.executors``)."""
    config = config.validated()
    progress = progress or LoopProgress()
    folder = LoopFolder(out)
    ledger = _open(folder, config)

    prior = _prior(config, folder, ledger, progress)
    r = _first_unfinished_round(ledger)
    while ledger.stopped is None:
        record = ledger.round(r)
        if record.collection is None:
            record.collection = _collect(config, folder, r, prior, ledger, progress, executor)
            ledger.save(folder.root)
        if record.checkpoint is None:
            record.checkpoint, record.train_steps, record.train_seconds = _train(config, folder, r, prior, ledger, progress)
            ledger.save(folder.root)
        if not record.done:
            started = time.perf_counter()
            record.val = _success(config, record.checkpoint, VALIDATION_SPLIT, config.val_episodes, folder.evaluation(r, VALIDATION_SPLIT), progress)
            for split in HELD_OUT_SPLITS:
                episodes = config.test_episodes_per_round
                record.held_out[split] = _success(config, record.checkpoint, split, episodes, folder.evaluation(r, split), progress)
            record.eval_seconds = time.perf_counter() - started
            ledger.save(folder.root)
        progress.round_done(ledger, r)
        ledger.stopped = stopping_reason(ledger, config)
        ledger.save(folder.root)
        r += 1

    if not ledger.final:
        ledger.best_round = best_round(ledger)
        checkpoint = ledger.rounds[ledger.best_round].checkpoint
        for split in HELD_OUT_SPLITS:
            gifs = config.gifs if split == HELD_OUT_SPLITS[0] else 0
            ledger.final[split] = _success(config, checkpoint, split, config.final_episodes, folder.evaluation("final", split), progress, gifs)
        ledger.save(folder.root)
    return ledger


ADDED_LOOP_FIELDS = {"env": {}, "ceiling": None, "reuse_previews": False, "prior_mode": "preview", "prior_candidates": None,
                     "prior_horizon": 1, "caption_discount": None, "co_levels": [], "prior_env": {},
                     "shortcuts": False, "train_epochs": None, "policy_temperature": 1.0,
                     "retries": 0}
"""``LoopConfig`` fields added after runs were first made, with the value older runs behaved as (they resume)."""
ADDED_POLICY_FIELDS = {"action_head": None, "cell_pixels": None, "action_chunk": 1, "cell_positions": None,
                        "prior_stream": None, "word_dropout": 0.0,
                        "prior_stream_rows": "all", "view_weight": 0.0,
                        "view_parts": False, "view_map": False}
"""``PolicyConfig`` fields added after loop runs were first made, with the value older runs behaved as."""


STOPPING_FIELDS = ("rounds", "env_step_budget", "patience", "min_improvement", "ceiling")
"""Fields that only decide when the loop stops: a run resumes under new values (``--rounds 6`` carries a finished
run on), as its finished rounds do not depend on them."""


def with_added_fields(config: dict) -> dict:
    """A stored loop config with the fields added since it was written, at the values it behaved as."""
    return {**ADDED_LOOP_FIELDS, **config, "policy": {**ADDED_POLICY_FIELDS, **config.get("policy", {})}}


def without_added_fields(config: dict) -> dict:
    """``config`` less the added fields that hold their old values: what a run made before they existed stored."""
    def kept(fields: dict, added: dict) -> dict:
        return {k: v for k, v in fields.items() if k not in added or added[k] != v}

    return {**kept(config, ADDED_LOOP_FIELDS), "policy": kept(config["policy"], ADDED_POLICY_FIELDS)}


def stopping_reason(ledger: Ledger, config: LoopConfig) -> str | None:
    """Why no further round should start, or None to go on."""
    done = [r for r in ledger.rounds if r.done]
    if len(done) >= config.rounds:
        return f"rounds: all {config.rounds} rounds done"
    if ledger.env_steps >= config.env_step_budget:
        return f"budget: {ledger.env_steps:,} env steps spent of {config.env_step_budget:,}"
    if config.ceiling is not None and done and done[-1].val.success >= config.ceiling:
        return f"ceiling: validation success {done[-1].val.success:.1%} reached {config.ceiling:.1%}"
    best, since = -1.0, 0
    for record in done:
        if record.val.success >= best + config.min_improvement:
            best, since = max(best, record.val.success), 0
        else:
            since += 1
    if since >= config.patience:
        return f"saturated: validation success did not improve by {config.min_improvement:.0%} in {since} rounds"
    return None


def best_round(ledger: Ledger) -> int:
    """The round with the highest validation success (the later one on ties)."""
    done = [r for r in ledger.rounds if r.done]
    return max(done, key=lambda r: (r.val.success, r.round)).round


def _open(folder: LoopFolder, config: LoopConfig) -> Ledger:
    ledger = load_ledger(folder.root)
    if ledger is None:
        if folder.root.exists() and any(folder.root.iterdir()):
            raise Sim2ActError(f"--out {folder.root} is not empty and holds no sim2act run (no loop.json); pick another folder")
        _build_each_env(config)
        ledger = Ledger(config=config.to_dict())
        folder.root.mkdir(parents=True, exist_ok=True)
        ledger.save(folder.root)
        return ledger
    stored, current = with_added_fields(ledger.config), config.to_dict()
    changed = sorted(k for k in set(stored) | set(current) if stored.get(k) != current.get(k))
    if set(changed) - set(STOPPING_FIELDS):
        raise Sim2ActError(
            f"--out {folder.root} holds a run with another config (differs in: {', '.join(changed)}); "
            "re-run with its config to resume it, or pick another --out"
        )
    remove_stale_temp_files(folder.root)  # a writer killed mid-write (kill -9) leaves its temp file behind
    if changed:
        _restop(folder, ledger, config)
    return ledger


def _build_each_env(config: LoopConfig) -> None:
    """Build and close one env of every level the run acts on, with its options: a bad option value (names are checked
    without building) is then a one-line error before a ledger holds a config that cannot run, which would refuse the
    corrected command in the same folder."""
    option_sets = [config.env] + ([{**config.env, **config.prior_env}] if config.prior_env else [])
    for level in (config.level, *config.co_levels):
        for options in option_sets:
            make(config.domain, level, **options).close()


def _restop(folder: LoopFolder, ledger: Ledger, config: LoopConfig) -> None:
    """Take the new stopping rule: a run it would carry on is reopened after its last round. Its final evaluation,
    made for the old stop, moves to ``eval/round-final-after-round-N`` (kept, not overwritten); the new stop gets its own."""
    ledger.config = config.to_dict()
    between_rounds = bool(ledger.rounds) and ledger.rounds[-1].done  # a round under way finishes first
    reason = stopping_reason(ledger, config) if between_rounds else None
    if ledger.stopped is not None and reason is None:
        last = ledger.rounds[-1].round
        old_final = folder.root / "eval" / "round-final"
        if old_final.exists():
            old_final.rename(old_final.with_name(f"round-final-after-round-{last}"))
        ledger.stopped, ledger.final, ledger.best_round = None, {}, None
    elif ledger.stopped is None and reason is not None:
        ledger.stopped = reason
    ledger.save(folder.root)


def _first_unfinished_round(ledger: Ledger) -> int:
    return next((r.round for r in ledger.rounds if not r.done), len(ledger.rounds))


def _prior(config: LoopConfig, folder: LoopFolder, ledger: Ledger, progress: LoopProgress) -> str:
    """π0's checkpoint folder: the configured one, or one pretrained into ``out/prior``."""
    if config.round0_proposer != "prior" and config.policy.encoder != "clip":
        return ""
    if config.prior:
        ledger.prior = {"path": config.prior, "pretrained": False, "frames": 0, "env_steps": prior_env_steps(config.prior)}
        return config.prior
    if not ledger.prior:
        from sim2act.priors import pretrain_prior

        prior_config = prior_pretraining(config)
        progress.stage(f"pretraining the prior π0 on {config.prior_frames:,} simulator-captioned frames")
        with progress.bar("prior") as bar:  # a killed pretraining leaves a partial folder: start it again
            summary = pretrain_prior(prior_config, folder.prior, overwrite=True, progress=bar)
        ledger.prior = {
            "path": str(folder.prior),
            "pretrained": True,
            "frames": summary.frames,
            "env_steps": summary.env_steps,
            "frames_seen": summary.frames_seen,
            "retrieval_accuracy": summary.retrieval.accuracy,
            "seconds": summary.collect_seconds + summary.train_seconds,
        }
        ledger.save(folder.root)
    return ledger.prior["path"]


def prior_pretraining(config: LoopConfig):
    """The ``PriorConfig`` of the loop's own π0: its level's frames, under ``env`` with ``prior_env`` over it."""
    from sim2act.priors import PriorConfig

    return PriorConfig(
        domain=config.domain, level=config.level, co_levels=config.co_levels, frames=config.prior_frames,
        steps=config.prior_steps, seed=config.seed, env={**config.env, **config.prior_env},
        **({} if config.caption_discount is None else {"caption_discount": config.caption_discount}),
    )


def prior_env_steps(prior: str) -> int:
    """Env steps a given prior's frames cost: its ``prior.json``'s (its frames, an upper bound, for priors
    from before they were counted); 0 for a CLIP folder not pretrained on this simulator."""
    from sim2act.priors import is_prior, read_prior_info

    if not is_prior(Path(prior)):
        return 0
    info = read_prior_info(Path(prior))
    return int(info.get("env_steps", info.get("frames", 0)))


def _collect(
    config: LoopConfig, folder: LoopFolder, r: int, prior: str, ledger: Ledger, progress: LoopProgress,
    executor: ShardExecutor | None,
) -> Collection:
    episodes = config.round0_episodes if r == 0 else config.episodes_per_round
    levels = [config.level, *config.co_levels]
    collections = []
    for k, level in enumerate(levels):  # the round's episodes shared evenly, the first level taking the remainder
        share = episodes // len(levels) + (episodes % len(levels) if k == 0 else 0)
        generation = _generation(config, r, prior, ledger, level, share)
        on = f" on {level}" if config.co_levels else ""
        progress.stage(f"round {r}: collecting {share:,} episodes{on} with {_describe(generation)}, labels {config.labels}")
        started = time.perf_counter()
        with progress.bar(f"round {r} collect") as bar:
            summary = generate(generation, folder.data, append=r > 0 or k > 0, progress=bar, executor=executor)
        collections.append(_collection_from_card(folder.data, generation, time.perf_counter() - started, summary))
    return _summed(collections)


def _generation(config: LoopConfig, r: int, prior: str, ledger: Ledger, level: str, episodes: int) -> GenerateConfig:
    common = dict(
        domain=config.domain, level=level, split="train", episodes=episodes, seed=config.seed,
        num_envs=config.num_envs, iteration=r, labels=config.labels, erase_loops=config.erase_loops,
        shortcuts=config.shortcuts, env=config.env,
    )
    if r == 0 and config.round0_proposer == "prior":
        return GenerateConfig(proposer="prior", prior=prior, prior_temperature=config.prior_temperature,
                              reuse_previews=config.reuse_previews, prior_mode=config.prior_mode,
                              prior_candidates=config.prior_candidates, prior_horizon=config.prior_horizon, **common)
    if r == 0:
        return GenerateConfig(proposer="uniform", **common)
    return GenerateConfig(proposer="policy", policy=ledger.rounds[r - 1].checkpoint, alpha=config.alpha,
                          policy_temperature=config.policy_temperature, retries=config.retries, **common)


def _summed(collections: list[Collection]) -> Collection:
    """One round's collection from its per-level parts."""
    counts = {f.name: sum(getattr(c, f.name) for c in collections) for f in fields(Collection) if f.name != "proposer"}
    return Collection(proposer=collections[0].proposer, **counts)


def _collection_from_card(data: Path, generation: GenerateConfig, seconds: float, summary) -> Collection:
    """Count the round from the dataset card (so a resumed round counts the shards of its first attempt too)."""
    card = load_card(DatasetLayout(data).card)
    run = next(run for run in reversed(card.runs) if run_config(run) == asdict(generation.validated()))
    shards = [card.shards[i] for i in range(run["first_shard"], run["first_shard"] + run["num_shards"])]
    return Collection(
        proposer=summary.proposer,
        rollouts=sum(s.rollouts for s in shards),
        kept_episodes=sum(s.episodes for s in shards),
        relabeled_episodes=sum(s.relabeled for s in shards),
        kept_steps=sum(s.steps for s in shards),
        env_steps=sum(s.executed_steps for s in shards),
        preview_steps=sum(s.preview_steps for s in shards),
        successes=sum(s.rollout_successes for s in shards),
        seconds=seconds,
    )


def _train(config: LoopConfig, folder: LoopFolder, r: int, prior: str, ledger: Ledger, progress: LoopProgress):
    policy = config.policy
    if policy.encoder == "clip" and not policy.clip_path:
        policy = replace(policy, clip_path=prior)
    if policy.prior_stream == LOOP_PRIOR:
        policy = replace(policy, prior_stream=prior)
    steps, init = _train_steps(config, r, ledger)
    train_config = TrainConfig(
        data=str(folder.data),
        policy=policy,
        init_policy=init,
        steps=steps,
        seed=config.seed + r,
        log_every=max(steps // 5, 1),
        checkpoint_every=max(steps // 2, 1),
        **{"warmup_steps": min(200, steps // 10), **config.train},
    )
    run = folder.policy_run(r)
    progress.stage(f"round {r}: {'fine-tuning' if init else 'training'} π_θ for {steps:,} steps on {folder.data}")
    with progress.bar(f"round {r} train") as bar:
        summary = train(train_config, run, resume=TrainRunFolder(run).config.exists(), progress=bar)
    return str(summary.checkpoint), summary.steps, summary.seconds


def _train_steps(config: LoopConfig, r: int, ledger: Ledger) -> tuple[int, str | None]:
    """Round ``r``'s optimizer steps and the checkpoint they start from (None: from scratch)."""
    if config.train_epochs is None:
        return (config.round0_train_steps, None) if r == 0 else (config.train_steps_per_round, ledger.rounds[r - 1].checkpoint)
    rows = sum(ledger.rounds[k].collection.kept_steps for k in range(r + 1))
    batch = config.train.get("batch_size", TrainConfig.batch_size)
    return max(1, round(config.train_epochs * rows / batch)), None


def _success(config, checkpoint, split, episodes, out, progress, gifs: int = 0) -> HeldOut:
    eval_config = EvalConfig(
        checkpoint=checkpoint, split=split, episodes=episodes, seed=config.seed, num_envs=config.num_envs, gifs=gifs,
        env=config.env, levels=(config.level,) if config.co_levels else (), policy_temperature=config.policy_temperature,
    )
    with progress.bar(f"eval {split}") as bar:
        report = evaluate(eval_config, out, progress=bar)
    s = report.overall
    return HeldOut(success=s.success_rate, low=s.ci_low, high=s.ci_high, episodes=s.episodes)


def _describe(generation: GenerateConfig) -> str:
    if generation.proposer == "policy":
        at = "" if generation.policy_temperature == 1.0 else f" (π_θ at temperature {generation.policy_temperature:g})"
        again = f", failed tasks retried up to {generation.retries}×" if generation.retries else ""
        return f"{generation.alpha:g}·π_θ + {1 - generation.alpha:g}·Uniform{at}{again}"
    if generation.proposer == "prior":
        return {"preview": "π0 (prior, previews)", "cells": "π0 (prior, cell scores)",
                "cells+preview": "π0 (prior, cell scores + previews)"}[generation.prior_mode]
    return {"uniform": "uniform actions"}[generation.proposer]
