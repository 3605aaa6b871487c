"""A sim2act dataset exported as LeRobotDataset v3.0: the format's rules hold, and it loads the way LeRobot loads it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim2act import features as F
from sim2act.data.export import export_dataset
from sim2act.data.export.lerobot_format import hf_features, validate_lerobot
from sim2act.data.reader import feature_array, load_episodes, load_steps
from sim2act.errors import Sim2ActError

datasets = pytest.importorskip("datasets")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("lerobot")
    from sim2act.rollout.generation import GenerateConfig, generate

    generate(GenerateConfig(episodes=12, num_envs=4, shard_episodes=4, labels="both", seed=2), root / "source")
    info = export_dataset(root / "source", root / "lerobot", "lerobot")
    return root / "source", root / "lerobot", info


def test_the_export_follows_the_v3_rules(exported):
    _, out, info = exported
    assert validate_lerobot(out) == []
    assert info["codebase_version"] == "v3.0" and info["fps"] > 0 and info["splits"] == {"train": f"0:{info['total_episodes']}"}
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.parquet")) == [
        "data/chunk-000/file-000.parquet", "data/chunk-000/file-001.parquet", "data/chunk-000/file-002.parquet",
        "meta/episodes/chunk-000/file-000.parquet", "meta/tasks.parquet"]
    assert pd.read_parquet(out / "meta/tasks.parquet").index.name == "task"
    stats = json.loads((out / "meta/stats.json").read_text())
    assert np.array(stats["observation.images.rgb"]["mean"]).shape == (3, 1, 1)
    assert 0 <= np.min(stats["observation.images.rgb"]["min"]) <= np.max(stats["observation.images.rgb"]["max"]) <= 1


def test_episodes_actions_instructions_and_success_survive_the_round_trip(exported):
    source, out, info = exported
    features = hf_features(info["features"])
    frames = datasets.concatenate_datasets([datasets.Dataset.from_parquet(str(p), features=features)
                                            for p in sorted((out / "data").glob("*/*.parquet"))])
    steps = load_steps(source)
    assert len(frames) == steps.num_rows == info["total_frames"]
    assert frames["action"] == steps[F.ACTION].to_pylist()
    assert frames["sim2act.episode_id"] == steps[F.EPISODE_ID].to_pylist()
    tasks = pd.read_parquet(out / "meta/tasks.parquet")
    names = {index: task for task, index in tasks["task_index"].items()}
    assert [names[t] for t in frames["task_index"]] == steps[F.INSTRUCTION].to_pylist()
    rgb = feature_array(steps[F.RGB], "uint8", tuple(info["features"]["observation.images.rgb"]["shape"]))
    decoded = np.asarray(frames[5]["observation.images.rgb"])
    assert np.array_equal(decoded, rgb[5])  # PNG is lossless
    episodes = pd.read_parquet(out / "meta/episodes/chunk-000/file-000.parquet")
    source_episodes = load_episodes(source).to_pandas()
    assert episodes["sim2act.episode_id"].tolist() == source_episodes[F.EPISODE_ID].tolist()
    assert episodes["success"].tolist() == source_episodes[F.SUCCESS].tolist()
    assert episodes["label"].tolist() == source_episodes[F.LABEL].tolist()
    assert [t[0] for t in episodes["tasks"]] == source_episodes[F.INSTRUCTION].tolist()


def test_the_validator_names_broken_rules(exported, tmp_path):
    import shutil

    _, out, _ = exported
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    info = json.loads((broken / "meta/info.json").read_text())
    info["total_frames"] += 1
    info["codebase_version"] = "v2.1"
    (broken / "meta/info.json").write_text(json.dumps(info))
    (broken / "data/chunk-000/file-001.parquet").unlink()
    problems = "\n".join(validate_lerobot(broken))
    assert "codebase_version 'v2.1'" in problems and "total_frames" in problems and "file-001.parquet: missing" in problems


def test_bad_exports_are_one_line(exported, tmp_path):
    source, out, _ = exported
    with pytest.raises(Sim2ActError, match="unknown export format 'lerobt'.*did you mean 'lerobot'"):
        export_dataset(source, tmp_path / "x", "lerobt")
    with pytest.raises(Sim2ActError, match="is not empty"):
        export_dataset(source, out, "lerobot")
    with pytest.raises(Sim2ActError, match="no dataset at"):
        export_dataset(tmp_path / "missing", tmp_path / "y", "lerobot")
