"""The grounded map: attribute on colour, kind on form, learned from nav3d's view annotations, read by the action head."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.errors import Sim2ActError
from sim2act.models import PolicyConfig, PolicySpec, build_policy, load_policy
from sim2act.models.grounded_map import GroundedMap, column_bins
from sim2act.models.object_view import NO_TARGET
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.training import TrainConfig, train
from sim2act.training.batches import TrainingSteps
from sim2act.training.trainer import domain_defaults

TINY = PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=1, view_weight=1.0, vision_stem="chroma", view_map=True)


@pytest.fixture(scope="module")
def goto(tmp_path_factory):
    out = tmp_path_factory.mktemp("data") / "goto"
    generate(GenerateConfig(domain="nav3d", level="goto", proposer="uniform", episodes=6, num_envs=2, labels="none"), out)
    return out


@pytest.mark.parametrize(("columns", "bins"), [(8, 5), (5, 5), (4, 6), (10, 3)])
def test_every_column_falls_in_the_bins_it_overlaps(columns, bins):
    overlap = column_bins(columns, bins).numpy()
    for c in range(columns):
        for j in range(bins):
            left, right = max(c / columns, j / bins), min((c + 1) / columns, (j + 1) / bins)
            assert overlap[c, j] == (right - left > 1e-9)
    assert overlap.any(0).all() and overlap.any(1).all()


def test_the_attribute_reads_only_colour_and_the_kind_only_form():
    torch.manual_seed(0)
    grounded = GroundedMap(16, (4, 4), (12, 20), bins=5, heads=2, width=16)
    contents, mask = torch.randn(3, 5, 16), torch.ones(3, 5, dtype=torch.bool)
    colour, form = torch.randn(3, 16, 12), torch.randn(3, 16, 20)
    _, base = grounded(contents, mask, colour, form)
    _, new_form = grounded(contents, mask, colour, torch.randn(3, 16, 20))
    _, new_colour = grounded(contents, mask, torch.randn(3, 16, 12), form)
    torch.testing.assert_close(new_form.attribute, base.attribute)
    torch.testing.assert_close(new_colour.kind, base.kind)
    assert not torch.allclose(new_form.kind, base.kind) and not torch.allclose(new_colour.attribute, base.attribute)


def test_the_map_learns_where_the_named_object_is_and_survives_a_reload(goto, tmp_path):
    summary = train(TrainConfig(data=str(goto), policy=TINY, steps=150, batch_size=32, lr=3e-3, warmup_steps=5,
                                log_every=150, checkpoint_every=150), tmp_path / "run")
    policy = load_policy(summary.checkpoint).eval()
    assert policy.config.view_map and policy.grounded_map is not None
    steps = TrainingSteps(goto, policy)
    assert steps.view is not None and steps.view.dim() == 2 and (steps.view[:, 0] != NO_TARGET).all()
    batch = steps.batch(torch.arange(len(steps)))
    with torch.no_grad():
        out = policy(batch.rgb, batch.proprio, policy.encode_instructions(batch.text_ids, batch.text_mask), batch.text_index)
        named = policy.grounded_map.binned(out.grounded.named)
    wanted = batch.view[:, 0]
    seen = wanted > 0
    assert seen.sum() >= 10
    # where the named object is in view, which of the 5 columns the map ranks first: chance is 0.2
    assert float((named[seen].argmax(-1) + 1 == wanted[seen]).float().mean()) > 0.5
    probabilities = policy.action_probabilities(batch.rgb[:4], batch.proprio[:4], [steps.instructions[0]] * 4)
    torch.testing.assert_close(probabilities.sum(-1), torch.ones(4))


@pytest.mark.parametrize(("change", "message"), [
    ({"view_weight": 0.0}, "view_map needs view_weight > 0"),
    ({"vision_stem": "patch"}, "view_map needs view_weight > 0 and a chroma, chroma-cnn or factored stem"),
])
def test_a_map_needs_the_view_loss_and_a_colour_form_stem(change, message):
    with pytest.raises(Sim2ActError, match=message):
        replace(TINY, **change).validated()


def test_a_map_needs_a_domain_that_annotates_views(tmp_path):
    grid = tmp_path / "grid"
    generate(GenerateConfig(domain="grid", level="GoToLocal", proposer="uniform", episodes=2, num_envs=1), grid)
    spec = PolicySpec.from_card(load_card(DatasetLayout(grid).card))
    spec, config = domain_defaults(spec, replace(TINY, vision_stem="factored"))
    with pytest.raises(Sim2ActError, match="needs a domain"):
        build_policy(spec, config)
