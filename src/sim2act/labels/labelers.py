"""The registry of labelers: ``none``, ``success``, ``hindsight`` and ``both``.

A labeler maps one rolled-out episode to the episode to keep (possibly cut and relabeled) or to
None (dropped). It sees only what the simulator recorded: the verifier's verdict on every step
(``Episode.success``) and the instructions the agent achieved (``Episode.achieved``, first step of
each, phrased in the task grammar). Each rollout yields at most one kept episode, under its own id.

- ``none``: every episode as rolled out, label ``original``.
- ``success``: episodes whose own instruction succeeded, cut at the first success, label ``success``.
- ``hindsight``: episodes whose own instruction did not succeed but that achieved an admissible
  instruction, relabeled with the earliest one and cut where it became true, label ``hindsight``;
  the rest are dropped.
- ``both``: ``success`` for the successes, ``hindsight`` for the failures.

An instruction is admissible when the episode (same reset seed) with that instruction belongs to the
episode's split: a relabeled training episode never names a held-out composition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from sim2act import features as F
from sim2act.data.episode import Episode
from sim2act.errors import Sim2ActError
from sim2act.labels.cut import cut
from sim2act.tasks import Split, Task, belongs_to
from sim2act.validation import suggest

Labeler = Callable[[Episode, Split], "Episode | None"]
"""``labeler(episode, split)``: the episode to keep, or None to drop it."""


def admissible(split: Split, task: Task, instruction: str) -> bool:
    """Whether ``task`` relabeled with ``instruction`` still belongs to ``split``.

    For the train split this is exactly ``check_trainable`` (train seed, no held-out composition),
    which the shard writer applies again to every episode of training data.
    """
    return belongs_to(split, task.domain, task.seed, instruction)


def original(episode: Episode, split: Split) -> Episode:
    """Keep the episode as it was rolled out."""
    return episode


def success(episode: Episode, split: Split) -> Episode | None:
    """Keep a successful episode up to its first success; drop a failed one."""
    if not episode.succeeded:
        return None
    return cut(episode, int(np.argmax(episode.success)), episode.task.instruction, F.LABEL_SUCCESS)


def hindsight(episode: Episode, split: Split) -> Episode | None:
    """Relabel a failed episode with its earliest admissible achievement, cut there; drop the rest."""
    if episode.succeeded:
        return None
    for step, instruction in episode.achieved:
        if admissible(split, episode.task, instruction):
            return cut(episode, step, instruction, F.LABEL_HINDSIGHT)
    return None


def success_or_hindsight(episode: Episode, split: Split) -> Episode | None:
    """``success`` for a successful episode, ``hindsight`` for a failed one."""
    return success(episode, split) if episode.succeeded else hindsight(episode, split)


LABELERS: dict[str, Labeler] = {
    "none": original,
    "success": success,
    "hindsight": hindsight,
    "both": success_or_hindsight,
}


def get_labeler(name: str) -> Labeler:
    """The labeler called ``name``; an unknown name is a one-line ``Sim2ActError``."""
    if name not in LABELERS:
        raise Sim2ActError(f"unknown --labels {name!r}{suggest(name, LABELERS)}; known: {', '.join(LABELERS)}")
    return LABELERS[name]


def label_episodes(labeler: str | Labeler, episodes: Iterable[Episode], split: Split) -> list[Episode]:
    """The kept episodes of ``episodes`` (in order), labeled by ``labeler`` (a name or a function)."""
    label = get_labeler(labeler) if isinstance(labeler, str) else labeler
    kept = (label(episode, split) for episode in episodes)
    return [episode for episode in kept if episode is not None]
