"""BabyAI level names: the short names sim2act tests by default, and any id minigrid registers."""

from __future__ import annotations

import gymnasium as gym
import minigrid  # noqa: F401  (registers the BabyAI ids with Gymnasium)

from sim2act.errors import Sim2ActError
from sim2act.validation import suggest

NAMED_LEVELS = (
    "GoToRedBallGrey",
    "GoToLocal",
    "PickupLoc",
    "PutNextLocal",
    "GoTo",
    "Open",
    "GoToSeq",
)
"""Levels that are listed, registered as ``sim2act/grid-<level>-v0`` and covered by the tests."""


def babyai_levels() -> list[str]:
    """Short names of every BabyAI level minigrid registers (``BabyAI-<name>-v0``)."""
    return sorted(env_id[len("BabyAI-") : -len("-v0")] for env_id in gym.registry if _is_babyai_id(env_id))


def _is_babyai_id(env_id: str) -> bool:
    return env_id.startswith("BabyAI-") and env_id.endswith("-v0")


def resolve_level(level: str) -> str:
    """Accept ``GoToLocal`` or ``BabyAI-GoToLocal-v0``; return the short name."""
    short = level[len("BabyAI-") : -len("-v0")] if _is_babyai_id(level) else level
    known = babyai_levels()
    if short not in known:
        raise Sim2ActError(f"unknown grid level {level!r}{suggest(short, known)}; `sim2act envs --domain grid` lists them")
    return short


def babyai_id(level: str) -> str:
    """The minigrid Gymnasium id of a short level name."""
    return f"BabyAI-{level}-v0"
