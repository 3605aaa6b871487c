from __future__ import annotations

import numpy as np
import pytest

from sim2act import features as F
from sim2act.data.card import load_card
from sim2act.data.episode import Episode
from sim2act.data.layout import DatasetLayout
from sim2act.data.reader import load_episodes, load_steps
from sim2act.data.schema import Feature
from sim2act.data.writer import ShardWriter, encode_shard
from sim2act.errors import Sim2ActError
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.tasks import Task

TINY = dict(episodes=8, num_envs=4, shard_episodes=4)


def snapshot(root):
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_another_config_is_refused_and_nothing_changes(make_dataset):
    root = make_dataset(**TINY)
    before = snapshot(root)
    with pytest.raises(Sim2ActError, match="another config.*proposer: 'uniform' on disk vs 'expert' now"):
        generate(GenerateConfig(proposer="expert", **TINY), root)
    assert snapshot(root) == before


def test_append_adds_a_tagged_run_with_fresh_episode_ids(make_dataset):
    root = make_dataset(**TINY)
    generate(GenerateConfig(proposer="expert", alpha=0.8, iteration=1, **TINY), root, append=True)
    episodes = load_episodes(root)
    assert episodes[F.EPISODE_ID].to_pylist() == list(range(16))
    assert episodes[F.PROPOSER].to_pylist() == ["uniform"] * 8 + ["mixture(expert,0.8)"] * 8
    assert set(load_steps(root).filter(np.array(load_steps(root)[F.ITERATION]) == 1)[F.PROPOSER].to_pylist()) == {
        "mixture(expert,0.8)"
    }


def test_append_of_another_split_is_refused(make_dataset):
    root = make_dataset(**TINY)
    with pytest.raises(Sim2ActError, match="one split"):
        generate(GenerateConfig(split="val", **TINY), root, append=True)


def test_overwrite_replaces_the_dataset(make_dataset):
    root = make_dataset(**TINY)
    generate(GenerateConfig(proposer="expert", **TINY), root, overwrite=True)
    assert set(load_episodes(root)[F.PROPOSER].to_pylist()) == {"expert"}


def test_a_folder_that_is_not_a_dataset_is_left_alone(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    for flags in ({}, {"overwrite": True}):
        with pytest.raises(Sim2ActError, match="holds no sim2act dataset"):
            generate(GenerateConfig(**TINY), tmp_path, **flags)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_held_out_episodes_never_reach_training_data(tmp_path):
    root = tmp_path / "train"
    generate(GenerateConfig(**TINY), root)
    layout = DatasetLayout(root)
    card = load_card(layout.card)
    features = [Feature(name, spec["dtype"], tuple(spec["shape"])) for name, spec in card.features.items()]
    held_out = Task("grid", "GoToLocal", "train", seed=3, instruction="go to the blue ball")
    unseen_layout = Task("grid", "GoToLocal", "train", seed=650_000_000, instruction="go to the red ball")
    for task in (held_out, unseen_layout):
        episode = Episode(
            episode_id=99,
            task=task,
            observations={F.RGB: np.zeros((1, 56, 56, 3), np.uint8), F.PROPRIO: np.zeros((1, 13), np.float32)},
            actions=np.zeros(1, np.int64),
            rewards=np.zeros(1, np.float32),
            terminated=np.ones(1, bool),
            truncated=np.zeros(1, bool),
            success=np.zeros(1, bool),
        )
        writer = ShardWriter(layout, card, features)
        with pytest.raises(Sim2ActError, match="held-out episode refused"):
            writer.submit(99, [episode], "uniform", 0)
        with pytest.raises(Sim2ActError, match="held-out episode refused"):  # a shard a remote worker encoded
            writer.submit_encoded(encode_shard(99, [episode], features, "uniform", 0))
        writer.close()
    assert layout.committed_shards() == [0, 1]


def test_a_truncated_shard_is_named_on_read(make_dataset):
    root = make_dataset(**TINY)
    shard = DatasetLayout(root).steps_shard(1)
    shard.write_bytes(shard.read_bytes()[:1000])
    with pytest.raises(Sim2ActError, match=f"corrupt or truncated shard {shard}"):
        load_steps(root)


@pytest.mark.parametrize("damage", ["truncate_steps", "truncate_episodes", "delete_steps"])
def test_a_damaged_shard_is_rebuilt_by_the_same_command(make_dataset, tmp_path, damage):
    """Shard k is a function of the config and k: re-running the command regenerates exactly the damaged one."""
    root = make_dataset(**TINY, labels="both")
    clean = snapshot(root)
    layout = DatasetLayout(root)
    steps, episodes = layout.steps_shard(1), layout.episodes_shard(1)
    if damage == "truncate_steps":
        steps.write_bytes(steps.read_bytes()[:1000])
    elif damage == "truncate_episodes":
        episodes.write_bytes(episodes.read_bytes()[:-40])
    else:
        steps.unlink()
    summary = generate(GenerateConfig(**TINY, labels="both"), root)
    assert summary.rebuilt_shards == (1,) and summary.rollouts == 4 and summary.resumed_episodes == 4
    assert summary.dataset == load_card(layout.card).counts and summary.dataset["rollouts"] == 8
    data = {p: b for p, b in snapshot(root).items() if p.name != "info.json"}
    assert data == {p: b for p, b in clean.items() if p.name != "info.json"}
    again = generate(GenerateConfig(**TINY, labels="both"), root)
    assert again.rollouts == 0 and again.rebuilt_shards == () and again.dataset["successes"] == summary.dataset["successes"]


def test_a_damaged_shard_of_an_earlier_run_is_named(make_dataset):
    root = make_dataset(**TINY)
    generate(GenerateConfig(**TINY, seed=5), root, append=True)
    steps = DatasetLayout(root).steps_shard(0)
    steps.write_bytes(steps.read_bytes()[:1000])
    with pytest.raises(Sim2ActError, match="shard\\(s\\) 00000 of an earlier run are damaged"):
        generate(GenerateConfig(**TINY, seed=5), root, append=True)


def test_card_survives_a_save_load_roundtrip(make_dataset):
    layout = DatasetLayout(make_dataset(**TINY))
    card = load_card(layout.card)
    card.save(layout.card)
    again = load_card(layout.card)
    assert again.counts == card.counts
    assert again.counts["episodes"] == again.counts["rollouts"] == 8 and again.counts["shards"] == 2
    assert again.shards == card.shards
    assert again.runs == card.runs and again.features == card.features
