"""Proposers: the exploratory policies that choose the actions logged into datasets.

``make_proposer(name, action_space, alpha)`` builds a registered proposer; ``alpha < 1`` wraps it in
``mixture(name, alpha)`` = alpha * proposer + (1 - alpha) * Uniform.
"""

from __future__ import annotations

from typing import Callable

import gymnasium as gym

from sim2act.envs.registry import suggest
from sim2act.errors import Sim2ActError
from sim2act.proposers.base import Proposal, Proposer
from sim2act.proposers.bot import BotProposer
from sim2act.proposers.mixture import MixtureProposer
from sim2act.proposers.uniform import UniformProposer

PROPOSERS: dict[str, Callable[[gym.Space], Proposer]] = {}


def register_proposer(name: str, factory: Callable[[gym.Space], Proposer]) -> None:
    """Make ``--proposer name`` build ``factory(action_space)``."""
    PROPOSERS[name] = factory


def make_proposer(name: str, action_space: gym.Space, alpha: float = 1.0) -> Proposer:
    """The proposer ``name``, mixed with uniform actions when ``alpha < 1``."""
    if name not in PROPOSERS:
        raise Sim2ActError(f"unknown proposer {name!r}{suggest(name, PROPOSERS)}; known: {', '.join(sorted(PROPOSERS))}")
    if not 0.0 <= alpha <= 1.0:
        raise Sim2ActError(f"--alpha must lie in [0, 1], got {alpha}")
    proposer = PROPOSERS[name](action_space)
    return proposer if alpha == 1.0 else MixtureProposer(proposer, alpha)


register_proposer("uniform", UniformProposer)
register_proposer("bot", BotProposer)

__all__ = ["PROPOSERS", "MixtureProposer", "Proposal", "Proposer", "make_proposer", "register_proposer"]
