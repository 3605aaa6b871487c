"""Env options given on the command line as ``--env KEY=VALUE``, for ``Domain.build(level, **options)``."""

from __future__ import annotations

import json
from typing import Any

from sim2act.errors import Sim2ActError

ENV_HELP = "Env option KEY=VALUE of the domain's build (repeatable; VALUE is JSON when it parses: tile_size=8)."
"""The ``--env`` option's help, the same on every command."""


def parse_env_options(pairs: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs as options; a VALUE that parses as JSON is that JSON value, else the string itself.

    >>> parse_env_options(["tile_size=8", "flag=true", "x=[1, 2]", "mode=rgb_array", "empty="])
    {'tile_size': 8, 'flag': True, 'x': [1, 2], 'mode': 'rgb_array', 'empty': ''}
    >>> parse_env_options(["tile_size"])
    Traceback (most recent call last):
    ...
    sim2act.errors.Sim2ActError: --env 'tile_size': expected KEY=VALUE
    """
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise Sim2ActError(f"--env {pair!r}: expected KEY=VALUE")
        try:
            options[key] = json.loads(text)
        except ValueError:
            options[key] = text
    return options
