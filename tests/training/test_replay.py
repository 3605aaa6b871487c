"""Replay: every batch of a fine-tuning run mixes the new data with the data the policy was trained on."""

from __future__ import annotations

import pytest
import torch

from sim2act.data.reader import open_dataset
from sim2act.errors import Sim2ActError
from sim2act.models import PolicyConfig, PolicySpec, build_policy, load_policy
from sim2act.training import TrainConfig, train
from sim2act.training.batches import TrainingSteps, joined
from sim2act.training.checkpoints import training_config_of
from sim2act.training.trainer import domain_defaults

TINY = PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2)


@pytest.fixture(scope="module")
def two_datasets(tmp_path_factory):
    from sim2act.rollout.generation import GenerateConfig, generate

    root = tmp_path_factory.mktemp("replay")
    generate(GenerateConfig(level="GoToLocal", proposer="uniform", episodes=4, num_envs=2, labels="none"), root / "a")
    generate(GenerateConfig(level="PickupLoc", proposer="uniform", episodes=4, num_envs=2, labels="none"), root / "b")
    return root / "a", root / "b"


def test_a_joined_batch_keeps_every_rows_own_instruction(two_datasets):
    _, card = open_dataset(two_datasets[0])
    policy = build_policy(*domain_defaults(PolicySpec.from_card(card), TINY))
    first, second = (TrainingSteps(folder, policy) for folder in two_datasets)
    rows_a, rows_b = torch.arange(0, 10, 2), torch.arange(1, 12, 3)
    batch = joined(first.batch(rows_a), second.batch(rows_b))
    instructions = [first.instructions[i] for i in first.instruction_ids[rows_a]] + \
                   [second.instructions[i] for i in second.instruction_ids[rows_b]]
    ids, mask = policy.tokenizer.encode(instructions)
    assert torch.equal(batch.text_ids[batch.text_index][:, : ids.shape[1]], ids)
    assert torch.equal(batch.text_mask[batch.text_index].sum(1), mask.sum(1))
    assert torch.equal(batch.actions, torch.cat([first.actions[rows_a], second.actions[rows_b]]))
    assert batch.rgb.shape[0] == batch.proprio.shape[0] == len(rows_a) + len(rows_b)


def test_fine_tuning_with_replay_reads_both_datasets(two_datasets, tmp_path):
    base, new = two_datasets
    start = train(TrainConfig(data=str(base), policy=TINY, steps=2, batch_size=8, warmup_steps=0), tmp_path / "base")
    assert training_config_of(start.checkpoint).data == str(base)
    runs = {}
    for replay in (None, str(base)):
        config = TrainConfig(data=str(new), replay=replay, init_policy=str(start.checkpoint), steps=2, batch_size=8,
                             warmup_steps=0)
        runs[replay] = train(config, tmp_path / f"tuned-{bool(replay)}")
    assert training_config_of(runs[str(base)].checkpoint).data == str(new)
    tuned = [load_policy(r.checkpoint).state_dict() for r in runs.values()]
    assert any(not torch.equal(tuned[0][k], tuned[1][k]) for k in tuned[0])  # the replayed rows changed the updates


@pytest.mark.parametrize("kwargs, message", [
    ({"replay_fraction": 1.0}, "--replay-fraction must lie strictly between 0 and 1"),
    ({"replay": "x", "batch_size": 1}, "--replay needs a batch of at least 2 rows"),
])
def test_bad_replay_settings_are_refused(kwargs, message):
    with pytest.raises(Sim2ActError, match=message):
        TrainConfig(data="d", **kwargs).validated()
