"""Which sub-goals of a sequenced instruction an episode completed.

A domain's grammar splits a sequenced instruction into its clauses (``Grammar.subgoals``: "go to the
red ball, then open a door" has two). Each is replayed on its own under the domain's verifier
(``Domain.replay``): a sub-goal is completed when its verifier says success before any failure,
whatever the order the full instruction asks for.
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym

from sim2act.data.episode import Episode
from sim2act.envs.domain import Domain
from sim2act.errors import Sim2ActError


@dataclass(frozen=True)
class SubgoalOutcome:
    """How much of one episode's sequenced instruction was done."""

    total: int
    completed: int
    success: bool
    steps: int


def check_subgoals(domain: Domain) -> None:
    """Refuse a domain that cannot split instructions into sub-goals or replay episodes (one line)."""
    if domain.grammar.subgoals is None or domain.replay is None:
        raise Sim2ActError(f"domain {domain.name!r} declares no sub-goal splitter or replay; the long-horizon bench needs both")


def subgoal_outcome(episode: Episode, domain: Domain, replay_env: gym.Env) -> SubgoalOutcome:
    """Replay ``episode`` under each of its sub-goals on ``replay_env`` (an env of the episode's level)."""
    check_subgoals(domain)
    clauses = domain.grammar.subgoals(episode.task.instruction)
    completed = 0
    for clause in clauses:
        for _, verdict in domain.replay(replay_env, episode.task.seed, clause, episode.actions):
            if verdict != "continue":
                completed += verdict == "success"
                break
    return SubgoalOutcome(len(clauses), completed, episode.succeeded, len(episode))
