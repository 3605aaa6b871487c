"""The rollout engine: step a batch of envs with one proposer until the asked-for episodes are done."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

import numpy as np
from gymnasium import spaces

from sim2act.data.episode import Episode
from sim2act.proposers import Proposer
from sim2act.rollout.recorder import EpisodeRecorder
from sim2act.tasks import TaskSampler


def collect(
    envs: list[EpisodeRecorder],
    proposer: Proposer,
    sampler: TaskSampler,
    episode_ids: Sequence[int],
    rng: np.random.Generator,
    on_episode: Callable[[Episode], None] = lambda e: None,
) -> list[Episode]:
    """Roll out ``episode_ids`` on the envs, a batch of proposals per step; return the episodes."""
    discrete = isinstance(envs[0].action_space, spaces.Discrete)
    waiting = deque(episode_ids)
    active: dict[int, list] = {}  # slot -> [episode id, task, current observation]
    finished: list[Episode] = []

    def start(slot: int) -> None:
        episode_id = waiting.popleft()
        task, obs, _ = sampler.reset(envs[slot], episode_id)
        proposer.begin_episode(slot, envs[slot])
        active[slot] = [episode_id, task, obs]

    for slot in range(min(len(envs), len(waiting))):
        start(slot)
    while active:
        slots = list(active)
        proposal = proposer.propose([active[s][2] for s in slots], [envs[s] for s in slots], slots, rng)
        for slot, action in zip(slots, proposal.actions):
            action = int(action) if discrete else action
            obs, _, terminated, truncated, _ = envs[slot].step(action)
            proposer.executed(slot, action)
            if terminated or truncated:
                episode_id, task, _ = active.pop(slot)
                episode = envs[slot].pop_episode(episode_id, task)
                finished.append(episode)
                on_episode(episode)
                if waiting:
                    start(slot)
            else:
                active[slot][2] = obs
    return finished
