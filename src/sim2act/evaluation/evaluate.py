"""``sim2act eval``: roll a checkpoint out on a task split and measure it.

Episodes are spread evenly over the levels and drawn by the split's task sampler, so the tasks are
the same for every checkpoint evaluated with the same seed. ``evaluate_proposer`` measures any
``Proposer`` the same way (the RL baselines of ``sim2act.baselines`` go through it), and ``evaluate``
is that applied to a policy checkpoint.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from sim2act import features as F
from sim2act.data.episode import Episode
from sim2act.envs import get_domain, make
from sim2act.errors import Sim2ActError
from sim2act.evaluation.gifs import write_episode_gif
from sim2act.evaluation.metrics import breakdown, outcome_from_episode, summarize
from sim2act.evaluation.report import EvalReport, write_eval_info, write_markdown
from sim2act.models import VisionLanguagePolicy, load_policy
from sim2act.progress import Progress
from sim2act.proposers.base import Proposer
from sim2act.proposers.policy import PolicyProposer
from sim2act.rollout.collect import collect
from sim2act.rollout.recorder import EpisodeRecorder
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
    """Take the most likely action; by default actions are sampled from the policy (as BabyAI evaluates its agents)."""
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

    for level in levels:
        _check_image_shape(policy, level)
    report, episodes = evaluate_proposer(
        PolicyProposer(policy, greedy=config.greedy),
        domain.name,
        levels,
        config.split,
        config.episodes,
        seed=config.seed,
        num_envs=config.num_envs,
        label=str(folder),
        progress=progress,
    )
    report.config = {**asdict(config), "levels": levels}
    if out is not None:
        write_evaluation(report, episodes, out, config.gifs)
    return report


def evaluate_proposer(
    proposer: Proposer,
    domain: str,
    levels: Sequence[str],
    split: str,
    episodes: int,
    seed: int = 0,
    num_envs: int = 16,
    label: str = "",
    progress: Progress | None = None,
) -> tuple[EvalReport, list[Episode]]:
    """Roll ``proposer`` out on ``split`` of ``levels`` and measure it as ``evaluate`` measures a policy.

    Episodes are spread evenly over the levels; ``label`` names what was evaluated (the report's
    ``checkpoint``). Returns the report and the recorded episodes (for GIFs, see ``write_evaluation``).
    """
    if episodes < 1 or num_envs < 1:
        raise Sim2ActError(f"episodes and num_envs must be at least 1, got {episodes} and {num_envs}")
    get_split(split)
    spec = get_domain(domain)
    levels = [spec.resolve_level(level) for level in levels]
    if not levels:
        raise Sim2ActError("no level to evaluate on")
    progress = progress or Progress()
    progress.start(episodes, 0)

    started = time.perf_counter()
    recorded: list[Episode] = []
    for k, level in enumerate(levels):
        count = episodes // len(levels) + (k < episodes % len(levels))
        recorded += roll_out_proposer(proposer, spec.name, level, split, count, seed, num_envs, progress)
    seconds = time.perf_counter() - started

    outcomes = [outcome_from_episode(e, spec.grammar.instruction_type) for e in recorded]
    report = EvalReport(
        checkpoint=label,
        domain=spec.name,
        split=split,
        levels=levels,
        episodes=len(outcomes),
        overall=summarize(outcomes),
        by_level=breakdown(outcomes, lambda o: o.level),
        by_instruction_type=breakdown(outcomes, lambda o: o.instruction_type),
        seconds=seconds,
        env_steps=sum(len(e) for e in recorded),
        config={
            "proposer": proposer.name,
            "split": split,
            "episodes": episodes,
            "levels": levels,
            "seed": seed,
            "num_envs": num_envs,
        },
    )
    return report, recorded


def roll_out_proposer(
    proposer: Proposer,
    domain: str,
    level: str,
    split: str,
    count: int,
    seed: int = 0,
    num_envs: int = 16,
    progress: Progress | None = None,
) -> list[Episode]:
    """Record ``count`` episodes of ``proposer`` on tasks of ``split``, the same tasks for the same ``seed``.

    Actions are drawn from a generator seeded by ``seed``; ``progress.episode`` sees each finished episode.
    """
    if count == 0:
        return []
    progress = progress or Progress()
    envs = [EpisodeRecorder(make(domain, level)) for _ in range(min(num_envs, count))]
    sampler = TaskSampler(domain, level, split, seed)
    rng = np.random.default_rng([seed, 7919])
    try:
        return collect(envs, proposer, sampler, range(count), rng, progress.episode)
    finally:
        for env in envs:
            env.close()


def write_evaluation(report: EvalReport, episodes: Sequence[Episode], out: Path, gifs: int = 0) -> None:
    """Write ``eval_info.json``, ``eval.md`` and the first ``gifs`` episodes as captioned GIFs into ``out``."""
    out = Path(out)
    write_eval_info(report, out)
    write_markdown(report, out)
    for i, episode in enumerate(episodes[:gifs]):
        name = f"episode-{i:03d}-{'success' if episode.succeeded else 'failure'}.gif"
        write_episode_gif(episode.observations[F.RGB], episode.task.instruction, episode.succeeded, out / "gifs" / name)


def _check_image_shape(policy: VisionLanguagePolicy, level: str) -> None:
    env = make(policy.spec.domain, level)
    shape = env.observation_space[F.RGB].shape
    env.close()
    if tuple(shape) != tuple(policy.spec.image_shape):
        raise Sim2ActError(f"level {level!r} renders {shape} frames; the policy was trained on {policy.spec.image_shape}")
