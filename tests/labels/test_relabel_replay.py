"""Relabeled instructions are true of their trajectories, by BabyAI's own verifier.

Each episode a labeler wrote to disk is replayed in a fresh env reset with the episode's seed, under a
verifier built from the stored (relabeled) instruction: the replay must reproduce the stored frames,
and the verifier must say "success" on the episode's last step and not before.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from sim2act import features as F
from sim2act.data.reader import feature_array, load_episodes, load_steps
from sim2act.envs import make
from sim2act.envs.grid.instructions import replay_verdicts
from sim2act.labels import cut
from sim2act.rollout.generation import GenerateConfig, generate


def replays_to_success_on_its_last_step(env, seed, instruction, actions, frames) -> None:
    verdicts = []
    for t, (obs, verdict) in enumerate(replay_verdicts(env, seed, instruction, actions)):
        np.testing.assert_array_equal(obs[F.RGB], frames[t])
        verdicts.append(verdict)
    assert verdicts == ["continue"] * (len(actions) - 1) + ["success"], (seed, instruction)


@pytest.mark.parametrize("level, rollouts", [("GoToLocal", 32), ("PickupLoc", 32), ("PutNextLocal", 16)])
def test_labeled_episodes_on_disk_become_true_exactly_on_their_last_step(tmp_path, level, rollouts):
    root = tmp_path / level
    generate(GenerateConfig(level=level, episodes=rollouts, num_envs=8, shard_episodes=8, labels="both"), root)
    steps = load_steps(root, columns=[F.EPISODE_ID, F.ACTION, F.RGB, F.LABEL, F.INSTRUCTION])
    episodes = load_episodes(root).to_pylist()
    ids = steps[F.EPISODE_ID].to_numpy()
    rgb = feature_array(steps[F.RGB], "uint8", (56, 56, 3))
    env = make("grid", level)
    labels = Counter()
    for episode in episodes:
        rows = np.flatnonzero(ids == episode[F.EPISODE_ID])
        assert len(rows) == episode["length"]
        assert set(steps[F.LABEL].take(rows).to_pylist()) == {episode[F.LABEL]}
        assert set(steps[F.INSTRUCTION].take(rows).to_pylist()) == {episode[F.INSTRUCTION]}
        actions = steps[F.ACTION].to_numpy()[rows]
        replays_to_success_on_its_last_step(env, episode[F.SEED], episode[F.INSTRUCTION], actions, rgb[rows])
        labels[episode[F.LABEL]] += 1
    assert labels[F.LABEL_HINDSIGHT] > 0


@pytest.mark.parametrize("level, kind", [("PickupLoc", "pick up"), ("PutNextLocal", "put")])
def test_any_achievement_cut_by_the_labeler_is_true_on_its_last_step(rollouts, level, kind):
    """The earliest achievement is nearly always a "go to"; cutting at every later one covers the other verbs."""
    env = make("grid", level)
    cuts = Counter()
    for episode in rollouts(level, episodes=24)[:12]:
        for step, instruction in episode.achieved:
            if episode.succeeded or not instruction.startswith(kind):
                continue
            relabeled = cut(episode, step, instruction, F.LABEL_HINDSIGHT)
            replays_to_success_on_its_last_step(
                env, relabeled.task.seed, relabeled.task.instruction, relabeled.actions, relabeled.observations[F.RGB]
            )
            cuts[kind] += 1
    assert cuts[kind] >= 3, cuts
