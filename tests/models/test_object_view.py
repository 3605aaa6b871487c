"""The view loss: nav3d's object-view annotations are recorded per step, become targets, and train a read-out of h_c."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from sim2act import features as F
from sim2act.data.card import load_card
from sim2act.data.export.lerobot import export_lerobot
from sim2act.data.layout import DatasetLayout
from sim2act.data.reader import load_episodes
from sim2act.data.schema import observation_names
from sim2act.data.torch_dataset import StepDataset
from sim2act.envs import get_domain, make
from sim2act.errors import Sim2ActError
from sim2act.models import PolicyConfig, PolicySpec, build_policy, load_policy
from sim2act.models.object_view import NO_TARGET, view_loss, view_targets
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.training import TrainConfig, train
from sim2act.training.batches import TrainingSteps
from sim2act.training.trainer import domain_defaults

TINY = PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=1, view_weight=1.0)


@pytest.fixture(scope="module")
def goto(tmp_path_factory):
    out = tmp_path_factory.mktemp("data") / "goto"
    generate(GenerateConfig(domain="nav3d", level="goto", proposer="uniform", episodes=6, num_envs=2, labels="none"), out)
    return out


def test_each_row_holds_the_view_of_its_own_observation(goto):
    dataset = StepDataset(goto)
    card = load_card(DatasetLayout(goto).card)
    assert F.OBJECT_VIEW in card.features and F.OBJECT_VIEW not in observation_names(card.features)
    spec = PolicySpec.from_card(card)
    assert F.OBJECT_VIEW not in (*spec.cameras, *spec.depth, spec.proprio_key)  # never a policy input
    first = np.flatnonzero(dataset.arrays[F.EPISODE_ID] == dataset.arrays[F.EPISODE_ID][0])
    episode = load_episodes(goto).to_pylist()[0]
    assert episode[F.EPISODE_ID] == dataset.arrays[F.EPISODE_ID][0]
    # replay the first episode from its seed: o_t's annotation is the info the env gave with o_t
    env = make("nav3d", "goto")
    _, info = env.reset(seed=episode[F.SEED])
    for row in first:
        np.testing.assert_array_equal(dataset.arrays[F.OBJECT_VIEW][row], info[F.INFO_OBJECT_VIEW])
        info = env.step(int(dataset.arrays[F.ACTION][row]))[-1]
    env.close()


def test_targets_are_the_named_objects_column_and_rows_without_one_are_skipped(goto):
    dataset = StepDataset(goto)
    views = get_domain("nav3d").object_views
    instructions = [*dataset.instructions, "go to the ball next to the red key"]
    ids = np.r_[dataset.instruction_ids, len(instructions) - 1]
    annotations = np.r_[dataset.arrays[F.OBJECT_VIEW], dataset.arrays[F.OBJECT_VIEW][:1]]
    targets = view_targets("nav3d", instructions, ids, annotations).numpy()
    for row in range(len(dataset)):
        slot = views.slots.index(views.target(instructions[ids[row]]))
        assert targets[row] == annotations[row, slot]
    assert targets[-1] == NO_TARGET
    factored = view_targets("nav3d", instructions, ids, annotations, parts=True).numpy()
    assert factored.shape == (len(ids), 1 + 2 * views.bins) and (factored[:, 0] == targets).all() and (factored[-1] == NO_TARGET).all()
    for row in range(len(dataset)):
        attribute, kind = views.parts[views.slots.index(views.target(instructions[ids[row]]))]
        for part, (offset, word) in enumerate(((1, attribute), (1 + views.bins, kind))):
            expected = {int(annotations[row, s]) for s, p in enumerate(views.parts) if p[part] == word and annotations[row, s]}
            assert set(np.flatnonzero(factored[row, offset : offset + views.bins]) + 1) == expected
    loss, accuracy = view_loss(torch.zeros(2, views.bins + 1, requires_grad=True), torch.tensor([NO_TARGET, NO_TARGET]))
    assert float(loss.detach()) == 0.0 and float(accuracy) == 0.0


def test_the_view_head_learns_where_the_named_object_is(goto, tmp_path):
    summary = train(TrainConfig(data=str(goto), policy=TINY, steps=150, batch_size=32, lr=3e-3, warmup_steps=5,
                                log_every=150, checkpoint_every=150), tmp_path / "run")
    policy = load_policy(summary.checkpoint).eval()
    steps = TrainingSteps(goto, policy)
    assert steps.view is not None and (steps.view != NO_TARGET).all()  # every goto instruction names its object
    batch = steps.batch(torch.arange(len(steps)))
    with torch.no_grad():
        out = policy(batch.rgb, batch.proprio, policy.encode_instructions(batch.text_ids, batch.text_mask), batch.text_index)
        column = policy.view_head(out.context).argmax(-1)
    seen = batch.view > 0
    assert seen.sum() >= 10
    # where the named object is in view (a minority of a uniform walk's rows), which of the 5 columns: chance is 0.2
    assert float((column[seen] == batch.view[seen]).float().mean()) > 0.5


def test_the_factored_view_loss_trains(goto, tmp_path):
    summary = train(TrainConfig(data=str(goto), policy=replace(TINY, view_parts=True), steps=4, batch_size=16,
                                log_every=4, checkpoint_every=4), tmp_path / "run")
    policy = load_policy(summary.checkpoint)
    assert policy.config.view_parts and policy.view_head.parts is not None
    assert np.isfinite(summary.final_loss)


def test_a_view_loss_needs_a_domain_that_annotates_views(tmp_path):
    grid = tmp_path / "grid"
    generate(GenerateConfig(domain="grid", level="GoToLocal", proposer="uniform", episodes=2, num_envs=1), grid)
    spec = PolicySpec.from_card(load_card(DatasetLayout(grid).card))
    spec, config = domain_defaults(spec, replace(TINY, vision_stem=None))
    with pytest.raises(Sim2ActError, match="view_weight needs a domain"):
        build_policy(spec, config)


def test_exports_leave_the_annotation_out(goto, tmp_path):
    info = export_lerobot(goto, tmp_path / "lerobot")
    assert not any(F.OBJECT_VIEW in name for name in info["features"])

