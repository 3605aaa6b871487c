"""Checks of user-given names and config fields, shared by every config and registry.

Each failure is a one-line ``Sim2ActError`` naming the bad input (see ``sim2act.errors``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import fields
from typing import Any

from sim2act.errors import Sim2ActError


def suggest(name: str, candidates: Iterable[str]) -> str:
    """A ``" (did you mean 'x'?)"`` hint for a misspelt name, or an empty string.

    >>> suggest("GoToLocl", ["GoToLocal", "PickupLoc"])
    " (did you mean 'GoToLocal'?)"
    """
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_positive(config: Any, names: Iterable[str], minimum: int = 1, flags: bool = True) -> None:
    """Refuse any field of ``config`` in ``names`` below ``minimum``.

    ``flags``: name the field as its command-line flag (``--num-envs``) rather than as itself (``num_envs``).
    """
    for name in names:
        value = getattr(config, name)
        if value < minimum:
            shown = "--" + name.replace("_", "-") if flags else name
            raise Sim2ActError(f"{shown} must be at least {minimum}, got {value}")


def check_above_zero(value: float, shown: str) -> None:
    """Refuse a number that is not above zero (a temperature, a scale); ``shown`` names it as the user gave it."""
    if not value > 0:
        raise Sim2ActError(f"{shown} must be > 0, got {value}")


TUPLE_FIELDS = (
    "image_shape", "levels", "cameras", "depth", "proprio_min", "proprio_max", "depth_range", "vocabulary", "cell_pixels",
)
"""JSON lists read back as tuples wherever a config keeps a tuple."""


def config_from_dict(cls, data: dict[str, Any]):
    """A config dataclass from JSON, ignoring nothing silently: unknown keys are an error."""
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise Sim2ActError(f"unknown {cls.__name__} fields: {', '.join(unknown)}")
    data = {name: tuple(_tuples(v)) if name in TUPLE_FIELDS and isinstance(v, list) else v for name, v in data.items()}
    return cls(**data)


def _tuples(values: list) -> list:
    return [tuple(_tuples(v)) if isinstance(v, list) else v for v in values]
