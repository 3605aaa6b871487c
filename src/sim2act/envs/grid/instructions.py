"""BabyAI grammar strings back into BabyAI's own instruction objects, so any instruction can be verified.

BabyAI generates an instruction object and its surface string; this goes the other way, for strings
that were written by something else (a hindsight relabeling, a user). The object's ``verify`` is
BabyAI's verifier: attach it to a level with ``reset_verifier`` after a reset and feed it each action, or let
``replay_verdicts`` replay a recorded episode under it.

The grammar (BabyAI's ``surface`` forms)::

    instruction := part | part ", then " part | part " after you " part
    part        := clause | clause " and " clause
    clause      := "go to " desc | "pick up " desc | "open " desc | "put " desc " next to " desc
    desc        := ("the" | "a") [colour] (type | "object") [" in front of you" | " behind you"
                   | " on your left" | " on your right"]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import gymnasium as gym
from minigrid.core.constants import COLOR_NAMES
from minigrid.envs.babyai.core.verifier import (
    OBJ_TYPES,
    ActionInstr,
    AfterInstr,
    AndInstr,
    BeforeInstr,
    GoToInstr,
    Instr,
    ObjDesc,
    OpenInstr,
    PickupInstr,
    PutNextInstr,
)

from sim2act.errors import Sim2ActError

_LOCATIONS = {"in front of you": "front", "behind you": "behind", "on your left": "left", "on your right": "right"}
_DESC = (
    rf"(?:the|a) (?:(?P<{{p}}colour>{'|'.join(COLOR_NAMES)}) )?(?P<{{p}}type>{'|'.join(OBJ_TYPES)}|object)"
    rf"(?: (?P<{{p}}loc>{'|'.join(_LOCATIONS)}))?"
)
_CLAUSES = {
    "go to": re.compile("go to " + _DESC.format(p="")),
    "pick up": re.compile("pick up " + _DESC.format(p="")),
    "open": re.compile("open " + _DESC.format(p="")),
    "put next to": re.compile("put " + _DESC.format(p="move_") + " next to " + _DESC.format(p="fixed_")),
}


def parse_instruction(text: str) -> Instr:
    """BabyAI's instruction object for ``text``; text outside the grammar is a one-line ``Sim2ActError``.

    >>> type(parse_instruction("put the red ball next to a green box")).__name__
    'PutNextInstr'
    >>> type(parse_instruction("open a door, then go to the grey key")).__name__
    'BeforeInstr'
    """
    normal = " ".join(text.lower().split())
    for separator, sequence in ((", then ", BeforeInstr), (" after you ", AfterInstr)):
        if separator in normal:
            first, _, second = normal.partition(separator)
            return sequence(_part(first, text), _part(second, text))
    return _part(normal, text)


def _part(part: str, text: str) -> ActionInstr | AndInstr:
    if " and " in part:
        first, _, second = part.partition(" and ")
        return AndInstr(_clause(first, text), _clause(second, text))
    return _clause(part, text)


def _clause(clause: str, text: str) -> ActionInstr:
    for verb, pattern in _CLAUSES.items():
        match = pattern.fullmatch(clause)
        if match is None:
            continue
        if verb == "put next to":
            return PutNextInstr(_desc(match, "move_", clause, text), _desc(match, "fixed_", clause, text))
        desc = _desc(match, "", clause, text)
        if verb == "open" and desc.type != "door":
            raise Sim2ActError(f"not a BabyAI instruction: {text!r} (only doors can be opened)")
        if verb == "pick up" and desc.type == "door":
            raise Sim2ActError(f"not a BabyAI instruction: {text!r} (doors cannot be picked up)")
        return {"go to": GoToInstr, "pick up": PickupInstr, "open": OpenInstr}[verb](desc)
    raise Sim2ActError(f"not a BabyAI instruction: {text!r} (cannot parse {clause!r})")


def _desc(match: re.Match, prefix: str, clause: str, text: str) -> ObjDesc:
    kind = match.group(prefix + "type")
    if prefix == "move_" and kind == "door":
        raise Sim2ActError(f"not a BabyAI instruction: {text!r} (doors cannot be moved)")
    location = match.group(prefix + "loc")
    return ObjDesc(
        None if kind == "object" else kind,
        match.group(prefix + "colour"),
        _LOCATIONS[location] if location else None,
    )


def replay_verdicts(env: gym.Env, seed: int, instruction: str, actions: Iterable[int]) -> Iterator[tuple[dict, str]]:
    """Replay ``actions`` from ``env.reset(seed=seed)`` under ``instruction`` instead of the level's own.

    ``env`` is a grid env (``sim2act.envs.make("grid", level)``). BabyAI's verifier for the parsed
    instruction replaces the level's, and the level steps as usual (it updates object positions on a
    drop, then asks the verifier). Yields (the observation the action was taken from, the verdict after
    it: "continue", "success" or "failure") for each action; this audits any stored episode, e.g.
    that a relabeled one becomes true exactly on its last step.
    """
    obs, _ = env.reset(seed=seed)
    level = env.unwrapped.level_env
    instr = parse_instruction(instruction)
    instr.reset_verifier(level)
    verdicts: list[str] = []
    verify = instr.verify

    def recording_verify(action):
        verdicts.append(verify(action))
        return verdicts[-1]

    instr.verify = recording_verify
    level.instrs = instr
    for action in actions:
        before = obs
        obs, *_ = env.step(int(action))
        yield before, verdicts[-1]


_JOINS = re.compile(", then | after you | and ")
"""BabyAI's sequencing words (``BeforeInstr``, ``AfterInstr``, ``AndInstr``); no clause contains them."""


def subgoals(instruction: str) -> list[str]:
    """The clauses of ``instruction`` as instructions of their own, in the order they are written.

    >>> subgoals("go to the red ball, then open a door and pick up a key")
    ['go to the red ball', 'open a door', 'pick up a key']
    """
    clauses = _JOINS.split(" ".join(instruction.lower().split()))
    for clause in clauses:
        parse_instruction(clause)  # each must be an instruction of BabyAI's grammar on its own
    return clauses
