"""Datasets generated with ``labels``: counts of rollouts, kept and relabeled episodes, executed steps, resume."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from sim2act import features as F
from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.data.reader import load_episodes, load_steps
from sim2act.data.torch_dataset import StepDataset
from sim2act.rollout.generation import GenerateConfig, generate

SMALL = dict(episodes=24, num_envs=6, shard_episodes=6)


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    """The same 24 rollouts written under each label mode."""
    root = tmp_path_factory.mktemp("labels")
    modes = ("none", "success", "hindsight", "both")
    return {mode: (generate(GenerateConfig(labels=mode, **SMALL), root / mode), root / mode) for mode in modes}


def test_every_mode_executes_the_same_rollouts(datasets):
    summaries = {mode: summary for mode, (summary, _) in datasets.items()}
    none = summaries["none"]
    assert none.rollouts == none.episodes == 24 and none.executed_steps == none.steps > 24 and none.relabeled == 0
    for mode, summary in summaries.items():
        assert (summary.rollouts, summary.executed_steps, summary.rollout_successes) == (
            none.rollouts, none.executed_steps, none.rollout_successes
        ), mode
        assert summary.steps_per_second == summary.executed_steps / summary.seconds
    assert summaries["success"].episodes == none.rollout_successes
    assert summaries["both"].episodes == summaries["success"].episodes + summaries["hindsight"].episodes
    assert summaries["both"].relabeled == summaries["hindsight"].relabeled == summaries["hindsight"].episodes > 0
    assert summaries["both"].steps < none.steps


@pytest.mark.parametrize("mode", ["none", "success", "hindsight", "both"])
def test_card_summary_and_rows_agree(datasets, mode):
    summary, root = datasets[mode]
    counts = load_card(DatasetLayout(root).card).counts
    steps, episodes = load_steps(root), load_episodes(root)
    assert counts["rollouts"] == summary.rollouts and counts["executed_steps"] == summary.executed_steps
    assert counts["rollout_successes"] == summary.rollout_successes and counts["relabeled"] == summary.relabeled
    assert counts["episodes"] == summary.episodes == episodes.num_rows
    assert counts["steps"] == summary.steps == steps.num_rows == sum(episodes["length"].to_pylist())
    labels = episodes[F.LABEL].to_pylist()
    assert labels.count(F.LABEL_HINDSIGHT) == counts["relabeled"]
    expected = {"none": {F.LABEL_ORIGINAL}, "success": {F.LABEL_SUCCESS}, "hindsight": {F.LABEL_HINDSIGHT}}
    assert set(labels) == expected.get(mode, {F.LABEL_SUCCESS, F.LABEL_HINDSIGHT})
    by_id = dict(zip(episodes[F.EPISODE_ID].to_pylist(), labels))
    assert steps[F.LABEL].to_pylist() == [by_id[i] for i in steps[F.EPISODE_ID].to_pylist()]
    for row in episodes.to_pylist():
        relabeled = row[F.LABEL] == F.LABEL_HINDSIGHT
        assert (row[F.INSTRUCTION] != row[F.ORIGINAL_INSTRUCTION]) == relabeled
        if mode != "none":
            assert row[F.SUCCESS] and row["achieved_step"][-1] <= row["length"] - 1


def test_kept_episodes_keep_their_rollout_ids_and_original_instructions(datasets):
    everything = {row[F.EPISODE_ID]: row for row in load_episodes(datasets["none"][1]).to_pylist()}
    for row in load_episodes(datasets["both"][1]).to_pylist():
        rollout = everything[row[F.EPISODE_ID]]
        assert row[F.ORIGINAL_INSTRUCTION] == rollout[F.INSTRUCTION] and row[F.SEED] == rollout[F.SEED]
        assert row["length"] <= rollout["length"]
        assert row[F.LABEL] == (F.LABEL_SUCCESS if rollout[F.SUCCESS] else F.LABEL_HINDSIGHT)


def test_a_shard_whose_rollouts_were_all_dropped_is_committed_empty(tmp_path):
    root = tmp_path / "sparse"
    summary = generate(GenerateConfig(episodes=8, num_envs=2, shard_episodes=1, labels="success"), root)
    layout = DatasetLayout(root)
    card = load_card(layout.card)
    assert layout.committed_shards() == list(range(8)) and card.counts["rollouts"] == 8
    empty = [i for i, s in card.shards.items() if s.episodes == 0]
    assert empty and all(card.shards[i].executed_steps > 0 for i in empty)
    assert load_steps(root).num_rows == summary.steps == len(StepDataset(root))
    assert load_episodes(root).num_rows == summary.episodes < 8


def test_a_killed_labeled_run_resumes_to_the_same_dataset_and_counts(tmp_path):
    config = GenerateConfig(labels="both", **SMALL)
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    generate(config, clean)
    generate(config, killed)
    layout = DatasetLayout(killed)
    # As if killed after committing shard 1's files but before the card said so, with shards 2-3 lost.
    card = load_card(layout.card)
    for index in (1, 2, 3):
        del card.shards[index]
    card.save(layout.card)
    for index in (2, 3):
        layout.steps_shard(index).unlink()
        layout.episodes_shard(index).unlink()
    summary = generate(config, killed)
    assert summary.rollouts == 12 and summary.resumed_episodes == 12  # shards 2 and 3 were re-run
    assert load_steps(killed).equals(load_steps(clean))
    assert load_episodes(killed).equals(load_episodes(clean))
    assert load_card(layout.card).shards == load_card(DatasetLayout(clean).card).shards


def test_an_appended_run_numbers_its_episodes_after_every_rollout(tmp_path):
    root = tmp_path / "appended"
    first = generate(GenerateConfig(labels="success", **SMALL), root)
    assert first.episodes < first.rollouts
    generate(GenerateConfig(labels="success", iteration=1, seed=1, **SMALL), root, append=True)
    episodes = load_episodes(root)
    second = np.array(episodes[F.EPISODE_ID])[np.array(episodes[F.ITERATION]) == 1]
    assert second.min() >= 24 and len(set(episodes[F.EPISODE_ID].to_pylist())) == episodes.num_rows
    assert load_card(DatasetLayout(root).card).counts["rollouts"] == 48


def test_a_dataset_copy_resumes_from_its_own_card(datasets, tmp_path):
    """Nothing outside the folder is needed to resume: the shard statistics travel with the episode files."""
    copy = tmp_path / "copy"
    shutil.copytree(datasets["hindsight"][1], copy)
    layout = DatasetLayout(copy)
    card = load_card(layout.card)
    card.shards.clear()
    card.save(layout.card)
    summary = generate(GenerateConfig(labels="hindsight", **SMALL), copy)
    original = load_card(DatasetLayout(datasets["hindsight"][1]).card)
    assert summary.rollouts == 0 and load_card(layout.card).counts == original.counts


def test_a_dataset_that_kept_nothing_reads_but_does_not_train(tmp_path):
    """The expert always succeeds, so hindsight has nothing to relabel."""
    from sim2act.data.statistics import dataset_statistics
    from sim2act.errors import Sim2ActError
    from sim2act.training import TrainConfig, train

    root = tmp_path / "nothing"
    summary = generate(GenerateConfig(proposer="expert", episodes=4, num_envs=2, shard_episodes=2, labels="hindsight"), root)
    assert (summary.rollouts, summary.rollout_successes, summary.episodes, summary.steps) == (4, 4, 0, 0)
    assert len(StepDataset(root)) == 0 and load_episodes(root).num_rows == 0
    stats = dataset_statistics(root)
    assert (stats.episodes, stats.rollouts, stats.labels) == (0, 4, [])
    with pytest.raises(Sim2ActError, match="keeps no steps"):
        train(TrainConfig(data=str(root), steps=1, device="cpu"), tmp_path / "run")
