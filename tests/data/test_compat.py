"""Datasets of schema version 1 (written before labels, e.g. the 25k bot demonstrations) still load and train.

A version-1 dataset is made the way version 1 wrote them: the same shards without the ``label``
columns and without shard statistics in the episode files, and a card with the version-1 fields.
"""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from sim2act import features as F
from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.data.reader import load_episodes, load_steps
from sim2act.data.statistics import dataset_statistics
from sim2act.data.torch_dataset import StepDataset
from sim2act.errors import Sim2ActError
from sim2act.models import PolicyConfig
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.training import TrainConfig, train

CONFIG = GenerateConfig(proposer="expert", episodes=8, num_envs=4, shard_episodes=4)


def as_version_1(root) -> None:
    """Rewrite a fresh dataset in place exactly as schema version 1 stored it."""
    layout = DatasetLayout(root)
    for path in layout.steps_files():
        pq.write_table(pq.read_table(path).drop_columns([F.LABEL]), path, compression="zstd")
    for path in layout.episodes_files():
        table = pq.read_table(path).drop_columns([F.LABEL, F.ORIGINAL_INSTRUCTION])
        pq.write_table(table.replace_schema_metadata(None), path, compression="zstd")
    card = json.loads(layout.card.read_text())
    card["schema_version"] = 1
    del card["features"][F.LABEL]
    card["shards"] = {i: {k: s[k] for k in ("episodes", "steps", "successes")} for i, s in card["shards"].items()}
    card["counts"] = {k: card["counts"][k] for k in ("episodes", "steps", "successes", "shards")}
    for run in card["runs"]:
        del run["config"]["labels"]
    layout.card.write_text(json.dumps(card, indent=2))


@pytest.fixture(scope="module")
def v1(tmp_path_factory):
    root = tmp_path_factory.mktemp("compat") / "v1"
    generate(CONFIG, root)
    current = load_steps(root), load_episodes(root)
    as_version_1(root)
    return root, current


def test_version_1_reads_as_labeled_original(v1):
    root, (steps_now, episodes_now) = v1
    assert F.LABEL not in pq.read_schema(DatasetLayout(root).steps_shard(0)).names
    card = load_card(DatasetLayout(root).card)
    assert card.schema_version == 1
    assert card.counts["rollouts"] == card.counts["episodes"] == 8
    assert card.counts["executed_steps"] == card.counts["steps"] == steps_now.num_rows
    assert load_steps(root).equals(steps_now)
    assert load_episodes(root).equals(episodes_now)
    assert set(load_steps(root)[F.LABEL].to_pylist()) == {F.LABEL_ORIGINAL}
    picked = load_steps(root, columns=[F.LABEL, F.ACTION, F.EPISODE_ID])
    assert picked.column_names == [F.LABEL, F.ACTION, F.EPISODE_ID]
    assert picked[F.ACTION].equals(steps_now[F.ACTION])
    episodes = load_episodes(root)
    assert episodes[F.ORIGINAL_INSTRUCTION].equals(episodes[F.INSTRUCTION])
    stats = dataset_statistics(root)
    assert stats.labels == [(F.LABEL_ORIGINAL, 8)] and (stats.rollouts, stats.executed_steps) == (8, stats.steps)


def test_version_1_trains(v1, tmp_path):
    root, _ = v1
    assert len(StepDataset(root)) == load_card(DatasetLayout(root).card).counts["steps"]
    policy = PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2)
    config = TrainConfig(data=str(root), policy=policy, steps=2, batch_size=8, log_every=1, device="cpu")
    summary = train(config, tmp_path / "run")
    assert summary.steps == 2 and summary.checkpoint.exists()


def test_version_1_is_never_written_into(v1, tmp_path):
    root, _ = v1
    before = {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    for config in (CONFIG, GenerateConfig(**{**vars(CONFIG), "labels": "both"})):
        with pytest.raises(Sim2ActError, match="schema version 1 .*new folder, or pass --overwrite"):
            generate(config, root)
    assert {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()} == before
