"""(frame, captions) pairs from uniformly random episodes on train-split tasks.

Only the train split's layouts and instructions are visited (through ``TaskSampler``), and captions
that name a held-out composition are dropped (a held-out pair may stand in view as a distractor, as
in training data, but the prior never reads its phrase), so the prior has never been taught a
held-out instruction. Where the domain lists regions (``Domain.regions``), each frame keeps them too,
with the same rule for held-out phrases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from sim2act.actions.uniform import uniform_distribution
from sim2act.envs import get_domain, make
from sim2act.priors.captioning import CaptionTable
from sim2act.priors.config import PriorConfig
from sim2act.priors.regions import RegionTable
from sim2act.tasks import Task, TaskSampler, names_held_out

REPORT_EVERY = 500


@dataclass
class FrameSet:
    """Collected frames with their captions and the episode each came from."""

    frames: np.ndarray
    """(N, H, W, 3) uint8 RGB observations."""
    captions: CaptionTable
    episode: np.ndarray
    """(N,) index of the episode of each frame (held-out frames are whole episodes)."""
    tasks: list[Task]
    """The task of each episode (all of the train split)."""
    env_steps: int = 0
    """Env steps executed to collect the frames (simulator steps the prior cost; resets not counted)."""
    regions: RegionTable | None = None
    """Each frame's regions, where the domain lists them."""

    def __len__(self) -> int:
        return len(self.frames)

    def split(self, held_out_fraction: float) -> tuple[np.ndarray, np.ndarray]:
        """Row indices of the training frames and of the held-out frames (the last episodes)."""
        episodes = int(self.episode.max()) + 1
        first_held_out = max(1, min(episodes - 1, round(episodes * (1 - held_out_fraction))))
        if episodes == 1:  # one long episode: hold out its tail instead
            cut = max(1, round(len(self) * (1 - held_out_fraction)))
            rows = np.arange(len(self))
            return rows[:cut], rows[cut:]
        held = self.episode >= first_held_out
        return np.flatnonzero(~held), np.flatnonzero(held)


def collect_frames(config: PriorConfig, on_frames: Callable[[int], None] = lambda n: None) -> FrameSet:
    """Roll uniformly random actions out on train-split tasks until ``config.frames`` frames are captioned.

    Every observation is kept, the last one of an episode included (it often shows the goal reached); the
    frames are the domain's first camera's (``Domain.sensors``), which the prior proposer scores too. With
    ``co_levels`` the episodes go round the levels, one each in turn.
    """
    domain = get_domain(config.domain)
    captioner, camera = domain.captions, domain.sensors(config.env).cameras[0]
    levels = [config.level, *config.co_levels]
    envs = [make(config.domain, level, **config.env) for level in levels]
    samplers = [TaskSampler(config.domain, level, "train", config.seed) for level in levels]
    env = envs[0]
    rng = np.random.default_rng([config.seed, 1])
    random_actions = uniform_distribution(env.action_space, 1)
    discrete = isinstance(env.action_space, gym.spaces.Discrete)
    frames = np.empty((config.frames, *env.observation_space[camera].shape), np.uint8)
    captions, regions, episodes, tasks = [], [], np.empty(config.frames, np.int32), []
    n, episode, env_steps = 0, 0, 0

    def keep(obs) -> None:
        nonlocal n
        frames[n], episodes[n] = obs[camera], episode
        captions.append([c for c in captioner(env) if not names_held_out(config.domain, c.text)])
        if domain.regions is not None:
            regions.append([r for r in domain.regions(env) if not names_held_out(config.domain, r.text)])
        n += 1
        if n % REPORT_EVERY == 0:
            on_frames(REPORT_EVERY)

    while n < config.frames:
        env = envs[episode % len(levels)]
        task, obs, _ = samplers[episode % len(levels)].reset(env, episode // len(levels))
        tasks.append(task)
        keep(obs)
        done = False
        while not done and n < config.frames:
            action = random_actions.sample(rng)[0]
            obs, _, terminated, truncated, _ = env.step(int(action) if discrete else action)
            env_steps += 1
            done = terminated or truncated
            keep(obs)
        episode += 1
    on_frames(n % REPORT_EVERY)
    for each in envs:
        each.close()
    table = RegionTable.build(regions) if domain.regions is not None else None
    return FrameSet(frames, CaptionTable.build(captions), episodes, tasks, env_steps, table)
