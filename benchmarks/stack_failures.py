"""Why a tabletop ``stack`` policy fails on held-out pairs: its first action's cells, and the head's free place term.

    python benchmarks/stack_failures.py CHECKPOINT [--episodes 200] [--split test_unseen_composition]

1. The policy as trained, and with the ``pick_place`` head's free place score switched off at act time (its
   place logits then come from the grounded words and the pick-conditioned term alone, as in the half of the
   training rows where that score drops out): success with the 95% interval for each.
2. One env, the policy as trained: its first action's pick and place cells against the cells of the block the
   instruction moves and of the block it goes on (privileged state, read after the policy chose: the scripted
   expert's plan), within one cell; episodes counted by (outcome, pick on/off, place on/off).
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import asdict

import torch

from sim2act.benchmarks.results import with_interval
from sim2act.envs.tabletop.expert import plan
from sim2act.envs.tabletop.workspace import COLS, xy_cell
from sim2act.evaluation import evaluate_proposer
from sim2act.models.pick_place_head import PickPlaceHead
from sim2act.models.policy_io import load_policy
from sim2act.proposers.policy import PolicyProposer


class FirstActionCells(PolicyProposer):
    """π_θ, noting per episode whether its first action's cells lie within one cell of the planned ones."""

    def __init__(self, policy) -> None:
        super().__init__(policy)
        self.first: dict[int, bool] = {}
        self.hits: list[tuple[bool, bool]] = []

    def begin_episode(self, slot, env) -> None:
        self.first[slot] = True
        super().begin_episode(slot, env)

    def propose(self, observations, envs, slots, rng):
        proposal = super().propose(observations, envs, slots, rng)
        for slot, env, action in zip(slots, envs, proposal.actions):
            if self.first.pop(slot, False):
                tabletop = env.unwrapped
                move = plan(tabletop)
                block = xy_cell(tabletop.body_position(tabletop.blocks[move.block].body)[:2])
                self.hits.append((_near(int(action[0]), block), _near(int(action[1]), xy_cell(move.to))))
        return proposal


def _near(cell: int, target: int | None) -> bool:
    return target is not None and abs(cell // COLS - target // COLS) <= 1 and abs(cell % COLS - target % COLS) <= 1


def _line(name: str, report) -> str:
    return f"{name}: {with_interval(asdict(report.overall))} % success, n = {report.overall.episodes}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--split", default="test_unseen_composition")
    args = parser.parse_args()

    for switched_off in (False, True):
        policy = load_policy(args.checkpoint)
        if switched_off:
            head = next(m for m in policy.modules() if isinstance(m, PickPlaceHead))
            with torch.no_grad():
                head.place_score.weight.zero_()
                head.place_score.bias.zero_()
        report, _ = evaluate_proposer(PolicyProposer(policy), "tabletop", ["stack"], args.split, args.episodes, seed=0)
        print(_line("free place term switched off" if switched_off else "as trained", report), flush=True)

    proposer = FirstActionCells(load_policy(args.checkpoint))
    report, episodes = evaluate_proposer(proposer, "tabletop", ["stack"], args.split, args.episodes, seed=0, num_envs=1)
    print(_line("one env, first actions classified", report))
    counts = Counter(
        ("success" if episode.success.any() else "failure", "pick on" if pick else "pick off", "place on" if place else "place off")
        for (pick, place), episode in zip(proposer.hits, episodes)
    )
    for key, count in sorted(counts.items()):
        print(" · ".join(key), count)


if __name__ == "__main__":
    main()
