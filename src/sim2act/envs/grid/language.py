"""The attribute–object vocabulary of BabyAI instructions, used to define held-out compositions."""

from __future__ import annotations

import re

from minigrid.core.constants import COLOR_NAMES

OBJECT_TYPES = ("ball", "box", "key", "door")
_COLOR_OBJECT = re.compile(rf"\b({'|'.join(COLOR_NAMES)}) ({'|'.join(OBJECT_TYPES)})\b")


def compositions(instruction: str) -> frozenset[tuple[str, str]]:
    """The (colour, object type) pairs named in a BabyAI instruction.

    >>> sorted(compositions("put the red ball next to a blue key"))
    [('blue', 'key'), ('red', 'ball')]
    """
    return frozenset(_COLOR_OBJECT.findall(instruction))
