"""Draw tasks (domain, level, seed, instruction) of one split, deterministically per episode index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from sim2act import features as F
from sim2act.envs import get_domain
from sim2act.errors import Sim2ActError
from sim2act.tasks.splits import belongs_to, get_split


@dataclass(frozen=True)
class Task:
    """One episode's task: the env is reset with ``seed`` and must follow ``instruction``."""

    domain: str
    level: str
    split: str
    seed: int
    instruction: str


class TaskSampler:
    """Resets an env into a task of the split, by rejection over the split's seed range.

    Episode ``i`` always gets the same task for a given sampler seed, whatever order episodes are
    drawn in, so an interrupted generation resumes with exactly the tasks it would have drawn.
    """

    def __init__(self, domain: str, level: str, split: str, seed: int, max_attempts: int = 2000) -> None:
        self.domain = domain
        self.level = level
        self.split = get_split(split)
        if self.split.held_out_compositions and not get_domain(domain).grammar.held_out:
            raise Sim2ActError(f"domain {domain!r} declares no held-out compositions, so it has no {split} tasks")
        self.seed = seed
        self.max_attempts = max_attempts

    def reset(self, env: gym.Env, episode_index: int) -> tuple[Task, dict[str, Any], dict[str, Any]]:
        """Reset ``env`` into episode ``episode_index``'s task; return the task, observation and info."""
        rng = np.random.default_rng([self.seed, episode_index])
        for _ in range(self.max_attempts):
            seed = int(rng.integers(self.split.seed_start, self.split.seed_stop))
            obs, info = env.reset(seed=seed)
            instruction = info[F.INFO_INSTRUCTION]
            if belongs_to(self.split, self.domain, seed, instruction):
                return Task(self.domain, self.level, self.split.name, seed, instruction), obs, info
        raise Sim2ActError(
            f"level {self.level!r} produced no {self.split.name} task in {self.max_attempts} layouts "
            f"(its instructions may never name a held-out composition)"
        )
