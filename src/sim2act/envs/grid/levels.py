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


DEFAULT_LEVEL = "GoToLocal"

_VARIANTS = {"GoToLocal": ("GoToLocalS8N2", "GoToLocalS6N4", "GoToOpen", "GoTo")}


def variants(level: str) -> tuple[str, ...]:
    """BabyAI levels a policy trained on ``level`` never saw: fewer distractors, smaller rooms, a 3×3 maze."""
    return _VARIANTS.get(level, ())


SEQUENCE_LEVELS = ("GoToSeqS5R2",)
"""Sequenced-instruction levels of the long-horizon bench; GoToSeq itself (3×3 rooms, episodes of up to
2,304 steps, each previewed by π0) is opt-in: its loop is hours on a 2-core CPU."""

PUBLISHED = {
    "GoToLocal": (
        "BabyAI paper (Chevalier-Boisvert et al., ICLR 2019, table 3), GoToLocal to 99% success: "
        "RL from scratch 903–1,114K episodes; imitation of the bot 148.5–193.2K demonstrations."
    ),
}
"""Published reference figures, quoted beside the benches' tables (different budgets and success targets)."""
