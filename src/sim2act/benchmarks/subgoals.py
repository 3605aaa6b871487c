"""Sub-goals of a sequenced BabyAI instruction, and which of them an episode completed.

"go to the red ball, then open a door and pick up a key" has three sub-goals, its clauses. Each
is replayed on its own under BabyAI's verifier (``replay_verdicts``): a sub-goal is completed when
its verifier says success before any failure, whatever the order the full instruction asks for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import gymnasium as gym

from sim2act.data.episode import Episode
from sim2act.envs.grid.instructions import parse_instruction, replay_verdicts


def subgoals(instruction: str) -> list[str]:
    """The clauses of ``instruction`` as instructions of their own, in the order they are written.

    >>> subgoals("go to the red ball, then open a door and pick up a key")
    ['go to the red ball', 'open a door', 'pick up a key']
    """
    clauses = _JOINS.split(" ".join(instruction.lower().split()))
    for clause in clauses:
        parse_instruction(clause)  # each must be an instruction of BabyAI's grammar on its own
    return clauses


_JOINS = re.compile(", then | after you | and ")
"""BabyAI's sequencing words (``BeforeInstr``, ``AfterInstr``, ``AndInstr``); no clause contains them."""


@dataclass(frozen=True)
class SubgoalOutcome:
    """How much of one episode's sequenced instruction was done."""

    total: int
    completed: int
    success: bool
    steps: int


def subgoal_outcome(episode: Episode, replay_env: gym.Env) -> SubgoalOutcome:
    """Replay ``episode`` under each of its sub-goals on ``replay_env`` (a grid env of the same level)."""
    clauses = subgoals(episode.task.instruction)
    completed = 0
    for clause in clauses:
        for _, verdict in replay_verdicts(replay_env, episode.task.seed, clause, episode.actions):
            if verdict != "continue":
                completed += verdict == "success"
                break
    return SubgoalOutcome(len(clauses), completed, episode.succeeded, len(episode))
