"""How well a policy's view read-out says where the named object is, on fresh episodes of each split.

    sim2act generate --domain nav3d --split val --proposer expert --labels success --env fov=90 --episodes 200 --out D
    python benchmarks/view_readout.py CHECKPOINT D [D ...]

For a policy trained with the view loss (`models/object_view.py`): on every row of each dataset whose instruction
names one object, the read-out's column (or "out of view") against the simulator's annotation, over all such rows
and over the rows where the object is in view; beside it, how often the policy's most likely action is the
dataset's (the scripted expert's, which knows where the target is: an agreement, not a score). A policy with a
grounded map (`--view-map`, `models/grounded_map.py`) gets the same counts for the map's column. The datasets are
diagnostics, never training data.
"""

from __future__ import annotations

import argparse

import torch

from sim2act.errors import Sim2ActError
from sim2act.models.object_view import NO_TARGET
from sim2act.models.policy_io import load_policy
from sim2act.training.batches import TrainingSteps
from sim2act.training.checkpoints import resolve_policy_folder

BATCH = 256


@torch.no_grad()
def readout(policy, root: str) -> dict[str, float]:
    steps = TrainingSteps(root, policy)
    counts = {"rows": 0, "right": 0, "in_view": 0, "in_view_right": 0, "agree": 0, "map_right": 0, "map_in_view_right": 0}
    for start in range(0, len(steps), BATCH):
        batch = steps.batch(torch.arange(start, min(len(steps), start + BATCH)))
        out = policy(batch.rgb, batch.proprio, policy.encode_instructions(batch.text_ids, batch.text_mask),
                     batch.text_index, batch.cells, batch.prior)
        column = policy.view_head.object(out.context).argmax(-1)
        target = batch.view if batch.view.dim() == 1 else batch.view[:, 0]
        named, seen = target != NO_TARGET, target > 0
        counts["rows"] += int(named.sum())
        counts["right"] += int((column == target)[named].sum())
        counts["in_view"] += int(seen.sum())
        counts["in_view_right"] += int((column == target)[seen].sum())
        counts["agree"] += int((out.logits.argmax(-1).view(-1) == batch.actions.view(-1)).sum())
        if policy.grounded_map is not None:
            bins = policy.grounded_map.binned(out.grounded.named)
            mapped = torch.cat([policy.grounded_map.absent.expand(len(bins), 1), bins], -1).argmax(-1)
            counts["map_right"] += int((mapped == target)[named].sum())
            counts["map_in_view_right"] += int((mapped == target)[seen].sum())
    return {"steps": len(steps), **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("datasets", nargs="+")
    args = parser.parse_args()
    torch.set_num_threads(1)
    policy = load_policy(resolve_policy_folder(args.checkpoint)).eval()
    if policy.view_head is None:
        raise SystemExit(f"{args.checkpoint}: this policy has no view read-out (trained with view_weight 0)")
    for root in args.datasets:
        try:
            c = readout(policy, root)
        except Sim2ActError as error:
            raise SystemExit(str(error)) from None
        print(f"{root}: {c['steps']} steps; read-out right {c['right'] / max(c['rows'], 1):.1%} of {c['rows']} rows, "
              f"{c['in_view_right'] / max(c['in_view'], 1):.1%} of {c['in_view']} with the object in view; "
              f"most likely action = the dataset's {c['agree'] / c['steps']:.1%}"
              + (f"; the grounded map right {c['map_right'] / max(c['rows'], 1):.1%} of the rows, "
                 f"{c['map_in_view_right'] / max(c['in_view'], 1):.1%} in view" if policy.grounded_map is not None else ""))


if __name__ == "__main__":
    main()
