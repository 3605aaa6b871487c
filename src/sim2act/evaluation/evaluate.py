"""``sim2act eval``: roll a checkpoint out on a task split and measure it.

Episodes are spread evenly over the levels and drawn by the split's task sampler, so the tasks are
the same for every checkpoint evaluated with the same seed.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from sim2act import features as F
from sim2act.data.recorder import Episode, EpisodeRecorder
from sim2act.data.generation import Progress, collect
from sim2act.envs import get_domain, make
from sim2act.errors import Sim2ActError
from sim2act.evaluation.gifs import write_episode_gif
from sim2act.evaluation.metrics import breakdown, outcome_from_episode, summarize
from sim2act.evaluation.report import EvalReport, write_eval_info, write_markdown
from sim2act.models import VisionLanguagePolicy, load_policy
from sim2act.proposers.policy import PolicyProposer
from sim2act.tasks import TaskSampler, get_split
from sim2act.training.checkpoints import resolve_policy_folder


@dataclass(frozen=True)
class EvalConfig:
    """What ``sim2act eval`` rolls out."""

    checkpoint: str
    """A policy checkpoint folder, or a training run (its ``checkpoints/last``)."""
    split: str = "test_unseen_composition"
    """Task split: train, val, test_unseen_layout or test_unseen_composition."""
    episodes: int = 200
    """Episodes in total, spread evenly over the levels."""
    levels: tuple[str, ...] = ()
    """Levels to evaluate on (any level of the policy's domain); empty: the levels it trained on."""
    greedy: bool = False
    """Take the most likely action; by default actions are sampled from the policy (as BabyAI evaluates)."""
    seed: int = 0
    """Seed of task sampling (and of action sampling when not greedy)."""
    num_envs: int = 16
    """Envs stepped together in this process."""
    gifs: int = 0
    """Episodes to save as captioned GIFs."""


def evaluate(config: EvalConfig, out: str | Path | None = None, progress: Progress | None = None) -> EvalReport:
    """Roll out ``config.checkpoint`` and return (and, with ``out``, write) its report."""
    if config.episodes < 1 or config.num_envs < 1 or config.gifs < 0:
        raise Sim2ActError("--episodes and --num-envs must be at least 1 and --gifs at least 0")
    get_split(config.split)
    folder = resolve_policy_folder(config.checkpoint)
    policy = load_policy(folder)
    domain = get_domain(policy.spec.domain)
    levels = [domain.resolve_level(level) for level in (config.levels or policy.spec.levels)]
    if not levels:
        raise Sim2ActError(f"checkpoint {folder} records no training levels: pass --level")
    if out is not None:  # an unwritable --out fails now, not after the roll-outs
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
    progress = progress or Progress()
    progress.start(config.episodes, 0)

    started = time.perf_counter()
    episodes: list[Episode] = []
    for k, level in enumerate(levels):
        count = config.episodes // len(levels) + (k < config.episodes % len(levels))
        episodes += _roll_out(policy, level, count, config, progress)
    seconds = time.perf_counter() - started

    outcomes = [outcome_from_episode(e, domain.instruction_type) for e in episodes]
    report = EvalReport(
        checkpoint=str(folder),
        domain=domain.name,
        split=config.split,
        levels=levels,
        episodes=len(outcomes),
        overall=summarize(outcomes),
        by_level=breakdown(outcomes, lambda o: o.level),
        by_instruction_type=breakdown(outcomes, lambda o: o.instruction_type),
        seconds=seconds,
        env_steps=sum(len(e) for e in episodes),
        config={**asdict(config), "levels": levels},
    )
    if out is not None:
        write_eval_info(report, out)
        write_markdown(report, out)
        for i, episode in enumerate(episodes[: config.gifs]):
            name = f"episode-{i:03d}-{'success' if episode.succeeded else 'failure'}.gif"
            write_episode_gif(episode.observations[F.RGB], episode.task.instruction, episode.succeeded, out / "gifs" / name)
    return report


def _roll_out(policy: VisionLanguagePolicy, level: str, count: int, config: EvalConfig, progress: Progress) -> list[Episode]:
    if count == 0:
        return []
    domain = policy.spec.domain
    envs = [EpisodeRecorder(make(domain, level)) for _ in range(min(config.num_envs, count))]
    shape = envs[0].observation_space[F.RGB].shape
    if tuple(shape) != tuple(policy.spec.image_shape):
        raise Sim2ActError(f"level {level!r} renders {shape} frames; the policy was trained on {policy.spec.image_shape}")
    sampler = TaskSampler(domain, level, config.split, config.seed)
    rng = np.random.default_rng([config.seed, 7919])
    try:
        return collect(envs, PolicyProposer(policy, greedy=config.greedy), sampler, range(count), rng, progress.episode)
    finally:
        for env in envs:
            env.close()
