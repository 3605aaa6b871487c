"""``sim2act generate``: roll proposers out in simulators and log (o_t, instruction, a_t) datasets.

Several envs are stepped in one process (vector envs give no speed-up on two cores) so that a
proposer sees a batch. Shard ``k`` of a run is a pure function of the config and ``k``: its episode
ids, their tasks and the proposer's random stream are all derived from them. A killed run therefore
resumes by regenerating only uncommitted shards, and ends with the same dataset as an uninterrupted
one. A shard's rollouts are labeled (``sim2act.labels``, a pure function of the rollouts) before
the shard is written; every executed step is counted, kept or not. Shards are rolled out by an executor
(``rollout.executors``: this process, or Ray actors), and this process alone writes the dataset.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sim2act.data.card import DatasetCard
from sim2act.data.hub_card import write_hub_card
from sim2act.data.runs import open_run
from sim2act.data.schema import action_space_to_json, step_features
from sim2act.data.writer import ShardWriter
from sim2act.envs import check_env_options, get_domain
from sim2act.errors import Sim2ActError
from sim2act.labels import get_labeler
from sim2act.progress import Progress
from sim2act.proposers import check_prior_options
from sim2act.rollout.executors import LocalExecutor, ShardExecutor, ShardJob
from sim2act.tasks import get_split
from sim2act.validation import check_above_zero, check_positive


@dataclass(frozen=True)
class GenerateConfig:
    """Everything that determines a generated dataset (the output folder does not)."""

    domain: str = "grid"
    """Simulator domain (``sim2act envs`` lists domains and levels)."""
    level: str | None = None
    """Level of the domain (None: the domain's default level)."""
    split: str = "train"
    """Task split the episodes are drawn from: train, val, test_unseen_layout, test_unseen_composition."""
    episodes: int = 2000
    """Number of episodes to generate."""
    proposer: str = "uniform"
    """Registered proposer that chooses actions (uniform, prior, policy, expert)."""
    alpha: float = 1.0
    """Mix the proposer with uniform actions: alpha * proposer + (1 - alpha) * Uniform."""
    seed: int = 0
    """Seed of task sampling and of the proposer's random stream."""
    num_envs: int = 16
    """Envs stepped together in this process, so proposers see batches."""
    shard_episodes: int = 100
    """Episodes per Parquet shard; a killed run loses at most the shard in flight."""
    iteration: int = 0
    """Bootstrapping round recorded with every step."""
    labels: str = "none"
    """Self-supervised labels applied before a shard is written: none, success, hindsight or both."""
    erase_loops: bool = False
    """Cut the detours out of kept episodes wherever the simulator state repeats (see ``labels.loops``)."""
    shortcuts: bool = False
    """Then straighten each kept path toward where it ended, where the simulator confirms it (``labels.shortcuts``;
    its trial steps count as preview steps)."""
    retries: int = 0
    """Roll each task whose rollout failed out again, up to this many more times, and label its first success
    (``rollout.retries``); every attempt's steps are executed steps."""
    policy: str | None = None
    """Policy checkpoint (or training run) for ``proposer`` ``policy``: the bootstrapping rounds' π_θ."""
    policy_temperature: float = 1.0
    """Temperature π_θ samples its actions at for ``proposer`` ``policy`` (``proposers.policy.sharpen``): below 1
    its likelier actions more often, 1 as trained."""
    prior: str | None = None
    """Vision-language prior folder for ``proposer`` ``prior`` (``sim2act pretrain-prior``, or a local CLIP)."""
    prior_temperature: float | None = None
    """Softmax temperature of the prior proposer's cosine scores (None: its default)."""
    reuse_previews: bool = False
    """The prior proposer reuses a state's scores when an episode returns to it (needs exact state keys)."""
    prior_mode: str = "preview"
    """How the prior proposes (``proposers.PRIOR_MODES``): ``preview``, ``cells`` or ``cells+preview``."""
    prior_candidates: int | None = None
    """Actions the prior previews per step: sampled ones in ``preview`` mode (a Discrete space previews all), the
    best-scored ones in ``cells+preview``; None: the proposer's default (16 and 8)."""
    prior_horizon: int = 1
    """Steps each sampled Box action is held for in the prior's previews and, once chosen, in the env (an action
    chunk; ``preview`` mode only)."""
    env: dict[str, Any] = field(default_factory=dict)
    """Env options passed to the domain's build (``--env key=value``)."""

    def validated(self) -> GenerateConfig:
        """Check the numbers and canonicalise names; bad input is a one-line ``Sim2ActError``."""
        check_positive(self, ("episodes", "num_envs", "shard_episodes"))
        check_positive(self, ("iteration", "retries"), minimum=0)
        get_split(self.split)
        get_labeler(self.labels)
        domain = get_domain(self.domain)
        if self.erase_loops and not domain.exact_state_keys:
            raise Sim2ActError(f"--erase-loops: domain {self.domain!r} reports no exact state keys to find loops by")
        if self.shortcuts and not (self.erase_loops and domain.steer is not None and self.labels != "none"):
            raise Sim2ActError(f"--shortcuts needs --erase-loops, --labels other than none and a domain that can steer "
                               f"({self.domain!r} {'can' if domain.steer else 'cannot'})")
        if self.reuse_previews and not domain.exact_state_keys:
            raise Sim2ActError(f"--reuse-previews: domain {self.domain!r} reports no exact state keys to recognise a state by")
        check_prior_options(self.prior_mode, self.prior_candidates, self.prior_horizon)
        check_above_zero(self.policy_temperature, "--policy-temperature")
        level = domain.resolve_level(self.level)
        check_env_options(self.domain, level, self.env)
        return GenerateConfig(**{**asdict(self), "level": level, "env": dict(self.env)})


@dataclass
class GenerationSummary:
    """Totals of one ``generate`` call (resumed shards counted under ``resumed_*``)."""

    out: Path
    proposer: str = ""
    """Name of the proposer that chose the actions (e.g. ``mixture(policy,0.9)``)."""
    rollouts: int = 0
    """Episodes rolled out by this call."""
    executed_steps: int = 0
    """Env steps executed by this call, whether or not labeling kept their episodes."""
    rollout_successes: int = 0
    """Rollouts whose own instruction succeeded."""
    episodes: int = 0
    """Episodes kept after labeling (all rollouts with ``labels`` none)."""
    relabeled: int = 0
    """Kept episodes relabeled in hindsight."""
    steps: int = 0
    """Steps of the kept episodes."""
    seconds: float = 0.0
    resumed_episodes: int = 0
    """Rollouts of shards committed by an earlier, interrupted call."""
    preview_steps: int = 0
    """Simulator steps the proposer ran to preview actions, never executed (the card keeps them per shard)."""
    rebuilt_shards: tuple[int, ...] = ()
    """Committed shards found damaged on resume and generated again."""
    dataset: dict[str, int] = field(default_factory=dict)
    """The dataset's counts once the call is done (the card's), whatever this call generated."""

    @property
    def steps_per_second(self) -> float:
        """Executed env steps per second (generation throughput, kept or not)."""
        return self.executed_steps / self.seconds if self.seconds else 0.0


def generate(
    config: GenerateConfig,
    out: Path,
    *,
    append: bool = False,
    overwrite: bool = False,
    progress: Progress | None = None,
    executor: ShardExecutor | None = None,
) -> GenerationSummary:
    """Generate (or resume, or append to) the dataset at ``out``; ``executor`` runs the shards (default: this process).

    Whatever runs them, this process alone writes the dataset, committing each shard as its result comes back.
    """
    config = config.validated()
    progress = progress or Progress()
    with (executor or LocalExecutor()).start(config) as pool:  # a bad config fails here, before any write
        info = pool.info
        features = step_features(info.observation_space, info.action_space, info.annotation_space)
        new_card = DatasetCard(
            domain=config.domain,
            split=config.split,
            features={f.name: f.to_json() for f in features},
            action_space=action_space_to_json(info.action_space, info.action_names),
            sensors=get_domain(config.domain).sensors(config.env).to_json(),
        )
        layout, card, run = open_run(out, asdict(config), new_card, append=append, overwrite=overwrite)

        pending = [k for k in range(run.num_shards) if run.first_shard + k not in card.shards]
        summary = GenerationSummary(out=out, proposer=info.proposer, rebuilt_shards=run.rebuilt_shards)
        summary.resumed_episodes = sum(len(run.shard_episode_ids(k)) for k in range(run.num_shards) if k not in pending)
        progress.start(run.episodes, summary.resumed_episodes)
        started = time.perf_counter()

        jobs = [ShardJob(run.first_shard + k, run.shard_episode_ids(k)) for k in pending]
        with ShardWriter(layout, card, features) as writer:
            for result in pool.run_shards(jobs, progress.episode):  # the bar follows first attempts, not retries
                summary.rollouts += len(result.rollouts)
                summary.executed_steps += sum(len(rollout) for rollout in result.rollouts)
                summary.rollout_successes += sum(rollout.succeeded for rollout in result.rollouts)
                summary.preview_steps += result.preview_steps
                episodes, steps, relabeled = result.kept
                summary.episodes, summary.steps, summary.relabeled = \
                    summary.episodes + episodes, summary.steps + steps, summary.relabeled + relabeled
                if result.encoded is not None:
                    writer.submit_encoded(result.encoded)
                else:
                    writer.submit(result.index, result.episodes, result.proposer, config.iteration,
                                  rollouts=result.rollouts, preview_steps=result.preview_steps)
        summary.seconds = time.perf_counter() - started
        summary.dataset = card.counts
    write_hub_card(out)
    return summary
