"""The tabletop's task language, modelled on CLIPort's tasks, and its held-out compositions.

Colours are CLIPort's: the seen levels name objects in ``TRAIN_COLORS``; the unseen-colour variant
(``put-in-bowl-unseen-colors``) names them in ``EVAL_COLORS``, three of which (orange, purple, pink
and white aside) are shared. Distractors take any colour of ``ALL_COLORS``, as in CLIPort, but an
object in a colour its level never names is never named either: no instruction, hindsight relabel or
caption of a seen level mentions orange, purple, pink or white.
"""

from __future__ import annotations

import re

TRAIN_COLORS = ("blue", "red", "green", "yellow", "brown", "gray", "cyan")
EVAL_COLORS = ("blue", "red", "green", "orange", "purple", "pink", "white")
ALL_COLORS = tuple(dict.fromkeys(TRAIN_COLORS + EVAL_COLORS))
OBJECTS = ("block", "bowl")
SIZES = ("small", "large")
DIRECTIONS = ("left of", "right of", "behind", "in front of")
"""Relations of ``place-relative``, as the front camera sees them (``behind``: farther from it)."""

HELD_OUT_PAIRS = frozenset({("green", "block"), ("cyan", "block"), ("red", "bowl"), ("yellow", "bowl")})
"""(colour, object) pairs never named in training instructions; every colour and object still occurs in training."""

_PAIR = re.compile(rf"\b({'|'.join(ALL_COLORS)}) (block|bowl)s?\b")
_LIST = re.compile(rf"\b((?:(?:{'|'.join(ALL_COLORS)}),? (?:and )?)+)blocks\b")


def pick_instruction(block: str) -> str:
    return f"pick up the {block} block"


def put_in_bowl_instruction(block: str, bowl: str) -> str:
    return f"put the {block} block in the {bowl} bowl"


def stack_instruction(top: str, bottom: str) -> str:
    return f"stack the {top} block on the {bottom} block"


def place_relative_instruction(size: str, block: str, direction: str, bowl: str) -> str:
    return f"put the {size} {block} block {_relation(direction)} the {bowl} bowl"


def tower_instruction(colors: list[str]) -> str:
    """Bottom block first: "stack the red, green and blue blocks into a tower"."""
    named = ", ".join(colors[:-1]) + f" and {colors[-1]}"
    return f"stack the {named} blocks into a tower"


def _relation(direction: str) -> str:
    return f"to the {direction}" if direction in ("left of", "right of") else direction


def block_phrase(color: str) -> str:
    return f"the {color} block"


def bowl_phrase(color: str) -> str:
    return f"the {color} bowl"


def relation_phrase(direction: str, bowl: str) -> str:
    """Where ``place-relative`` puts a block: "to the left of the blue bowl", "behind the red bowl"."""
    return f"{_relation(direction)} the {bowl} bowl"


_PUT_IN = re.compile(r"^put the (\w+) block in the (\w+) bowl$")
_STACK = re.compile(r"^stack the (\w+) block on the (\w+) block$")
_RELATIVE = re.compile(r"^put the \w+ (\w+) block (.+) the (\w+) bowl$")


def action_phrases(instruction: str) -> tuple[str | None, str | None]:
    """The phrases a ``pick_place`` action's two cells should be at, from the instruction alone.

    >>> action_phrases("put the red block in the blue bowl")
    ('the red block', 'the blue bowl')
    >>> action_phrases("put the small red block to the left of the blue bowl")
    ('the red block', 'to the left of the blue bowl')
    >>> action_phrases("stack the red, green and blue blocks into a tower")  # its first sub-goal
    ('the green block', 'the red block')
    >>> action_phrases("pick up the red block")
    ('the red block', None)
    """
    kind = instruction_type(instruction)
    if kind == "tower":
        return action_phrases(subgoals(instruction)[0])
    if kind == "pick":
        return block_phrase(instruction.removeprefix("pick up the ").removesuffix(" block")), None
    if kind == "stack" and (match := _STACK.match(instruction)):
        return block_phrase(match[1]), block_phrase(match[2])
    if kind == "put in bowl" and (match := _PUT_IN.match(instruction)):
        return block_phrase(match[1]), bowl_phrase(match[2])
    if kind == "place relative" and (match := _RELATIVE.match(instruction)):
        return block_phrase(match[1]), f"{match[2]} the {match[3]} bowl"
    return None, None


def compositions(instruction: str) -> frozenset[tuple[str, str]]:
    """The (colour, object) pairs an instruction names.

    >>> sorted(compositions("put the red block in the blue bowl"))
    [('blue', 'bowl'), ('red', 'block')]
    >>> sorted(compositions("stack the red, green and blue blocks into a tower"))
    [('blue', 'block'), ('green', 'block'), ('red', 'block')]
    """
    pairs = set(_PAIR.findall(instruction))
    for listed in _LIST.findall(instruction):
        pairs.update((c, "block") for c in re.findall(rf"\b({'|'.join(ALL_COLORS)})\b", listed))
    return frozenset(pairs)


INSTRUCTION_TYPES = ("pick", "put in bowl", "stack", "place relative", "tower", "other")


def instruction_type(instruction: str) -> str:
    """The task an instruction asks for.

    >>> instruction_type("put the small red block to the left of the blue bowl")
    'place relative'
    >>> instruction_type("stack the red, green and blue blocks into a tower")
    'tower'
    """
    if instruction.startswith("pick up "):
        return "pick"
    if instruction.endswith(" into a tower"):
        return "tower"
    if instruction.startswith("stack "):
        return "stack"
    if instruction.startswith("put ") and " in the " in instruction:
        return "put in bowl"
    if instruction.startswith("put ") and any(f" {_relation(d)} the " in instruction for d in DIRECTIONS):
        return "place relative"
    return "other"


def tower_colors(instruction: str) -> list[str]:
    """The colours of a tower instruction, bottom first."""
    listed = instruction.removeprefix("stack the ").removesuffix(" blocks into a tower")
    return [c for c in re.split(r",\s*|\s+and\s+", listed) if c]


def subgoals(instruction: str) -> list[str]:
    """A tower's sub-goals, one ``stack`` per block above the bottom one; any other task is its own.

    >>> subgoals("stack the red, green and blue blocks into a tower")
    ['stack the green block on the red block', 'stack the blue block on the green block']
    """
    if instruction_type(instruction) != "tower":
        return [instruction]
    colors = tower_colors(instruction)
    return [stack_instruction(top, bottom) for bottom, top in zip(colors, colors[1:])]


VOCABULARY = tuple(
    dict.fromkeys(
        "pick up the put in on stack to of left right behind front into a tower and blocks , block bowl".split()
        + list(SIZES)
        + list(ALL_COLORS)
    )
)
"""Every word the grammar produces (the small tokenizer's vocabulary); append, never reorder."""
