"""Retries: failed tasks rolled out again on the same layout and instruction, every attempt's steps counted."""

from __future__ import annotations

import pytest

from sim2act import features as F
from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.data.reader import load_episodes
from sim2act.envs import make
from sim2act.errors import Sim2ActError
from sim2act.loop.config import LoopConfig
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.tasks import TaskSampler

SMALL = {"episodes": 24, "num_envs": 6, "shard_episodes": 12, "labels": "success"}


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    """The same 24 first rollouts (uniform actions), without and with up to 3 retries of each failed task."""
    root = tmp_path_factory.mktemp("retries")
    once = generate(GenerateConfig(**SMALL), root / "once")
    again = generate(GenerateConfig(**SMALL, retries=3), root / "again")
    return (once, root / "once"), (again, root / "again")


def test_retries_add_successes_on_the_tasks_that_failed(datasets):
    (once, once_root), (_, again_root) = datasets
    first = {e[F.EPISODE_ID]: e for e in load_episodes(once_root).to_pylist()}
    kept = {e[F.EPISODE_ID]: e for e in load_episodes(again_root).to_pylist()}
    assert once.rollout_successes < once.rollouts  # uniform actions fail some tasks: there is something to retry
    assert set(first) < set(kept)  # the first attempts' successes stay, and retries add more
    for episode_id, episode in first.items():  # a first success is not rolled out again: the same episode
        assert (kept[episode_id]["length"], kept[episode_id][F.INSTRUCTION]) == (episode["length"], episode[F.INSTRUCTION])
    sampler, env = TaskSampler("grid", None, "train", 0), make("grid")
    for episode_id in set(kept) - set(first):  # a retried success is the same task as the failed first attempt
        task, _, _ = sampler.reset(env, episode_id)
        assert (kept[episode_id][F.INSTRUCTION], kept[episode_id]["seed"]) == (task.instruction, task.seed)


def test_every_attempt_is_counted(datasets):
    (once, _), (again, root) = datasets
    failed = once.rollouts - once.rollout_successes
    assert once.rollouts < again.rollouts <= once.rollouts + 3 * failed
    assert again.executed_steps > once.executed_steps
    counts = load_card(DatasetLayout(root).card).counts
    assert (counts["rollouts"], counts["executed_steps"], counts["rollout_successes"]) == (
        again.rollouts, again.executed_steps, again.rollout_successes)
    assert counts["episodes"] == again.episodes == again.rollout_successes  # one kept episode per succeeded task


def test_retries_are_reproducible(datasets, tmp_path):
    (_, _), (again, root) = datasets
    repeat = generate(GenerateConfig(**SMALL, retries=3), tmp_path / "repeat")
    assert (repeat.rollouts, repeat.executed_steps, repeat.steps) == (again.rollouts, again.executed_steps, again.steps)
    assert load_episodes(tmp_path / "repeat").to_pylist() == load_episodes(root).to_pylist()


def test_negative_retries_are_one_line_errors(tmp_path):
    with pytest.raises(Sim2ActError, match="--retries must be at least 0, got -1"):
        generate(GenerateConfig(**SMALL, retries=-1), tmp_path / "bad")
    assert not (tmp_path / "bad").exists()
    with pytest.raises(Sim2ActError, match="retries must be at least 0, got -2"):
        LoopConfig(retries=-2).validated()
