"""The verifier: which instructions of the grammar hold in the current world state (privileged state)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim2act.envs.nav3d import language as L
from sim2act.envs.nav3d.levels import Thing, next_to_targets


def facts(world, kind_goals: bool = False) -> set[str]:
    """Every single-clause instruction true now: "go to X" within reach of X (Miniworld's ``near``), "go to the
    KIND next to the REF" within reach of the one such object, "pick up X" while carrying X; with ``kind_goals``
    also "go to the KIND" within reach of any object of that kind."""
    things = current_things(world)
    near = {t for t, e in zip(things, world.things) if e is not world.agent.carrying and world.near(e)}
    held = [t for t, e in zip(things, world.things) if e is world.agent.carrying]
    true = {L.go_to(t.color, t.kind) for t in near} | {L.pick_up(t.color, t.kind) for t in held}
    if kind_goals:
        true |= {L.go_to_kind(t.kind) for t in near}
    on_floor = tuple(t for t, e in zip(things, world.things) if e is not world.agent.carrying)
    true |= {L.go_to_next_to(*key) for key, target in next_to_targets(on_floor).items() if target in near}
    return true


def current_things(world) -> tuple[Thing, ...]:
    """The layout's objects where they are now (a carried one moves with the agent)."""
    return tuple(Thing(t.color, t.kind, float(e.pos[0]), float(e.pos[2])) for t, e in zip(world.layout.things, world.things))


@dataclass
class Progress:
    """How far an episode has got through its instruction's clauses, and what it reached on the way."""

    clauses: list[str]
    done: int = 0
    reached: list[str] = field(default_factory=list)
    """"go to" clauses that became true this episode, first time each, in order (hindsight sequences)."""

    def advance(self, true: set[str]) -> bool:
        """Mark the clauses now true, in order; whether the whole instruction is done."""
        while self.done < len(self.clauses) and self.clauses[self.done] in true:
            self.done += 1
        return self.done == len(self.clauses)

    def copy(self) -> Progress:
        return Progress(list(self.clauses), self.done, list(self.reached))


def achieved(before: set[str], after: set[str], progress: Progress, forms: tuple[str, ...]) -> list[str]:
    """Instructions (in the level's ``forms``) that became true on this step, an object's kind alone after every
    full description (hindsight takes the first admissible one); updates ``progress.reached``."""
    new = sorted(after - before, key=lambda fact: (L.instruction_type(fact) == "go to kind", fact))
    out = [f for f in new if L.instruction_type(f) in forms]
    for fact in new:
        if L.instruction_type(fact) != "go to":
            continue
        if "sequence" in forms:
            out += [L.sequence([earlier, fact]) for earlier in progress.reached if earlier != fact]
        if fact not in progress.reached:
            progress.reached.append(fact)
    return out
