"""The attribute–object vocabulary of BabyAI instructions, used to define held-out compositions."""

from __future__ import annotations

import re

from minigrid.core.constants import COLOR_NAMES

PICKABLE_TYPES = ("ball", "box", "key")
OBJECT_TYPES = PICKABLE_TYPES + ("door",)
_COLOR_OBJECT = re.compile(rf"\b({'|'.join(COLOR_NAMES)}) ({'|'.join(OBJECT_TYPES)})\b")


def compositions(instruction: str) -> frozenset[tuple[str, str]]:
    """The (colour, object type) pairs named in a BabyAI instruction.

    >>> sorted(compositions("put the red ball next to a blue key"))
    [('blue', 'key'), ('red', 'ball')]
    """
    return frozenset(_COLOR_OBJECT.findall(instruction))


HELD_OUT_PAIRS = frozenset(
    # Each colour is held out with one object type, each pickable type with two colours, one door colour.
    {("blue", "ball"), ("grey", "ball"), ("yellow", "box"), ("green", "box"), ("purple", "key"), ("red", "key"), ("purple", "door")}
)
"""(colour, type) pairs never named in training instructions; every colour and type still occurs in training."""


INSTRUCTION_TYPES = ("go to", "pick up", "open", "put next to", "sequence", "other")
_VERB = r"(?:go to|pick up|open|put) "
# BabyAI's sequencing grammar: BeforeInstr "A, then B", AfterInstr "A after you B", AndInstr "A and B".
_SEQUENCE = re.compile(rf",? then {_VERB}| after you {_VERB}| and {_VERB}")


def instruction_type(instruction: str) -> str:
    """The grammatical form of a BabyAI instruction: one of ``INSTRUCTION_TYPES``.

    Instructions that join two clauses ("A, then B", "A after you B", "A and B") are "sequence";
    a single clause is named by its verb; anything else is "other".

    >>> instruction_type("go to the red ball")
    'go to'
    >>> instruction_type("put the red ball next to a blue key")
    'put next to'
    >>> instruction_type("open a door and pick up the green key, then go to a ball")
    'sequence'
    >>> instruction_type("dance")
    'other'
    """
    text = " ".join(instruction.lower().split())
    if _SEQUENCE.search(text):
        return "sequence"
    if text.startswith("put ") and " next to " in text:
        return "put next to"
    for verb in ("go to", "pick up", "open"):
        if text.startswith(verb + " "):
            return verb
    return "other"
