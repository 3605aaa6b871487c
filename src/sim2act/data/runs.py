"""Decide what a generation run does with its output folder: create, resume, append or overwrite.

A dataset remembers each generation that wrote into it (its config, first episode id and shard
range). Re-running the same command resumes the last run; another config is refused unless the user
asks to ``--append`` a new run or ``--overwrite`` the dataset. Nothing on disk is lost otherwise.
"""

from __future__ import annotations

import copy
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim2act.data.atomic import remove_stale_temp_files
from sim2act.data.card import DatasetCard, ShardStats, git_revision, load_card
from sim2act.data.layout import DatasetLayout
from sim2act.data.schema import SCHEMA_VERSION
from sim2act.data.shards import read_shard_stats
from sim2act.errors import Sim2ActError

ADDED_CONFIG_KEYS = {"env": {}, "reuse_previews": False, "prior_mode": "preview", "prior_candidates": None,
                     "prior_horizon": 1, "shortcuts": False, "policy_temperature": 1.0,
                     "retries": 0}
"""Generation config keys added after datasets were first written, each with the value older runs used."""


@dataclass
class Run:
    """The run a ``generate`` call works on: which shards and episode ids are its own."""

    config: dict
    first_episode: int
    first_shard: int
    num_shards: int
    shard_episodes: int
    episodes: int
    rebuilt_shards: tuple[int, ...] = ()
    """Committed shards of this run found damaged on resume: removed, so they are generated again."""

    def shard_episode_ids(self, local_shard: int) -> range:
        start = self.first_episode + local_shard * self.shard_episodes
        return range(start, min(start + self.shard_episodes, self.first_episode + self.episodes))


def open_run(
    root: Path, config: dict, new_card: DatasetCard, *, append: bool = False, overwrite: bool = False
) -> tuple[DatasetLayout, DatasetCard, Run]:
    """Prepare ``root`` for generating with ``config``; refuse anything that would mix configs silently."""
    layout = DatasetLayout(root)
    if append and overwrite:
        raise Sim2ActError("--append and --overwrite exclude each other; pick one")
    if root.exists() and not root.is_dir():
        raise Sim2ActError(f"--out {root} is a file, not a folder")
    if layout.card.exists() and overwrite:
        load_card(layout.card)  # only ever delete what is really a sim2act dataset
        shutil.rmtree(layout.steps_dir, ignore_errors=True)
        shutil.rmtree(root / "meta", ignore_errors=True)
    elif not layout.card.exists() and root.is_dir() and any(root.iterdir()):
        raise Sim2ActError(f"--out {root} is not empty and holds no sim2act dataset (no meta/info.json); pick another folder")

    if not layout.card.exists():
        card = new_card
        card.git_revision = git_revision()
        return layout, card, _start_run(layout, card, config, first_episode=0, first_shard=0)

    card = load_card(layout.card)
    if card.schema_version < SCHEMA_VERSION:
        raise Sim2ActError(
            f"--out {root} holds a dataset of schema version {card.schema_version} (sim2act reads it, but writes "
            f"version {SCHEMA_VERSION}); generate into a new folder, or pass --overwrite to replace it"
        )
    remove_stale_temp_files(root)
    _reconcile(layout, card)
    last = card.runs[-1]
    damaged = damaged_shards(layout, card)
    if run_config(last) == config:
        run = _run_from(last)
        own = range(run.first_shard, run.first_shard + run.num_shards)
        _refuse_damaged(root, [i for i in damaged if i not in own])
        for index in damaged:  # shard k is a function of the config and k: generating it again rebuilds it
            layout.steps_shard(index).unlink(missing_ok=True)
            layout.episodes_shard(index).unlink(missing_ok=True)
            del card.shards[index]
        card.save(layout.card)
        return layout, card, replace(run, rebuilt_shards=tuple(damaged))
    _refuse_damaged(root, damaged)
    if not append:
        raise Sim2ActError(
            f"--out {root} holds a dataset made with another config ({_difference(run_config(last), config)}); "
            "re-run with its config to resume, or pass --append or --overwrite"
        )
    _check_appendable(root, card, new_card, last, config)
    counts = card.counts
    first_shard = max(card.shards, default=-1) + 1
    # Episode ids number rollouts, kept or not, so a new run starts after every rollout of the earlier ones.
    return layout, card, _start_run(layout, card, config, first_episode=counts["rollouts"], first_shard=first_shard)


