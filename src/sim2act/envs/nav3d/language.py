"""The task language of 3D navigation: colours, objects, instruction forms and held-out compositions."""

from __future__ import annotations

import re

COLORS = ("red", "green", "blue", "purple", "yellow", "grey")
"""Miniworld's entity colours (``miniworld.entity.COLOR_NAMES``), in its order."""
OBJECTS = ("box", "ball", "key")
"""Miniworld's pickable entities."""
NEXT_TO_DISTANCE = 1.6
"""Metres between two objects' centres within which one is "next to" the other."""

HELD_OUT_PAIRS = frozenset({("red", "ball"), ("green", "key"), ("blue", "box"), ("yellow", "ball"), ("purple", "key"),
                            ("grey", "box")})
"""(colour, object) pairs never named in training instructions: each colour once, each object twice, so every
colour and every object still occurs in training, in other pairs."""

VOCABULARY = ("go", "to", "the", "pick", "up", "next", "then", ",", *COLORS, *OBJECTS)
"""Every word of the grammar (the comma is a word of sequences); append, never reorder."""

INSTRUCTION_TYPES = ("go to", "go to next to", "pick up", "sequence", "go to kind", "other")
_COLOR_OBJECT = re.compile(rf"\b({'|'.join(COLORS)}) ({'|'.join(OBJECTS)})\b")
_THEN = ", then "


def phrase(color: str | None, kind: str) -> str:
    """A noun phrase: ``phrase("red", "ball")`` is "the red ball"; ``phrase(None, "ball")`` "the ball"."""
    return f"the {color} {kind}" if color else f"the {kind}"


def go_to(color: str, kind: str) -> str:
    return f"go to {phrase(color, kind)}"


def go_to_kind(kind: str) -> str:
    """ "go to the box": any object of that kind. A hindsight label only (the ``kind_goals`` option): an object of
    a held-out pair reached in training is named by its kind alone, so it is a goal there too, never its pair."""
    return f"go to {phrase(None, kind)}"


_GO_TO_KIND = frozenset(go_to_kind(kind) for kind in OBJECTS)


def go_to_next_to(kind: str, ref_color: str, ref_kind: str) -> str:
    """ "go to the ball next to the blue key": the one ``kind`` object within reach of the reference."""
    return f"go to {phrase(None, kind)} next to {phrase(ref_color, ref_kind)}"


def pick_up(color: str, kind: str) -> str:
    return f"pick up {phrase(color, kind)}"


def sequence(clauses: list[str]) -> str:
    """Clauses to do in order: "go to the red ball, then go to the blue key"."""
    return _THEN.join(clauses)


def compositions(instruction: str) -> frozenset[tuple[str, str]]:
    """The (colour, object) pairs an instruction names.

    >>> sorted(compositions("go to the red ball, then go to the blue key"))
    [('blue', 'key'), ('red', 'ball')]
    >>> sorted(compositions("go to the ball next to the green box"))
    [('green', 'box')]
    """
    return frozenset(_COLOR_OBJECT.findall(instruction))


def subgoals(instruction: str) -> list[str]:
    """The clauses of a sequence, each an instruction of its own (one clause: itself).

    >>> subgoals("go to the red ball, then go to the blue key")
    ['go to the red ball', 'go to the blue key']
    """
    return instruction.split(_THEN)


def instruction_type(instruction: str) -> str:
    """The grammatical form of an instruction: one of ``INSTRUCTION_TYPES``.

    >>> [instruction_type(s) for s in ("go to the red ball", "go to the ball next to the red key",
    ...  "pick up the grey box", "go to the red ball, then go to the blue key", "go to the key", "dance")]
    ['go to', 'go to next to', 'pick up', 'sequence', 'go to kind', 'other']
    """
    if _THEN in instruction:
        return "sequence"
    if instruction in _GO_TO_KIND:
        return "go to kind"
    if instruction.startswith("go to ") and " next to " in instruction:
        return "go to next to"
    for verb in ("go to", "pick up"):
        if instruction.startswith(verb + " "):
            return verb
    return "other"


def target_object(instruction: str) -> str | None:
    """The noun phrase of the object a one-clause "go to" or "pick up" sends the agent to; None for the other forms
    (a "next to" names its object's kind only, a sequence's target changes as its clauses are done).

    >>> target_object("pick up the grey box"), target_object("go to the ball next to the red key")
    ('the grey box', None)
    """
    if instruction_type(instruction) not in ("go to", "pick up"):
        return None
    named = _COLOR_OBJECT.findall(instruction)
    return phrase(*named[0]) if len(named) == 1 else None
