"""Retries: a failed task rolled out again, so the data cover the tasks the proposer fails on.

A loop that imitates its own successes learns the tasks it already solves: the ones π_θ fails on reach the data
only as hindsight episodes of whatever it reached instead. Spending more rollouts where the first one failed
(rejection sampling with a per-task budget, as expert iteration does) lets a success on a hard task in. A retry is
the same episode id, so the same layout and instruction (``tasks.TaskSampler.reset``), acted by the same proposer
with fresh randomness; per episode id, the first successful attempt is the one labeled, else the first attempt (a
dataset holds one episode per id). Every attempt's steps are executed steps, counted whether or not kept.
"""

from __future__ import annotations

import numpy as np

from sim2act.data.episode import Episode
from sim2act.proposers import Proposer
from sim2act.rollout.collect import collect
from sim2act.rollout.recorder import EpisodeRecorder
from sim2act.tasks import TaskSampler


def retry_failed(
    envs: list[EpisodeRecorder],
    proposer: Proposer,
    sampler: TaskSampler,
    rollouts: list[Episode],
    rng: np.random.Generator,
    retries: int,
) -> tuple[list[Episode], list[Episode]]:
    """Roll each failed task of ``rollouts`` out again, up to ``retries`` more times, until one attempt succeeds.

    Returns the rollouts to label (one per episode id, in id order: its first success, else its first attempt) and
    every attempt's rollout (``rollouts`` first), for the step counts.
    """
    chosen = {episode.episode_id: episode for episode in rollouts}
    attempts = list(rollouts)
    for _ in range(retries):
        failed = sorted(i for i, episode in chosen.items() if not episode.succeeded)
        if not failed:
            break
        again = collect(envs, proposer, sampler, failed, rng)
        attempts += again
        chosen.update({episode.episode_id: episode for episode in again if episode.succeeded})
    return [chosen[i] for i in sorted(chosen)], attempts
