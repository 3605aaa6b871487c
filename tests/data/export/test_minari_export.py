"""A sim2act dataset exported through Minari's API loads with ``minari.load_dataset`` and keeps its episodes."""

from __future__ import annotations

import numpy as np
import pytest

from sim2act import features as F
from sim2act.data.export import export_dataset
from sim2act.data.reader import feature_array, load_episodes, load_steps

minari = pytest.importorskip("minari")


def test_episodes_actions_instructions_and_success_survive_the_round_trip(tmp_path, monkeypatch):
    from sim2act.rollout.generation import GenerateConfig, generate

    source = tmp_path / "gotolocal"
    generate(GenerateConfig(episodes=8, num_envs=4, shard_episodes=4, labels="both", seed=4), source)
    info = export_dataset(source, tmp_path / "minari", "minari")
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "minari"))
    dataset = minari.load_dataset(info["dataset_id"])
    steps, episodes = load_steps(source), load_episodes(source)
    assert dataset.total_episodes == episodes.num_rows == info["total_episodes"] and dataset.total_steps == steps.num_rows
    assert dataset.observation_space[F.INSTRUCTION].__class__.__name__ == "Text"
    rgb = feature_array(steps[F.RGB], "uint8", (56, 56, 3))
    ids, row = steps[F.EPISODE_ID].to_numpy(), 0
    for episode, source_episode in zip(dataset.iterate_episodes(), episodes.to_pylist()):
        n = len(episode.actions)
        assert np.array_equal(episode.actions, steps[F.ACTION].to_numpy()[row : row + n])
        assert set(ids[row : row + n]) == {source_episode[F.EPISODE_ID]}
        assert set(episode.observations[F.INSTRUCTION]) == {source_episode[F.INSTRUCTION]}
        assert np.array_equal(episode.observations[F.RGB][:n], rgb[row : row + n])  # exact, no JPEG
        assert bool(episode.infos["success"].any()) == source_episode[F.SUCCESS]
        row += n
    assert row == steps.num_rows
    size = dataset.storage.metadata["dataset_size"]  # measured once, at the end
    assert size == dataset.storage.get_size() > 0
