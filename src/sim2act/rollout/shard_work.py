"""One shard of a generation run as a pure unit of work: ``ShardWorker.run(index, episode_ids)``.

A worker owns its envs and a copy of the proposer, built from the run's ``GenerateConfig``. Shard
``index`` draws its tasks from its episode ids and its proposer randomness from ``(seed, index)``, so
any worker (this process, or a Ray actor on another machine) returns the same labeled episodes for
it. The worker writes nothing: the driver commits shards (``data.writer.ShardWriter``), so a worker
that dies mid-shard leaves nothing half-written behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim2act import features as F
from sim2act.data.episode import Episode
from sim2act.data.schema import annotation_space, step_features
from sim2act.data.writer import EncodedShard, encode_shard
from sim2act.envs import get_domain, make
from sim2act.labels import erase_loops, get_labeler, label_episodes, shortcut_all
from sim2act.proposers import Proposer, make_proposer
from sim2act.rollout.collect import collect
from sim2act.rollout.recorder import EpisodeRecorder
from sim2act.rollout.retries import retry_failed
from sim2act.tasks import TaskSampler, get_split


@dataclass(frozen=True)
class RolloutOutline:
    """What the driver keeps of a rollout, kept or not: its length and whether its own instruction succeeded."""

    steps: int
    succeeded: bool

    def __len__(self) -> int:
        return self.steps


@dataclass
class ShardResult:
    """A shard's labeled episodes (or their encoded files) and the counts of the rollouts they came from."""

    index: int
    """The shard's index in the dataset."""
    episodes: list[Episode]
    """Episodes kept by labeling (and loop erasure), in episode-id order; empty once ``encoded``."""
    rollouts: list[RolloutOutline]
    """Every rollout of the shard, in the order it finished."""
    preview_steps: int
    """Simulator steps spent beside the executed rollouts: the proposer's previews and, with ``shortcuts``, the
    labeler's straight-run trials (``labels.shortcuts``)."""
    proposer: str
    """Name of the proposer that chose the actions."""
    encoded: EncodedShard | None = None
    """The shard's Parquet files, when the worker encoded them (a remote worker does, sparing the driver)."""

    @property
    def kept(self) -> tuple[int, int, int]:
        """(episodes, steps, relabeled episodes) kept."""
        if self.encoded is not None:
            stats = self.encoded.stats
            return stats.episodes, stats.steps, stats.relabeled
        return (len(self.episodes), sum(len(e) for e in self.episodes),
                sum(e.label == F.LABEL_HINDSIGHT for e in self.episodes))


@dataclass(frozen=True)
class WorkerInfo:
    """What the driver needs to know of the workers before any shard runs (to open the dataset)."""

    observation_space: Any
    action_space: Any
    action_names: Any
    """The env's names of its discrete actions, when it has them."""
    proposer: str
    """Name of the proposer the workers run."""
    annotation_space: Any = None
    """The env's privileged per-step annotations (``data.schema.annotation_space``), or None."""


def proposer_options(config) -> dict:
    """The ``make_proposer`` options a ``GenerateConfig`` sets (the prior's own only when they leave its defaults)."""
    options = {"prior": config.prior, "prior_temperature": config.prior_temperature, "policy": config.policy,
               "reuse_previews": config.reuse_previews or None,
               "policy_temperature": None if config.policy_temperature == 1.0 else config.policy_temperature}
    if config.prior_mode != "preview" or config.prior_candidates is not None or config.prior_horizon != 1:
        options.update(prior_mode=config.prior_mode, prior_candidates=config.prior_candidates,  # only the prior takes
                       prior_horizon=config.prior_horizon)
    return options


class ShardWorker:
    """Envs, a proposer and a task sampler for one (validated) ``GenerateConfig``; runs any shard of it."""

    def __init__(self, config) -> None:
        self.config = config
        count = min(config.num_envs, config.episodes)
        self.envs = [EpisodeRecorder(make(config.domain, config.level, **config.env)) for _ in range(count)]
        self.proposer: Proposer = make_proposer(
            config.proposer, self.envs[0].action_space, config.alpha, domain=config.domain,
            env_options=config.env, **proposer_options(config),
        )
        self.sampler = TaskSampler(config.domain, config.level, config.split, config.seed)
        self.labeler, self.split = get_labeler(config.labels), get_split(config.split)
        domain = get_domain(config.domain)
        self.steer, self.replay = (domain.steer, domain.replay) if config.shortcuts else (None, None)

    def run(self, index: int, episode_ids: range, on_episode: Callable[[Episode], None] = lambda e: None) -> ShardResult:
        """Roll out, label and (where configured) loop-erase and shortcut shard ``index``'s episodes."""
        rng = np.random.default_rng([self.config.seed, index])
        previews_before = self.proposer.preview_steps
        rollouts = collect(self.envs, self.proposer, self.sampler, episode_ids, rng, on_episode)
        attempts = rollouts
        if self.config.retries:
            rollouts, attempts = retry_failed(self.envs, self.proposer, self.sampler, rollouts, rng, self.config.retries)
        previews = self.proposer.preview_steps - previews_before
        kept = label_episodes(self.labeler, rollouts, self.split)
        if self.config.erase_loops:
            kept = [e for e in map(erase_loops, kept) if e is not None]
        if self.steer is not None:
            kept, trial_steps = shortcut_all(self.envs[0], kept, self.steer, self.replay)
            previews += trial_steps
        outlines = [RolloutOutline(len(e), e.succeeded) for e in attempts]
        return ShardResult(index, sorted(kept, key=lambda e: e.episode_id), outlines, previews, self.proposer.name)

    def encoded(self, result: ShardResult) -> ShardResult:
        """``result`` with its episodes encoded as the shard's Parquet files (and dropped)."""
        env = self.envs[0]
        features = step_features(env.observation_space, env.action_space, annotation_space(env))
        shard = encode_shard(result.index, result.episodes, features,
                             result.proposer, self.config.iteration, result.rollouts, result.preview_steps)
        return ShardResult(result.index, [], result.rollouts, result.preview_steps, result.proposer, shard)

    def info(self) -> WorkerInfo:
        """The spaces and proposer name the driver opens the dataset with."""
        env = self.envs[0]
        return WorkerInfo(env.observation_space, env.action_space, getattr(env.unwrapped, "action_names", None),
                          self.proposer.name, annotation_space(env))

    def close(self) -> None:
        for env in self.envs:
            env.close()
