"""Loop erasure keeps a trajectory the simulator really allows, reaching the same state with no repeats."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sim2act import features as F
from sim2act.data.reader import feature_array, load_episodes, load_steps
from sim2act.envs import make
from sim2act.labels import erase_loops, get_labeler, loop_erased_rows
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.tasks import get_split
from tests.labels.test_relabel_replay import replays_to_success_on_its_last_step


@pytest.mark.parametrize(
    "keys, rows",
    [
        ("abcd", [0, 1, 2]),  # no loop: every action kept
        ("abad", [2]),  # a -> b -> a: the detour goes, the action taken at the second visit of a stays
        ("aaab", [2]),  # actions that change nothing are loops of length one
        ("abcbd", [0, 3]),
        ("abcab", [3]),  # returning to the start, then on to b: one action
        ("aba", []),  # back where it started: nothing to learn
    ],
)
def test_loop_erased_rows(keys, rows):
    assert loop_erased_rows(list(keys)) == rows


def _replay_keys(level: str, seed: int, actions) -> list:
    env = make("grid", level)
    _, info = env.reset(seed=seed)
    keys = [info[F.INFO_STATE_KEY]]
    for action in actions:
        keys.append(env.step(int(action))[-1][F.INFO_STATE_KEY])
    return keys


@pytest.mark.parametrize("level", ["GoToLocal", "PickupLoc"])
def test_erased_episodes_replay_to_the_same_final_state_without_repeats(rollouts, level):
    label = get_labeler("both")
    erased = 0
    for episode in rollouts(level, episodes=32):
        kept = label(episode, get_split("train"))
        if kept is None:
            continue
        short = erase_loops(kept)
        if short is None:
            continue
        erased += len(short) < len(kept)
        keys = _replay_keys(level, episode.task.seed, short.actions)
        assert keys == short.state_keys
        assert keys[-1] == kept.state_keys[-1]
        assert len(set(keys)) == len(keys)
        assert short.success[-1] and not short.success[:-1].any()
    assert erased > 10


@pytest.mark.parametrize("level", ["GoToLocal", "PickupLoc"])
def test_erased_episodes_on_disk_become_true_exactly_on_their_last_step(tmp_path, level):
    root = tmp_path / level
    generate(GenerateConfig(level=level, episodes=32, num_envs=8, shard_episodes=8, labels="both", erase_loops=True), root)
    steps = load_steps(root, columns=[F.EPISODE_ID, F.ACTION, F.RGB, F.INSTRUCTION])
    ids, actions = steps[F.EPISODE_ID].to_numpy(), steps[F.ACTION].to_numpy()
    rgb = feature_array(steps[F.RGB], "uint8", (56, 56, 3))
    env = make("grid", level)
    episodes = load_episodes(root).to_pylist()
    for episode in episodes:
        rows = np.flatnonzero(ids == episode[F.EPISODE_ID])
        replays_to_success_on_its_last_step(env, episode[F.SEED], episode[F.INSTRUCTION], actions[rows], rgb[rows])
    assert np.mean([e["length"] for e in episodes]) < 12


def test_episodes_without_state_keys_are_left_alone(rollouts):
    episode = rollouts("GoToLocal", episodes=8)[0]
    plain = replace(episode, state_keys=None)
    assert erase_loops(plain) is plain


def test_state_keys_that_do_not_fit_the_steps_are_a_user_error():
    from dataclasses import replace

    import numpy as np
    import pytest

    from sim2act.data.episode import Episode
    from sim2act.errors import Sim2ActError
    from sim2act.labels import erase_loops
    from sim2act.tasks import Task

    episode = Episode(0, Task("grid", "GoToLocal", "train", 0, "go to a ball"), {}, np.zeros(2, np.int64),
                      np.zeros(2, np.float32), np.zeros(2, bool), np.zeros(2, bool), np.zeros(2, bool))
    with pytest.raises(Sim2ActError, match="state keys for 2 steps"):
        erase_loops(replace(episode, state_keys=[1, 2]))
