"""Hindsight shortcuts: straighter kept paths that the simulator confirms, every trial step counted."""

from __future__ import annotations

import numpy as np
import pytest

from sim2act import features as F
from sim2act.data.episode import Episode
from sim2act.data.reader import feature_array, load_episodes, load_steps
from sim2act.envs import get_domain, make
from sim2act.errors import Sim2ActError
from sim2act.labels.shortcuts import shortcut, starts
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.rollout.recorder import EpisodeRecorder
from sim2act.tasks import Task

REPLAY = get_domain("nav3d").replay
NAV3D = dict(domain="nav3d", level="goto", episodes=40, num_envs=8, shard_episodes=20, labels="both",
             erase_loops=True, seed=3)


def test_starts_begin_at_the_start_and_stay_inside_the_path():
    assert starts(8) == [0, 2, 4, 6]
    assert starts(2) == [0, 1]
    assert starts(1) == [0]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("shortcuts")
    plain = generate(GenerateConfig(**NAV3D), root / "plain")
    straight = generate(GenerateConfig(**NAV3D, shortcuts=True), root / "straight")
    return root, plain, straight


def test_shortcuts_keep_the_same_episodes_with_fewer_steps(generated):
    root, plain, straight = generated
    assert straight.executed_steps == plain.executed_steps  # the same rollouts
    assert straight.preview_steps > plain.preview_steps == 0  # the trials are simulator steps, and are counted
    before = {e[F.EPISODE_ID]: e for e in load_episodes(root / "plain").to_pylist()}
    after = {e[F.EPISODE_ID]: e for e in load_episodes(root / "straight").to_pylist()}
    assert before.keys() == after.keys()
    for episode_id, episode in after.items():
        assert (episode[F.INSTRUCTION], episode[F.LABEL]) == (before[episode_id][F.INSTRUCTION], before[episode_id][F.LABEL])
        assert episode["length"] <= before[episode_id]["length"]
    shortened = sum(after[i]["length"] < before[i]["length"] for i in after)
    assert shortened >= 3, shortened
    assert straight.steps < plain.steps


def test_shortcut_episodes_on_disk_become_true_exactly_on_their_last_step(generated):
    root = generated[0] / "straight"
    steps = load_steps(root, columns=[F.EPISODE_ID, F.ACTION, F.RGB])
    ids, actions = steps[F.EPISODE_ID].to_numpy(), steps[F.ACTION].to_numpy()
    rgb = feature_array(steps[F.RGB], "uint8", (64, 64, 3))
    env, replay = make("nav3d", "goto"), get_domain("nav3d").replay
    for episode in load_episodes(root).to_pylist():
        rows = np.flatnonzero(ids == episode[F.EPISODE_ID])
        verdicts = []
        for t, (obs, verdict) in enumerate(replay(env, episode[F.SEED], episode[F.INSTRUCTION], actions[rows])):
            np.testing.assert_array_equal(obs[F.RGB], rgb[rows][t])
            verdicts.append(verdict)
        assert verdicts == ["continue"] * (len(rows) - 1) + ["success"], episode[F.EPISODE_ID]


def _walked(actions, seed=5) -> Episode:
    """A real nav3d walk from ``seed``'s reset, as a kept episode (its flags are not what a trial checks)."""
    env = make("nav3d", "goto")
    _, info = env.reset(seed=seed)
    keys = [info[F.INFO_STATE_KEY]] + [env.step(a)[4][F.INFO_STATE_KEY] for a in actions]
    n, ended = len(actions), np.arange(len(actions)) == len(actions) - 1
    return Episode(7, Task("nav3d", "goto", "train", seed, info[F.INFO_INSTRUCTION]), {}, np.array(actions),
                   np.zeros(n, np.float32), ended, np.zeros(n, bool), ended, state_keys=keys)


def test_a_path_of_one_step_is_left_alone_at_no_cost():
    episode = _walked([0])
    assert shortcut(EpisodeRecorder(make("nav3d", "goto")), episode, steer=lambda env, key: 2, replay=REPLAY) == (episode, 0)


def test_straight_runs_that_fail_leave_the_episode_and_count_every_step():
    episode = _walked([0, 2, 2])
    env = EpisodeRecorder(make("nav3d", "goto"))
    # A steer that only turns never gets anywhere: from rows 0, 1 and 2, replay then walk the steps left.
    assert shortcut(env, episode, steer=lambda env, key: 0, replay=REPLAY) == (episode, (0 + 2) + (1 + 1) + (2 + 0))
    # One that declares it has arrived stops at once: only the replays cost.
    assert shortcut(env, episode, steer=lambda env, key: None, replay=REPLAY) == (episode, 0 + 1 + 2)


@pytest.mark.parametrize("options, message", [
    (dict(domain="grid", labels="both", erase_loops=True), "'grid' cannot"),
    (dict(domain="nav3d", labels="both", erase_loops=False), "needs --erase-loops"),
    (dict(domain="nav3d", labels="none", erase_loops=True), "needs --erase-loops"),
])
def test_shortcuts_need_loop_erasure_labels_and_a_domain_that_steers(options, message):
    with pytest.raises(Sim2ActError, match=message):
        GenerateConfig(**options, shortcuts=True).validated()
