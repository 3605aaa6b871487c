"""The four labelers on real uniform rollouts: what each keeps, how it cuts and how it labels."""

from __future__ import annotations

import numpy as np
import pytest

from sim2act import features as F
from sim2act.errors import Sim2ActError
from sim2act.labels import LABELERS, admissible, cut, get_labeler, label_episodes
from sim2act.rollout.generation import GenerateConfig
from sim2act.tasks import SPLITS

TRAIN = SPLITS["train"]


def assert_prefix(kept, rollout, rows):
    """``kept`` holds rows 0..rows-1 of ``rollout`` unchanged."""
    assert len(kept) == rows and kept.episode_id == rollout.episode_id
    np.testing.assert_array_equal(kept.actions, rollout.actions[:rows])
    np.testing.assert_array_equal(kept.rewards, rollout.rewards[:rows])
    for key, frames in rollout.observations.items():
        np.testing.assert_array_equal(kept.observations[key], frames[:rows])
    assert kept.achieved == [(s, i) for s, i in rollout.achieved if s < rows]
    assert kept.task.seed == rollout.task.seed and kept.task.split == rollout.task.split


def assert_ends_in_success(kept):
    ended = np.zeros(len(kept), bool)
    ended[-1] = True
    np.testing.assert_array_equal(kept.success, ended)
    np.testing.assert_array_equal(kept.terminated, ended)
    assert not kept.truncated.any()


def test_mix_of_outcomes(rollouts):
    episodes = rollouts("GoToLocal")
    failed = [e for e in episodes if not e.succeeded]
    assert 0 < len(failed) < len(episodes)
    assert any(e.achieved for e in failed) and any(not e.achieved for e in failed)


def test_none_keeps_every_episode_as_rolled_out(rollouts):
    episodes = rollouts("GoToLocal")
    kept = label_episodes("none", episodes, TRAIN)
    assert [k is e for k, e in zip(kept, episodes)] == [True] * len(episodes)
    assert {e.label for e in kept} == {F.LABEL_ORIGINAL}
    assert all(e.original_instruction == e.task.instruction for e in kept)


def test_success_keeps_successes_up_to_their_first_success(rollouts):
    episodes = rollouts("GoToLocal")
    kept = label_episodes("success", episodes, TRAIN)
    successes = [e for e in episodes if e.succeeded]
    assert [k.episode_id for k in kept] == [e.episode_id for e in successes]
    for k, e in zip(kept, successes):
        assert_prefix(k, e, int(np.argmax(e.success)) + 1)
        assert_ends_in_success(k)
        assert k.label == F.LABEL_SUCCESS and k.task == e.task and k.original_instruction == e.task.instruction


def test_hindsight_relabels_a_failure_with_its_earliest_admissible_achievement(rollouts):
    episodes = rollouts("GoToLocal")
    kept = {k.episode_id: k for k in label_episodes("hindsight", episodes, TRAIN)}
    relabeled = 0
    for e in episodes:
        choices = [(s, i) for s, i in e.achieved if admissible(TRAIN, e.task, i)]
        if e.succeeded or not choices:
            assert e.episode_id not in kept
            continue
        step, instruction = choices[0]
        k = kept[e.episode_id]
        assert k.task.instruction == instruction and k.label == F.LABEL_HINDSIGHT
        assert k.original_instruction == e.task.instruction != instruction
        assert_prefix(k, e, step + 1)
        assert_ends_in_success(k)
        assert k.achieved[-1][0] == step and (step, instruction) in k.achieved
        relabeled += 1
    assert relabeled == len(kept) > 5


def test_both_is_success_for_successes_and_hindsight_for_failures(rollouts):
    episodes = rollouts("GoToLocal")
    both = label_episodes("both", episodes, TRAIN)
    success = {k.episode_id: k for k in label_episodes("success", episodes, TRAIN)}
    hindsight = {k.episode_id: k for k in label_episodes("hindsight", episodes, TRAIN)}
    assert not success.keys() & hindsight.keys()
    assert sorted(k.episode_id for k in both) == sorted(success.keys() | hindsight.keys())
    for k in both:
        other = success.get(k.episode_id) or hindsight[k.episode_id]
        assert (k.label, k.task, len(k)) == (other.label, other.task, len(other))


def test_labeling_does_not_change_the_rollouts(rollouts):
    episodes = rollouts("GoToLocal")
    before = [(e.task, len(e), e.label, e.success.copy(), e.terminated.copy()) for e in episodes]
    for name in LABELERS:
        label_episodes(name, episodes, TRAIN)
    for (task, n, label, success, terminated), e in zip(before, episodes):
        assert (e.task, len(e), e.label) == (task, n, label)
        np.testing.assert_array_equal(e.success, success)
        np.testing.assert_array_equal(e.terminated, terminated)


def test_cut_refuses_a_step_outside_the_episode(rollouts):
    episode = rollouts("GoToLocal")[0]
    with pytest.raises(Sim2ActError, match="cannot cut"):
        cut(episode, len(episode), "go to the red ball", F.LABEL_HINDSIGHT)


def test_unknown_labels_are_a_one_line_error():
    assert list(LABELERS) == ["none", "success", "hindsight", "both"]
    with pytest.raises(Sim2ActError, match=r"unknown --labels 'bothh' \(did you mean 'both'\?\); known: none, success"):
        get_labeler("bothh")
    with pytest.raises(Sim2ActError, match="unknown --labels"):
        GenerateConfig(labels="hindsite").validated()
    assert GenerateConfig().labels == "none"
