"""``sim2act eval``: roll a checkpoint out on a task split and measure it.

Episodes are spread evenly over the levels and drawn by the split's task sampler, so the tasks are
the same for every checkpoint evaluated with the same seed. ``evaluate_proposer`` measures any
``Proposer`` the same way (the RL baselines of ``sim2act.baselines`` go through it), and ``evaluate``
is that applied to a policy checkpoint.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim2act import features as F
from sim2act.data.atomic import remove_stale_temp_files
from sim2act.data.episode import Episode
from sim2act.envs import check_env_options, get_domain, make
from sim2act.errors import Sim2ActError
from sim2act.evaluation.gifs import write_episode_gif
from sim2act.evaluation.metrics import breakdown, outcome_from_episode, summarize
from sim2act.evaluation.report import EvalReport, write_eval_info, write_markdown
from sim2act.models import VisionLanguagePolicy, load_policy
from sim2act.observations import compose_image, composed_shape
from sim2act.progress import Progress
from sim2act.proposers.base import Proposer
from sim2act.proposers.policy import PolicyProposer
from sim2act.rollout.collect import collect
from sim2act.rollout.recorder import EpisodeRecorder
from sim2act.tasks import TaskSampler, get_split
from sim2act.training.checkpoints import resolve_policy_folder
from sim2act.validation import check_above_zero


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
    policy_temperature: float = 1.0
    """Temperature actions are sampled at when not greedy (``proposers.policy.sharpen``); 1: as trained."""
    seed: int = 0
    """Seed of task sampling (and of action sampling when not greedy)."""
    num_envs: int = 16
    """Envs stepped together in this process."""
    gifs: int = 0
    """Episodes to save as captioned GIFs."""
    env: dict[str, Any] = field(default_factory=dict)
    """Env options over the policy's own (those of its training data): ``--env key=value``."""


def evaluate(config: EvalConfig, out: str | Path | None = None, progress: Progress | None = None) -> EvalReport:
    """Roll out ``config.checkpoint`` and return (and, with ``out``, write) its report."""
    if config.episodes < 1 or config.num_envs < 1 or config.gifs < 0:
        raise Sim2ActError("--episodes and --num-envs must be at least 1 and --gifs at least 0")
    get_split(config.split)
    check_above_zero(config.policy_temperature, "--policy-temperature")
    folder = resolve_policy_folder(config.checkpoint)
    policy = load_policy(folder)
    domain = get_domain(policy.spec.domain)
    levels = [domain.resolve_level(level) for level in (config.levels or policy.spec.levels)]
    if not levels:
        raise Sim2ActError(f"checkpoint {folder} records no training levels: pass --level")
    env_options = {**policy.spec.env_options, **config.env}
    if out is not None:  # an unwritable --out fails now, not after the roll-outs
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(out)  # an evaluation killed mid-write leaves its temp file behind

    for level in levels:
        _check_image_shape(policy, level, env_options)
    report, episodes = evaluate_proposer(
        PolicyProposer(policy, greedy=config.greedy, temperature=config.policy_temperature),
        domain.name,
        levels,
        config.split,
        config.episodes,
        seed=config.seed,
        num_envs=config.num_envs,
        label=str(folder),
        progress=progress,
        env_options=env_options,
    )
    report.config = {**asdict(config), "levels": levels, "env": env_options}
    if out is not None:
        write_evaluation(report, episodes, out, config.gifs, cameras=policy.spec.cameras)
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
    env_options: Mapping[str, Any] | None = None,
) -> tuple[EvalReport, list[Episode]]:
    """Roll ``proposer`` out on ``split`` of ``levels`` and measure it as ``evaluate`` measures a policy.

    Episodes are spread evenly over the levels; ``label`` names what was evaluated (the report's
    ``checkpoint``); envs are built with ``env_options`` (None: the domain's defaults). Returns the
    report and the recorded episodes (for GIFs, see ``write_evaluation``).
    """
    if episodes < 1 or num_envs < 1:
        raise Sim2ActError(f"episodes and num_envs must be at least 1, got {episodes} and {num_envs}")
    get_split(split)
    spec = get_domain(domain)
    levels = [spec.resolve_level(level) for level in levels]
    if not levels:
        raise Sim2ActError("no level to evaluate on")
    env_options = dict(env_options or {})
    check_env_options(spec.name, levels[0], env_options)
    progress = progress or Progress()
    progress.start(episodes, 0)

    started = time.perf_counter()
    recorded: list[Episode] = []
    for k, level in enumerate(levels):
        count = episodes // len(levels) + (k < episodes % len(levels))
        recorded += roll_out_proposer(proposer, spec.name, level, split, count, seed, num_envs, progress, env_options)
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
            "env": env_options,
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
    env_options: Mapping[str, Any] | None = None,
) -> list[Episode]:
    """Record ``count`` episodes of ``proposer`` on tasks of ``split``, the same tasks for the same ``seed``.

    Actions are drawn from a generator seeded by ``seed``; ``progress.episode`` sees each finished episode.
    Envs are built with ``env_options`` (None: the domain's defaults).
    """
    if count == 0:
        return []
    progress = progress or Progress()
    envs = [EpisodeRecorder(make(domain, level, **(env_options or {}))) for _ in range(min(num_envs, count))]
    sampler = TaskSampler(domain, level, split, seed)
    rng = np.random.default_rng([seed, 7919])
    try:
        return collect(envs, proposer, sampler, range(count), rng, progress.episode)
    finally:
        for env in envs:
            env.close()


def write_evaluation(
    report: EvalReport, episodes: Sequence[Episode], out: Path, gifs: int = 0, cameras: Sequence[str] = (F.RGB,)
) -> None:
    """Write ``eval_info.json``, ``eval.md`` and the first ``gifs`` episodes as captioned GIFs (``cameras`` side by
    side) into ``out``."""
    out = Path(out)
    write_eval_info(report, out)
    write_markdown(report, out)
    for i, episode in enumerate(episodes[:gifs]):
        name = f"episode-{i:03d}-{'success' if episode.succeeded else 'failure'}.gif"
        frames = compose_image(episode.observations, cameras)
        write_episode_gif(frames, episode.task.instruction, episode.succeeded, out / "gifs" / name)


def _check_image_shape(policy: VisionLanguagePolicy, level: str, env_options: Mapping[str, Any]) -> None:
    env = make(policy.spec.domain, level, **env_options)
    spec, spaces = policy.spec, env.observation_space.spaces
    keys = (*spec.cameras, *spec.depth)
    missing = [key for key in keys if key not in spaces]
    env.close()
    if missing:
        raise Sim2ActError(f"level {level!r} has no {', '.join(missing)} observation; the policy was trained on it")
    shape = composed_shape({key: spaces[key].shape for key in keys}, spec.cameras, spec.depth)
    if tuple(shape) != tuple(policy.spec.image_shape):
        raise Sim2ActError(f"level {level!r} renders {shape} frames; the policy was trained on {policy.spec.image_shape}")
