"""``TrainingSteps``: whole-dataset tensors, observation windows that stay inside their episode."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from sim2act import features as F
from sim2act.data.torch_dataset import StepDataset
from sim2act.errors import Sim2ActError
from sim2act.models import PolicyConfig, PolicySpec, build_policy
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.training.batches import TrainingSteps, episode_windows
from sim2act.training.trainer import domain_defaults

TINY = PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=3)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("batches") / "uniform"
    generate(GenerateConfig(proposer="uniform", episodes=6, num_envs=3, shard_episodes=3), out)
    return out


@pytest.fixture(scope="module")
def policy(data):
    from sim2act.data.reader import open_dataset

    _, card = open_dataset(data)
    return build_policy(*domain_defaults(PolicySpec.from_card(card), TINY))


@pytest.fixture(scope="module")
def steps(data, policy) -> TrainingSteps:
    return TrainingSteps(data, policy)


def test_batch_shapes(steps, policy):
    index = torch.arange(0, len(steps), 3)
    batch = steps.batch(index)
    b, k = len(index), policy.config.memory
    prepared = policy.prepare_frames(torch.zeros(1, 56, 56, 3, dtype=torch.uint8)).shape[1:]
    assert batch.rgb.shape == (b, k, *prepared) and batch.rgb.dtype == torch.uint8
    assert batch.proprio.shape == (b, k, 13) and batch.proprio.dtype == torch.float32
    assert batch.actions.shape == (b,) and batch.actions.dtype == torch.long
    assert ((batch.actions >= 0) & (batch.actions < 7)).all()
    assert batch.text_ids.shape[0] == batch.text_mask.shape[0] == len(torch.unique(steps.instruction_ids[index]))
    assert batch.text_index.shape == (b,) and batch.text_index.min() >= 0 and batch.text_index.max() < len(batch.text_ids)
    # Each row points at its own instruction's tokens.
    expected = policy.tokenizer.encode([steps.instructions[i] for i in steps.instruction_ids[index]])[0]
    got = batch.text_ids[batch.text_index][:, : expected.shape[1]]
    assert torch.equal(got, expected)


def test_the_batched_policy_runs(steps, policy):
    batch = steps.batch(torch.arange(8))
    instructions = policy.encode_instructions(batch.text_ids, batch.text_mask)
    out = policy(batch.rgb, batch.proprio, instructions, batch.text_index)
    assert out.logits.shape == (8, 7)


def test_windows_never_cross_episodes(steps, data, policy):
    arrays = StepDataset(data).arrays
    episodes, step = arrays[F.EPISODE_ID], arrays[F.STEP]
    assert len(np.unique(episodes)) == 6
    windows = steps.windows.numpy()
    k = policy.config.memory
    assert windows.shape == (len(steps), k)
    rows = np.arange(len(steps))
    assert (windows[:, -1] == rows).all()  # the newest frame is the row's own
    assert (episodes[windows] == episodes[:, None]).all()  # never another episode's frame
    assert (np.diff(windows, axis=1) >= 0).all()  # oldest first
    # Before the episode starts the first frame repeats (as FrameStackObservation does).
    expected_steps = np.maximum(step[:, None] - np.arange(k - 1, -1, -1)[None, :], 0)
    assert (step[windows] == expected_steps).all()
    first_rows = np.flatnonzero(step == 0)
    batch = steps.batch(torch.from_numpy(first_rows))
    assert all(torch.equal(batch.rgb[i, 0], batch.rgb[i, j]) for i in range(len(first_rows)) for j in range(k))


def test_episode_windows_refuses_rows_out_of_order():
    with pytest.raises(Sim2ActError, match="episode by episode"):
        episode_windows(np.array([1, 1]), np.array([1, 2]), 2)  # an episode whose first row is missing
    with pytest.raises(Sim2ActError, match="episode by episode"):
        episode_windows(np.array([1, 2, 1, 2]), np.array([0, 0, 1, 1]), 2)  # two episodes interleaved


def test_episode_windows_refuses_a_foreign_row_inside_an_episode():
    with pytest.raises(Sim2ActError, match="episode by episode"):
        episode_windows(np.array([1, 1, 2, 1]), np.array([0, 1, 0, 2]), 2)  # windows [[0,0],[0,1],[2,2],[2,3]]


def test_dataset_that_does_not_fit_the_policy_is_refused(data, policy):
    other = PolicySpec(**{**vars(policy.spec), "image_shape": (64, 64, 3)})
    with pytest.raises(Sim2ActError, match="does not fit this policy: image_shape"):
        TrainingSteps(data, build_policy(other, TINY))
    box = PolicySpec(**{**vars(policy.spec), "action_space": {"type": "box", "low": [-1], "high": [1]}})
    with pytest.raises(Sim2ActError, match="does not fit this policy: action space"):
        TrainingSteps(data, build_policy(box, TINY))
    fewer = PolicySpec(**{**vars(policy.spec), "action_space": {**policy.spec.action_space, "n": 5}})
    with pytest.raises(Sim2ActError, match="does not fit this policy: action space"):
        TrainingSteps(data, build_policy(fewer, TINY))


def test_action_chunks_are_the_rows_next_actions_in_their_episode(tmp_path):
    from sim2act.data.reader import open_dataset
    from sim2act.training.losses import same_action_pairs

    out = tmp_path / "ee"
    generate(GenerateConfig(domain="tabletop", level="pick", proposer="uniform", episodes=2, num_envs=2, labels="none",
                            env={"action_mode": "ee_delta"}), out)
    _, card = open_dataset(out)
    policy = build_policy(*domain_defaults(PolicySpec.from_card(card), PolicyConfig(d_model=32, heads=2, fusion_layers=1,
                                                                                      memory=2, action_chunk=4)))
    steps = TrainingSteps(out, policy)
    arrays = StepDataset(out).arrays
    last = len(steps) - 1  # the last row of the second episode: its chunk holds its own action four times
    batch = steps.batch(torch.tensor([0, last]))
    assert batch.actions.shape == (2, 4 * 4)
    assert torch.equal(batch.actions[0].view(4, 4), torch.tensor(arrays[F.ACTION][:4]))
    assert torch.equal(batch.actions[1].view(4, 4), torch.tensor(arrays[F.ACTION][last]).expand(4, 4))
    instructions = policy.encode_instructions(batch.text_ids, batch.text_mask)
    logits = policy(batch.rgb, batch.proprio, instructions, batch.text_index).logits
    assert logits.shape == (2, 16, policy.config.action_bins)
    assert torch.isfinite(policy.head.log_prob(logits, batch.actions)).all()
    assert same_action_pairs(policy.head.targets(batch.actions)).diagonal().all()


def test_cell_servo_rows_carry_their_episodes_hindsight_cells(tmp_path):
    from sim2act.data.reader import open_dataset
    from sim2act.envs import get_domain
    from sim2act.training import TrainConfig
    from sim2act.training.trainer import step_losses

    out = tmp_path / "ee-expert"
    generate(GenerateConfig(domain="tabletop", level="pick", proposer="expert", episodes=2, num_envs=1, labels="none",
                            env={"action_mode": "ee_delta"}), out)
    _, card = open_dataset(out)
    spec, config = domain_defaults(PolicySpec.from_card(card), PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2,
                                                                            action_bins=21, action_head="cell_servo"))
    motions = get_domain("tabletop").cell_motions({"action_mode": "ee_delta"})
    assert config.cell_positions == motions.cell_positions and config.cell_pixels == motions.cell_pixels
    policy = build_policy(spec, config)
    steps = TrainingSteps(out, policy)
    arrays = StepDataset(out).arrays
    ids = arrays[F.EPISODE_ID]
    for episode in np.unique(ids):
        rows = np.flatnonzero(ids == episode)
        expected = motions.grasp_cells(arrays[F.PROPRIO][rows], arrays[F.ACTION][rows])
        assert (expected[0, 0] >= 0) and torch.equal(steps.cells[rows], torch.from_numpy(expected))  # the expert grasps
    batch = steps.batch(torch.arange(len(steps)))
    losses = step_losses(policy, batch, TrainConfig(data=str(out)))
    assert losses.auxiliary.item() > 0 and torch.isfinite(losses.total)


def test_jittered_batches_are_prepared_like_plain_ones_and_differ_from_them(data, policy, steps):
    jittered = TrainingSteps(data, policy, jitter=0.3)
    index = torch.arange(0, len(steps), 3)
    torch.manual_seed(0)
    batch = jittered.batch(index)
    plain = steps.batch(index)
    assert batch.rgb.shape == plain.rgb.shape and batch.rgb.dtype == plain.rgb.dtype
    assert not torch.equal(batch.rgb, plain.rgb)
    assert TrainingSteps(data, policy, jitter=0.0).batch(index).rgb.equal(plain.rgb)


def test_shifted_batches_move_a_patch_stems_frames(data):
    from sim2act.data.reader import open_dataset

    _, card = open_dataset(data)
    patch = build_policy(*domain_defaults(PolicySpec.from_card(card), replace(TINY, vision_stem="patch")))
    index = torch.arange(0, 24, 3)
    torch.manual_seed(0)
    shifted = TrainingSteps(data, patch, shift=4).batch(index)
    plain = TrainingSteps(data, patch).batch(index)
    assert shifted.rgb.shape == plain.rgb.shape and not torch.equal(shifted.rgb, plain.rgb)
    assert torch.equal(shifted.actions, plain.actions)


def test_a_shift_is_refused_where_the_stem_is_tied_to_pixel_positions(data, policy):
    with pytest.raises(Sim2ActError, match="shift 4: .*tied to pixel positions"):
        TrainingSteps(data, policy, shift=4)  # the grid's factored stem: tokens are its cells


def test_a_chroma_stem_pools_shifted_pixel_features_as_it_would_prepare_shifted_frames(data):
    from sim2act.data.reader import open_dataset
    from sim2act.training.shift import shift_frames

    _, card = open_dataset(data)
    chroma = build_policy(*domain_defaults(PolicySpec.from_card(card), replace(TINY, vision_stem="chroma")))
    index = torch.arange(0, 24, 3)
    raw = TrainingSteps(data, chroma, jitter=1e-9)  # kept as images: the slow path, prepared per batch
    shifted = TrainingSteps(data, chroma, shift=3)  # per-pixel features, pooled per batch
    torch.manual_seed(5)
    fast = shifted.batch(index).rgb
    torch.manual_seed(5)
    window = raw.windows[index]
    expected = chroma.prepare_frames(shift_frames(raw.images[window], 3).flatten(0, 1)).view(fast.shape)
    assert torch.equal(fast, expected)
