"""Hindsight shortcuts: straighten a kept path toward the place it ended, where the simulator confirms it.

Loop erasure cuts a detour only where a state repeats exactly. An exploratory walk in continuous space rarely
comes back to an exact pose: it zigzags (turn, step, turn back, step), and the erased path keeps the zigzag, so
the same view is labeled "turn" in one episode and "forward" in the next. Motion planners smooth such paths by
shortcutting: join two points of the path directly where the straight join is free. Here the join is tried in
the simulator itself: from the episode's start (then from later kept states), the domain's ``steer`` walks
straight toward the place where the episode ended, and the verifier says whether that achieves the episode's
instruction in fewer steps. If it does, the straight run replaces the rest of the path.

Only the agent's own walk is read: its actions, its state keys (the place it reached) and the verifier. Neither
the target's position nor a map nor a planner is used, so a shortcut blocked by a wall or an object fails and
the path stays as it was. Every step of a trial (replaying the prefix and walking) is a simulator step, and the
caller counts them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any, Protocol

from sim2act.data.episode import Episode
from sim2act.errors import Sim2ActError
from sim2act.labels.cut import cut
from sim2act.labels.loops import erase_loops

Steer = Callable[[Any, Any], Any]
"""``steer(env, state_key)``: the next action toward that state key's place, None once there (``Domain.steer``)."""

Replay = Callable[[Any, int, str, Iterable[Any]], Iterator[tuple[dict, str]]]
"""``replay(env, seed, instruction, actions)``: the verifier's verdict after each action (``Domain.replay``)."""

TRIES = 4
"""Starting points tried per episode: its start, then kept states a quarter, half and three quarters along."""


class RecordingEnv(Protocol):
    """An env that records the steps since its last reset (``rollout.recorder.EpisodeRecorder``)."""

    unwrapped: Any
    state_key: Any
    """The current state's key."""

    def reset(self, **kwargs) -> tuple[dict, dict]: ...

    def step(self, action) -> tuple: ...

    def pop_episode(self, episode_id: int, task) -> Episode: ...


def starts(length: int, tries: int = TRIES) -> list[int]:
    """The kept rows a straight run is tried from, earliest (the longest shortcut) first."""
    return sorted({length * k // tries for k in range(tries)})


def shortcut(env: RecordingEnv, episode: Episode, steer: Steer, replay: Replay, tries: int = TRIES) -> tuple[Episode, int]:
    """``episode`` with its path from the earliest start that allows it replaced by a straight run to where it
    ended, when that run achieves its instruction in fewer steps; else ``episode``. Also: simulator steps spent.

    ``episode`` must be a kept episode (ending where its instruction became true) with state keys; its kept rows
    must replay from its reset seed (loop erasure keeps replayable paths). ``replay`` is ``Domain.replay``: it resets
    the env, follows the episode's instruction and gives the verifier's verdict on every step of a trial.
    """
    if not episode.state_keys or len(episode.state_keys) != len(episode) + 1:
        raise Sim2ActError(f"episode {episode.episode_id}: shortcuts need a state key per state")
    spent = 0
    for start in starts(len(episode), tries):
        straight, steps = _straight_run(env, episode, start, steer, replay)
        spent += steps
        if straight is not None:
            return straight, spent
    return episode, spent


def _straight_run(env: RecordingEnv, episode: Episode, start: int, steer: Steer, replay: Replay
                  ) -> tuple[Episode | None, int]:
    """Replay rows ``0..start-1``, then steer toward where the episode ended for fewer steps than the rest took."""
    goal, steered = episode.state_keys[-1], []

    def actions() -> Iterator[Any]:
        yield from episode.actions[:start]
        if env.state_key != episode.state_keys[start]:  # the replay left the stored path: leave the episode as it was
            return
        for _ in range(len(episode) - start - 1):
            action = steer(env, goal)
            if action is None:
                return
            steered.append(env.state_key)
            yield action

    steps = 0
    for _, verdict in replay(env, episode.task.seed, episode.task.instruction, actions()):
        steps += 1
        if verdict == "success":
            if not steered:  # true before the stored path's end: the replay diverged
                return None, steps
            recorded = env.pop_episode(episode.episode_id, episode.task)
            kept = cut(recorded, len(recorded) - 1, episode.task.instruction, episode.label)
            return erase_loops(replace(kept, original_instruction=episode.original_instruction)), steps
        if verdict != "continue" or (steered and env.state_key == steered[-1]):  # over, or blocked: the line is not free
            return None, steps
    return None, steps


def shortcut_all(env: RecordingEnv, episodes: Sequence[Episode], steer: Steer, replay: Replay) -> tuple[list[Episode], int]:
    """``shortcut`` of each episode, in order; and the simulator steps all trials spent."""
    kept, spent = [], 0
    for episode in episodes:
        straight, steps = shortcut(env, episode, steer, replay)
        kept.append(straight)
        spent += steps
    return kept, spent
