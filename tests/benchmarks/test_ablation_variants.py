"""Each ablation changes one part of the full loop and nothing else."""

from __future__ import annotations

from dataclasses import asdict

from sim2act.benchmarks.ablations import FULL, variants
from sim2act.loop import LoopConfig


def _differences(a: LoopConfig, b: LoopConfig) -> dict:
    left, right = asdict(a), asdict(b)
    out = {k: (left[k], right[k]) for k in left if left[k] != right[k] and k != "policy"}
    out.update({f"policy.{k}": (v, right["policy"][k]) for k, v in left["policy"].items() if v != right["policy"][k]})
    return out


def test_every_variant_changes_exactly_one_thing():
    loop = LoopConfig()
    table = variants(loop)
    assert table[FULL] == loop
    changes = {name: _differences(loop, config) for name, config in table.items() if name != FULL}
    assert all(len(change) == 1 for change in changes.values()), changes
    assert changes["stem = patch (colour and form entangled)"] == {"policy.vision_stem": (None, "patch")}
    assert changes["λ = 0 (no contrastive term)"] == {"train": ({}, {"contrastive_weight": 0.0})}


def test_a_domain_without_cell_frames_ablates_the_encoder_instead_of_the_stem():
    loop = LoopConfig(domain="tabletop", level="put-in-bowl")
    table = variants(loop, stem="patch")
    full = next(iter(table))
    assert table[full] == loop and "factored" not in full
    changes = {name: _differences(loop, config) for name, config in table.items() if name != full}
    assert all(len(change) == 1 for change in changes.values()), changes
    assert changes["encoder = clip (π0's towers, fine-tuned)"] == {"policy.encoder": ("small", "clip")}
    assert not any(name.startswith("stem") for name in table)
