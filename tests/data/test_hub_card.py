"""Every generated dataset carries a Hugging Face card whose configs load with ``datasets`` as they are."""

from __future__ import annotations

import pytest
import yaml

from sim2act.data.hub_card import CONTACT_SHEET, README, write_hub_card
from sim2act.data.reader import load_episodes, load_steps

datasets = pytest.importorskip("datasets")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    from sim2act.rollout.generation import GenerateConfig, generate

    out = tmp_path_factory.mktemp("card") / "gotolocal"
    generate(GenerateConfig(episodes=8, num_envs=4, shard_episodes=4, labels="both", seed=2), out)
    return out


def front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_generation_writes_a_card_with_front_matter_statistics_and_a_contact_sheet(dataset):
    text = (dataset / README).read_text()
    front = front_matter(text)
    assert front["license"] == "apache-2.0" and front["task_categories"] == ["robotics"]
    assert [c["config_name"] for c in front["configs"]] == ["steps", "episodes"]
    assert front["configs"][0]["data_files"] == [{"split": "train", "path": "data/*.parquet"}]
    steps = load_steps(dataset)
    assert f"| steps (kept triplets) | {steps.num_rows:,} |" in text
    assert "## How it was generated" in text and '"proposer": "uniform"' in text
    assert (dataset / CONTACT_SHEET).stat().st_size > 1000 and f"]({CONTACT_SHEET})" in text


def test_the_card_is_the_same_for_the_same_dataset(dataset):
    before = (dataset / README).read_text()
    write_hub_card(dataset)
    assert (dataset / README).read_text() == before


def test_datasets_loads_both_configs_with_the_cards_features(dataset, tmp_path):
    steps = datasets.load_dataset(str(dataset), split="train", cache_dir=str(tmp_path))
    episodes = datasets.load_dataset(str(dataset), "episodes", split="train", cache_dir=str(tmp_path))
    assert steps.num_rows == load_steps(dataset).num_rows
    assert episodes["instruction"] == load_episodes(dataset)["instruction"].to_pylist()
    declared = {f["name"] for f in front_matter((dataset / README).read_text())["dataset_info"][0]["features"]}
    assert declared == set(steps.features)


def test_a_tabletop_card_declares_depth_and_two_cell_actions_that_load(tmp_path):
    from sim2act.rollout.generation import GenerateConfig, generate

    out = tmp_path / "tabletop"
    generate(GenerateConfig(domain="tabletop", level="pick", episodes=2, num_envs=2, shard_episodes=2), out)
    front = front_matter((out / README).read_text())
    features = {f["name"]: f for f in front["dataset_info"][0]["features"]}
    assert features["depth"] == {"name": "depth", "dtype": "fixed_size_binary[16384]"}  # 64 x 64 float32
    assert features["action"] == {"name": "action", "list": "int64", "length": 2}
    steps = datasets.load_dataset(str(out), split="train", cache_dir=str(tmp_path / "cache"))
    assert steps.num_rows == load_steps(out).num_rows and len(steps[0]["action"]) == 2


def test_pandas_reads_what_the_card_says(dataset):
    import numpy as np
    import pandas as pd

    steps = pd.read_parquet(dataset / "data")
    assert len(steps) == load_steps(dataset).num_rows
    assert np.frombuffer(steps["rgb"][0], np.uint8).reshape(56, 56, 3).shape == (56, 56, 3)
    assert "frame = np.frombuffer(steps['rgb'][0], np.uint8).reshape(56, 56, 3)" in (dataset / README).read_text()


def test_the_lerobot_export_carries_a_card_whose_data_files_load(dataset, tmp_path):
    from sim2act.data.export import export_dataset

    info = export_dataset(dataset, tmp_path / "lerobot", "lerobot")
    front = front_matter((tmp_path / "lerobot" / README).read_text())
    assert "LeRobot" in front["tags"]
    frames = datasets.load_dataset(str(tmp_path / "lerobot"), split="train", cache_dir=str(tmp_path / "cache"))
    assert frames.num_rows == info["total_frames"]
