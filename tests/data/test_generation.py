from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim2act import features as F
from sim2act.data.layout import DatasetLayout
from sim2act.data.reader import load_episodes, load_steps
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.tasks import SPLITS, belongs_to
from sim2act.tasks.splits import names_held_out


def test_dataset_layout_rows_and_card_agree(make_dataset):
    root = make_dataset()
    layout = DatasetLayout(root)
    assert layout.committed_shards() == [0, 1, 2]
    steps, episodes = load_steps(root), load_episodes(root)
    card = json.loads(layout.card.read_text())
    successes = sum(episodes["success"].to_pylist())
    expected = {
        "episodes": 12, "steps": steps.num_rows, "successes": successes, "shards": 3,
        "rollouts": 12, "executed_steps": steps.num_rows, "rollout_successes": successes, "relabeled": 0,
    }
    assert {key: card["counts"][key] for key in expected} == expected
    assert card["features"]["rgb"] == {"dtype": "uint8", "shape": [56, 56, 3]}
    assert card["runs"][0]["config"]["level"] == "GoToLocal"
    assert sorted(episodes[F.EPISODE_ID].to_pylist()) == list(range(12))
    ids, step = steps[F.EPISODE_ID].to_numpy(), steps[F.STEP].to_numpy()
    for episode in episodes.to_pylist():
        rows = step[ids == episode[F.EPISODE_ID]]
        assert rows.tolist() == list(range(episode["length"]))
    ended = steps.filter(steps[F.TERMINATED].to_numpy() | steps[F.TRUNCATED].to_numpy())
    assert ended.num_rows == 12
    assert set(steps[F.SPLIT].to_pylist()) == {"train"} and set(steps[F.PROPOSER].to_pylist()) == {"uniform"}
    assert pq.read_metadata(layout.steps_shard(0)).row_group(0).column(0).compression == "ZSTD"


def test_episode_success_matches_step_verdicts(make_dataset):
    root = make_dataset(proposer="expert")
    steps, episodes = load_steps(root), load_episodes(root)
    assert all(episodes["success"].to_pylist())
    success = steps[F.SUCCESS].to_numpy()
    assert success.sum() == 12 and np.all(steps[F.TERMINATED].to_numpy()[success])
    for row in episodes.to_pylist():
        assert row["achieved"] and len(row["achieved"]) == len(row["achieved_step"])


@pytest.mark.parametrize("split", list(SPLITS))
def test_every_episode_belongs_to_its_split(make_dataset, split):
    episodes = load_episodes(make_dataset(split=split, episodes=8))
    for row in episodes.to_pylist():
        assert row[F.SPLIT] == split
        assert belongs_to(SPLITS[split], "grid", row[F.SEED], row[F.INSTRUCTION])
    held_out = [names_held_out("grid", i) for i in episodes[F.INSTRUCTION].to_pylist()]
    assert all(held_out) if split == "test_unseen_composition" else not any(held_out)


def test_same_config_gives_the_same_dataset(make_dataset):
    assert load_steps(make_dataset("a")).equals(load_steps(make_dataset("b")))
    assert not load_steps(make_dataset("c", seed=1)).equals(load_steps(make_dataset("d")))


def test_rerun_of_a_complete_dataset_changes_nothing(make_dataset):
    root = make_dataset()
    before = {p: p.read_bytes() for p in DatasetLayout(root).steps_files()}
    summary = generate(GenerateConfig(episodes=12, num_envs=4, shard_episodes=4), root)
    assert summary.episodes == 0 and summary.resumed_episodes == 12
    assert {p: p.read_bytes() for p in DatasetLayout(root).steps_files()} == before
