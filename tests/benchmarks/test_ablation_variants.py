"""Each ablation changes one part of the full loop and nothing else."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

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


def test_rlfps_ablations_remove_one_prior_each_and_get_runs_of_their_own():
    from sim2act.benchmarks.methods import get_method
    from sim2act.benchmarks.setting import MethodSetting

    method = get_method("rlfp-factored")
    setting = MethodSetting(rlfp={"prior_kl": 0.5})
    table = method.ablations(setting)
    full = next(iter(table))
    assert table[full] == setting
    removed = {name: {k: v for k, v in variant.rlfp.items() if setting.rlfp.get(k) != v} for name, variant in table.items()}
    assert removed[full] == {}
    assert removed["no policy prior (β 0, no warm start, no critic's choice of π0)"] == {
        "prior_kl": 0.0, "warm_start_episodes": 0, "q_filter": False}
    assert removed["no value prior (no shaping)"] == {"value_shaping": 0.0}
    assert removed["no success prior (λ 0, no success buffer)"] == {"success_reward": 0.0, "success_kl": 0.0}
    folders = {method.run_folder(Path("work"), variant, 0) for variant in table.values()}
    assert len(folders) == len(table)
