"""``train``: it learns a tiny dataset, is deterministic, resumes exactly and guards its run folder."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from sim2act.envs.grid.vocabulary import VOCABULARY
from sim2act.errors import Sim2ActError
from sim2act.models import PolicyConfig, load_policy
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.training import TrainConfig, resolve_policy_folder, train
from sim2act.training.batches import TrainingSteps
from sim2act.training.trainer import BatchOrder

TINY = PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """8 bot episodes of GoToLocal (about 40 steps), as ``make_dataset("bot", proposer="expert", episodes=8)``."""
    out = tmp_path_factory.mktemp("trainer") / "bot"
    generate(GenerateConfig(proposer="expert", episodes=8, num_envs=4, shard_episodes=4), out)
    return out


def config(data: Path, **overrides) -> TrainConfig:
    return TrainConfig(**{"data": str(data), "policy": TINY, "steps": 6, "batch_size": 16, "log_every": 2,
                          "checkpoint_every": 100, "device": "cpu", **overrides})


def weights(run: Path) -> dict[str, torch.Tensor]:
    return load_file(str(resolve_policy_folder(run) / "model.safetensors"))


def assert_same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, f"{len(different)} tensors differ, e.g. {different[:3]}"


@torch.no_grad()
def dataset_accuracy(policy, data: Path) -> float:
    steps = TrainingSteps(data, policy)
    batch = steps.batch(torch.arange(len(steps)))
    instructions = policy.encode_instructions(batch.text_ids, batch.text_mask)
    logits = policy(batch.rgb, batch.proprio, instructions, batch.text_index).logits
    return (logits.argmax(-1) == batch.actions).float().mean().item()


def test_small_policy_fits_a_tiny_dataset(data, tmp_path):
    cfg = config(data, steps=150, batch_size=64, lr=3e-3, warmup_steps=10, log_every=10)
    summary = train(cfg, tmp_path / "run")
    assert summary.steps == 150 and summary.checkpoint == resolve_policy_folder(tmp_path / "run")
    assert summary.checkpoint.name == "step-0000150"
    policy = load_policy(summary.checkpoint)
    n = len(TrainingSteps(data, policy))
    assert summary.samples == 150 * min(64, n)
    assert summary.final_accuracy >= 0.98, summary  # mean over the last 10 steps
    assert dataset_accuracy(policy, data) >= 0.98  # every step of the dataset, with the saved policy
    assert summary.final_loss < 0.5


def test_same_seed_gives_identical_weights_and_another_seed_does_not(data, tmp_path):
    a = train(config(data), tmp_path / "a")
    b = train(config(data), tmp_path / "b")
    c = train(config(data, seed=1), tmp_path / "c")
    assert_same_weights(weights(a.out), weights(b.out))
    assert not torch.equal(weights(a.out)["head.linear.weight"], weights(c.out)["head.linear.weight"])
    assert a.final_loss == b.final_loss


def test_resume_with_more_steps_matches_a_straight_run(data, tmp_path):
    # Within the warm-up (default 200 steps) the learning rate does not depend on the total.
    straight = train(config(data, steps=8, checkpoint_every=4), tmp_path / "straight")
    half = train(config(data, steps=4, checkpoint_every=4), tmp_path / "resumed")
    assert half.steps == 4
    resumed = train(config(data, steps=8, checkpoint_every=4), tmp_path / "resumed", resume=True)
    assert resumed.steps == 8 and resumed.samples == 4 * 16
    assert sorted(p.name for p in (tmp_path / "resumed" / "checkpoints").iterdir()) == ["last", "step-0000004", "step-0000008"]
    assert_same_weights(weights(straight.out), weights(resumed.out))
    # The optimizer state too: Adam moments and step counts.
    assert_same_weights(
        load_file(str(straight.checkpoint / "optimizer.safetensors")), load_file(str(resumed.checkpoint / "optimizer.safetensors"))
    )


def test_resume_after_a_kill_continues_exactly(data, tmp_path):
    # A short warm-up, so the cosine decay (a function of the total steps) matters.
    cfg = config(data, steps=8, checkpoint_every=4, warmup_steps=2)
    run = tmp_path / "run"
    reference = weights(train(cfg, run).out)
    # Pretend the run was killed after its step-4 checkpoint.
    checkpoints = run / "checkpoints"
    for name in ("last", "step-0000008"):
        path = checkpoints / name
        path.unlink() if path.is_symlink() else shutil.rmtree(path)
    os.symlink("step-0000004", checkpoints / "last")
    summary = train(cfg, run, resume=True)
    assert summary.steps == 8 and summary.samples == 4 * 16
    assert_same_weights(reference, weights(run))


def test_second_run_into_the_same_folder_needs_resume(data, tmp_path):
    train(config(data, steps=2), tmp_path / "run")
    with pytest.raises(Sim2ActError, match="already holds a training run"):
        train(config(data, steps=2), tmp_path / "run")
    with pytest.raises(Sim2ActError, match="another config"):
        train(config(data, steps=4, lr=1e-2), tmp_path / "run", resume=True)
    with pytest.raises(Sim2ActError, match="no training run"):
        train(config(data, steps=2), tmp_path / "elsewhere", resume=True)


def test_a_run_that_failed_to_start_does_not_claim_its_folder(data, tmp_path):
    with pytest.raises(Sim2ActError, match="no dataset"):
        train(config(tmp_path / "typo", steps=2), tmp_path / "run")
    assert train(config(data, steps=2), tmp_path / "run").steps == 2


def test_resume_from_a_corrupt_optimizer_state_is_a_user_error(data, tmp_path):
    summary = train(config(data, steps=2), tmp_path / "run")
    optimizer = summary.checkpoint / "optimizer.safetensors"
    optimizer.write_bytes(optimizer.read_bytes()[:100])
    with pytest.raises(Sim2ActError, match="corrupt checkpoint"):
        train(config(data, steps=4), tmp_path / "run", resume=True)


def test_contrastive_weight_zero_trains_on_bc_alone(data, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    summary = train(config(data, steps=4, contrastive_weight=0.0, log_every=2), tmp_path / "run")
    assert summary.steps == 4 and torch.isfinite(torch.tensor(summary.final_loss))
    events = EventAccumulator(str(tmp_path / "run" / "tensorboard"))
    events.Reload()
    assert [s.value for s in events.Scalars("losses/con")] == [0.0, 0.0]
    bc, total = events.Scalars("losses/bc"), events.Scalars("losses/total")
    assert [s.value for s in bc] == [s.value for s in total]


def test_tensorboard_events_are_written(data, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    train(config(data, steps=4, log_every=2), tmp_path / "run")
    board = tmp_path / "run" / "tensorboard"
    assert [p.name for p in board.iterdir() if p.name.startswith("events.out.tfevents")]
    events = EventAccumulator(str(board))
    events.Reload()
    scalars = set(events.Tags()["scalars"])
    assert {"losses/bc", "losses/con", "losses/total", "charts/accuracy", "charts/learning_rate"} <= scalars
    assert [s.step for s in events.Scalars("losses/total")] == [2, 4]
    assert all(s.value > 0 for s in events.Scalars("losses/con"))  # λ = 0.5 by default


def test_fine_tuning_starts_from_the_given_policy(data, tmp_path):
    base = train(config(data, steps=2, seed=5), tmp_path / "base")  # another seed than the fine-tuning run
    tuned = train(config(data, steps=1, init_policy=str(base.out), lr=1e-12, warmup_steps=0, weight_decay=0.0), tmp_path / "tuned")
    a, b = weights(base.out), weights(tuned.out)
    assert a.keys() == b.keys()
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)  # a tiny step away from the base weights
    fresh = weights(train(config(data, steps=1, lr=1e-12, warmup_steps=0), tmp_path / "fresh").out)
    assert not torch.allclose(fresh["head.linear.weight"], b["head.linear.weight"], atol=1e-3)


@pytest.mark.parametrize(
    "overrides, message",
    [({"steps": 0}, "--steps must be at least 1"), ({"lr": 0.0}, "need lr > 0"), ({"device": "tpu"}, "unknown device")],
)
def test_bad_train_config_is_a_user_error(data, tmp_path, overrides, message):
    with pytest.raises(Sim2ActError, match=message):
        train(config(data, **overrides), tmp_path / "run")


def test_batch_order_is_a_pure_function_of_seed_and_step():
    order = BatchOrder(10, 4, seed=3)
    epoch0 = torch.cat([order.indices(0), order.indices(1)])
    assert len(set(epoch0.tolist())) == 8  # drop-last permutation: no repeats within an epoch
    again = BatchOrder(10, 4, seed=3)
    assert torch.equal(again.indices(5), order.indices(5)) and torch.equal(again.indices(1), BatchOrder(10, 4, 3).indices(1))
    assert not torch.equal(BatchOrder(10, 4, seed=4).indices(0), order.indices(0))
    small = BatchOrder(3, 16, seed=0)  # a batch larger than the dataset is the whole dataset
    assert sorted(small.indices(0).tolist()) == [0, 1, 2] and sorted(small.indices(7).tolist()) == [0, 1, 2]


def test_weight_decay_applies_to_weight_matrices_only():
    from sim2act.models import PolicyConfig, PolicySpec, build_policy
    from sim2act.training.weight_decay import parameter_groups

    spec = PolicySpec("grid", (56, 56, 3), 13, {"type": "discrete", "n": 7, "names": list(range(7))}, vocabulary=VOCABULARY)
    policy = build_policy(spec, PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2))
    decayed, plain = parameter_groups(policy, 0.05)
    names = {id(p): n for n, p in policy.named_parameters()}
    decayed_names = {names[id(p)] for p in decayed["params"]}
    plain_names = {names[id(p)] for p in plain["params"]}
    assert "action_embedding.mlp.0.weight" in decayed_names and "head.linear.weight" in decayed_names
    assert {"act_query", "vision.position", "text.position", "text.embedding.weight"} <= plain_names
    assert not any(n.endswith(".bias") for n in decayed_names)


def test_training_with_jitter_fits_and_repeats_under_the_same_seed(data, tmp_path):
    a = train(config(data, steps=60, jitter=0.3), tmp_path / "a")
    b = train(config(data, steps=60, jitter=0.3), tmp_path / "b")
    assert_same_weights(weights(a.out), weights(b.out))
    assert dataset_accuracy(load_policy(resolve_policy_folder(a.out)), data) > 0.5


def test_jitter_outside_its_range_is_a_user_error(data, tmp_path):
    with pytest.raises(Sim2ActError, match="--jitter must lie in"):
        train(config(data, jitter=1.5), tmp_path / "run")


def test_training_with_shift_repeats_under_the_same_seed(data, tmp_path):
    patch = replace(TINY, vision_stem="patch")
    a = train(config(data, steps=20, shift=2, policy=patch), tmp_path / "a")
    b = train(config(data, steps=20, shift=2, policy=patch), tmp_path / "b")
    assert_same_weights(weights(a.out), weights(b.out))
    c = train(config(data, steps=20, policy=patch), tmp_path / "c")
    assert not torch.equal(weights(a.out)["head.linear.weight"], weights(c.out)["head.linear.weight"])


@pytest.mark.parametrize("shift", [-1, 17, 2.5, True])
def test_a_shift_outside_its_range_is_a_user_error(data, tmp_path, shift):
    with pytest.raises(Sim2ActError, match="--shift must be a whole number"):
        train(config(data, shift=shift), tmp_path / "run")
