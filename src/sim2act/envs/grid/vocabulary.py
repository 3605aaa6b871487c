"""Every word BabyAI's instruction grammar can produce: the word-level tokenizer's vocabulary."""

from __future__ import annotations

from minigrid.core.constants import COLOR_NAMES

from sim2act.envs.grid.language import OBJECT_TYPES

_VERBS = ("go", "to", "pick", "up", "open", "put", "next")
_CONNECTIVES = ("and", "then", "after", "you", ",")
_DETERMINERS = ("the", "a")
_LOCATIONS = ("on", "your", "left", "right", "in", "front", "of", "behind")
OBJECT_WORDS = OBJECT_TYPES + ("object",)

VOCABULARY: tuple[str, ...] = tuple(
    dict.fromkeys(_VERBS + _CONNECTIVES + _DETERMINERS + _LOCATIONS + tuple(COLOR_NAMES) + OBJECT_WORDS)
)
"""BabyAI's words in a fixed order; adding a word at the end keeps earlier token ids stable."""
