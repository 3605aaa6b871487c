"""Declarative, disjoint task splits and the guard that keeps held-out episodes out of training data.

A split is a seed range (the layout) plus a rule on the instruction's attribute–object compositions:

===========================  ======================  ==========================================
split                        seeds (layouts)         instruction
===========================  ======================  ==========================================
``train``                    [0, 500M)               names no held-out composition
``val``                      [500M, 600M)            names no held-out composition
``test_unseen_layout``       [600M, 700M)            names no held-out composition
``test_unseen_composition``  [700M, 800M)            names at least one held-out composition
===========================  ======================  ==========================================

The held-out compositions of a domain are attribute–object pairs (e.g. "blue ball") chosen so that
every attribute and every object still occurs in training, in other combinations.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim2act.envs.registry import get_domain
from sim2act.errors import Sim2ActError
from sim2act.validation import suggest


@dataclass(frozen=True)
class Split:
    """One task split: which reset seeds and which instructions belong to it."""

    name: str
    seed_start: int
    """First reset seed of the split's layouts (inclusive)."""
    seed_stop: int
    """End of the split's seed range (exclusive)."""
    held_out_compositions: bool
    """True: instructions must name a held-out composition; False: they must name none."""
    trainable: bool
    """Whether episodes of this split may be used to train a policy."""

    def owns_seed(self, seed: int) -> bool:
        """Whether ``seed`` lies in this split's seed range."""
        return self.seed_start <= seed < self.seed_stop


_M = 1_000_000
SPLITS: dict[str, Split] = {
    s.name: s
    for s in (
        Split("train", 0, 500 * _M, held_out_compositions=False, trainable=True),
        Split("val", 500 * _M, 600 * _M, held_out_compositions=False, trainable=False),
        Split("test_unseen_layout", 600 * _M, 700 * _M, held_out_compositions=False, trainable=False),
        Split("test_unseen_composition", 700 * _M, 800 * _M, held_out_compositions=True, trainable=False),
    )
}

def get_split(name: str) -> Split:
    """The split called ``name``; an unknown name is a one-line ``Sim2ActError``."""
    if name not in SPLITS:
        raise Sim2ActError(f"unknown split {name!r}{suggest(name, SPLITS)}; known: {', '.join(SPLITS)}")
    return SPLITS[name]


def names_held_out(domain: str, instruction: str) -> bool:
    """Whether ``instruction`` names one of the domain's held-out compositions."""
    grammar = get_domain(domain).grammar
    return not grammar.compositions(instruction).isdisjoint(grammar.held_out)


def belongs_to(split: Split, domain: str, seed: int, instruction: str) -> bool:
    """Whether an episode (reset seed, instruction) is a member of ``split``."""
    return split.owns_seed(seed) and names_held_out(domain, instruction) == split.held_out_compositions


def check_trainable(domain: str, seed: int, instruction: str) -> None:
    """Raise unless an episode may enter training data: a train-range seed and no held-out composition.

    Every writer of training data calls this for every episode, including relabeled ones.
    """
    if not belongs_to(SPLITS["train"], domain, seed, instruction):
        raise Sim2ActError(
            f"held-out episode refused for training data: seed {seed}, instruction {instruction!r} "
            "is outside the train split"
        )