def run_config(record: dict) -> dict:
    """The config of a card's run record, with keys added since older cards were written filled in."""
    return {**copy.deepcopy(ADDED_CONFIG_KEYS), **record["config"]}


def shard_count(episodes: int, shard_episodes: int) -> int:
    """Shards a run of ``episodes`` takes, ``shard_episodes`` to a shard (the last one may hold fewer)."""
    return -(-episodes // shard_episodes)


def _start_run(layout: DatasetLayout, card: DatasetCard, config: dict, first_episode: int, first_shard: int) -> Run:
    shard_episodes = config["shard_episodes"]
    record = {
        "config": config,
        "first_episode": first_episode,
        "first_shard": first_shard,
        "num_shards": shard_count(config["episodes"], shard_episodes),
    }
    card.runs.append(record)
    card.save(layout.card)
    return _run_from(record)


def _run_from(record: dict) -> Run:
    config = record["config"]
    return Run(
        config=config,
        first_episode=record["first_episode"],
        first_shard=record["first_shard"],
        num_shards=record["num_shards"],
        shard_episodes=config["shard_episodes"],
        episodes=config["episodes"],
    )


def _reconcile(layout: DatasetLayout, card: DatasetCard) -> None:
    """Count shards committed to disk by a run that was killed before it updated the card (an unreadable
    one was never committed: it is removed, to be generated again)."""
    uncounted = [index for index in layout.committed_shards() if index not in card.shards]
    for index in uncounted:
        try:
            card.shards[index] = ShardStats(**read_shard_stats(layout.episodes_shard(index)))
        except Sim2ActError:
            layout.steps_shard(index).unlink(missing_ok=True)
            layout.episodes_shard(index).unlink(missing_ok=True)
    if uncounted:  # a card with nothing to add stays as it is: a refused command must leave the dataset untouched
        card.save(layout.card)


def damaged_shards(layout: DatasetLayout, card: DatasetCard) -> list[int]:
    """Shards the card counts whose files are missing, unreadable (a torn footer) or hold other row counts."""
    damaged = []
    for index, stats in sorted(card.shards.items()):
        try:
            steps = pq.read_metadata(layout.steps_shard(index)).num_rows
            episodes = pq.read_metadata(layout.episodes_shard(index)).num_rows
        except (OSError, pa.ArrowException):
            damaged.append(index)
            continue
        if (steps, episodes) != (stats.steps, stats.episodes):
            damaged.append(index)
    return damaged


def _refuse_damaged(root: Path, damaged: list[int]) -> None:
    if damaged:
        shards = ", ".join(f"{i:05d}" for i in damaged)
        raise Sim2ActError(
            f"--out {root}: shard(s) {shards} of an earlier run are damaged; re-run that run's command "
            "(its config is in meta/info.json) to rebuild them, or --overwrite the dataset"
        )


def _check_appendable(root: Path, card: DatasetCard, new_card: DatasetCard, last: dict, config: dict) -> None:
    done = sum(1 for i in range(last["first_shard"], last["first_shard"] + last["num_shards"]) if i in card.shards)
    if done < last["num_shards"]:
        raise Sim2ActError(
            f"--out {root}: its last generation is unfinished ({done}/{last['num_shards']} shards); "
            "re-run it to finish before appending"
        )
    if new_card.split != card.split:
        raise Sim2ActError(f"--out {root} holds split {card.split!r}; a dataset holds one split, not {new_card.split!r}")
    if new_card.domain != card.domain or new_card.features != card.features:
        raise Sim2ActError(f"--out {root} holds {card.domain} data with other features; append only matching data")
    held, new = run_config(last)["env"], config.get("env", {})
    if held != new:
        raise Sim2ActError(f"--out {root} holds data of env options {held}, not {new}; a dataset holds one set of them")


def _difference(old: dict, new: dict) -> str:
    keys = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    return ", ".join(f"{k}: {old.get(k)!r} on disk vs {new.get(k)!r} now" for k in keys)
