"""Cut an episode at the step that made an instruction true, and label it with that instruction."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sim2act.data.episode import Episode
from sim2act.errors import Sim2ActError


def cut(episode: Episode, last: int, instruction: str, label: str) -> Episode:
    """Rows ``0..last`` of ``episode`` following ``instruction``, ending in success on row ``last``.

    Row ``last`` holds the action that made ``instruction`` true, so it becomes the terminal row
    (``success`` and ``terminated`` true there and nowhere else, ``truncated`` false). Observations,
    actions and rewards are the rolled-out ones (the reward is what the simulator paid for the
    instruction the episode was collected with); ``original_instruction`` is carried over.
    """
    if not 0 <= last < len(episode):
        raise Sim2ActError(f"cannot cut an episode of {len(episode)} steps at step {last}")
    n = last + 1
    ended = np.zeros(n, bool)
    ended[-1] = True
    return Episode(
        episode_id=episode.episode_id,
        task=replace(episode.task, instruction=instruction),
        observations={key: frames[:n] for key, frames in episode.observations.items()},
        actions=episode.actions[:n],
        rewards=episode.rewards[:n],
        terminated=ended,
        truncated=np.zeros(n, bool),
        success=ended.copy(),
        achieved=[(step, text) for step, text in episode.achieved if step <= last],
        label=label,
        original_instruction=episode.original_instruction,
        state_keys=episode.state_keys[: n + 1] if episode.state_keys else None,
        annotations={key: values[:n] for key, values in episode.annotations.items()},
    )
