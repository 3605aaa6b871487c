"""Generation on a real local Ray cluster: the same dataset as the local executor, a killed worker's shard retried,
an interrupted run resumed, the proposer's files shipped to the actors."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.data.reader import load_episodes, load_steps
from sim2act.errors import Sim2ActError
from sim2act.priors import PriorConfig, pretrain_prior
from sim2act.progress import Progress
from sim2act.rollout.executors import ExecutorConfig, make_executor
from sim2act.rollout.generation import GenerateConfig, generate

ray = pytest.importorskip("ray")

CONFIG = GenerateConfig(level="GoToLocal", episodes=48, shard_episodes=8, num_envs=4, seed=3, labels="both")


@pytest.fixture(scope="module")
def executor():
    with make_executor(ExecutorConfig("ray", workers=2)) as executor:
        yield executor
    assert not ray.is_initialized()


def same_dataset(a: Path, b: Path) -> None:
    assert load_steps(a).equals(load_steps(b))
    assert load_episodes(a).equals(load_episodes(b))
    assert load_card(DatasetLayout(a).card).shards == load_card(DatasetLayout(b).card).shards
    files = [DatasetLayout(a).steps_files(), DatasetLayout(a).episodes_files()]
    for path in (p for group in files for p in group):  # byte for byte
        assert path.read_bytes() == (b / path.relative_to(a)).read_bytes()
    assert not list(a.rglob("*.tmp"))


def test_a_private_cluster_keeps_its_token_and_session_under_one_short_temp_folder(executor):
    local = executor._local
    assert local is not None and len(str(local.root)) < 40
    assert os.environ["RAY_AUTH_TOKEN_PATH"] == str(local.root / "auth_token")
    assert os.environ["RAY_USAGE_STATS_ENABLED"] == "0"
    assert (local.root / "session").is_dir()


def test_the_ray_dataset_equals_the_local_one(executor, tmp_path):
    summary = generate(CONFIG, tmp_path / "ray", executor=executor)
    local = generate(CONFIG, tmp_path / "local")
    same_dataset(tmp_path / "ray", tmp_path / "local")
    assert (summary.rollouts, summary.executed_steps, summary.episodes, summary.relabeled) == \
        (local.rollouts, local.executed_steps, local.episodes, local.relabeled) and summary.rollouts == 48
    assert summary.proposer == local.proposer == "uniform"


class KillWorkerOnFirstShard(Progress):
    """Kills one actor (SIGKILL) when the first shard comes back, while the other shards are still running."""

    def __init__(self, executor) -> None:
        self.executor, self.killed = executor, None

    def episode(self, episode) -> None:
        if self.killed is None:
            self.killed = self.executor.worker_pids()[-1]
            os.kill(self.killed, signal.SIGKILL)


def test_a_killed_worker_s_shards_are_retried_and_the_dataset_is_whole(executor, tmp_path):
    watcher = KillWorkerOnFirstShard(executor)
    summary = generate(CONFIG, tmp_path / "ray", executor=executor, progress=watcher)
    assert watcher.killed is not None
    generate(CONFIG, tmp_path / "local")
    same_dataset(tmp_path / "ray", tmp_path / "local")
    assert summary.rollouts == 48  # retried shards are counted once


class Interrupt(Progress):
    def __init__(self) -> None:
        self.seen = 0

    def episode(self, episode) -> None:
        self.seen += 1
        if self.seen == 9:  # in the second shard to come back: the first one is committed
            raise KeyboardInterrupt


def test_an_interrupted_ray_run_resumes_locally_with_nothing_lost_or_duplicated(executor, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        generate(CONFIG, tmp_path / "resumed", executor=executor, progress=Interrupt())
    committed = DatasetLayout(tmp_path / "resumed").committed_shards()
    assert 1 <= len(committed) < 6
    summary = generate(CONFIG, tmp_path / "resumed")
    assert summary.resumed_episodes == 8 * len(committed)
    generate(CONFIG, tmp_path / "clean")
    same_dataset(tmp_path / "resumed", tmp_path / "clean")


def test_the_prior_s_folder_is_shipped_to_the_actors(executor, tmp_path):
    prior = pretrain_prior(
        PriorConfig(frames=100, steps=2, batch_size=16, hidden_size=16, layers=1, heads=2, projection_dim=16),
        tmp_path / "prior",
    ).out
    config = GenerateConfig(level="GoToLocal", episodes=8, shard_episodes=4, num_envs=2, seed=1,
                            proposer="prior", prior=str(prior), alpha=0.5)
    summary = generate(config, tmp_path / "ray", executor=executor)
    local = generate(config, tmp_path / "local")
    same_dataset(tmp_path / "ray", tmp_path / "local")
    assert summary.preview_steps == local.preview_steps > 0
    assert summary.proposer == "mixture(prior,0.5)"


def test_a_bad_config_fails_before_anything_is_written(executor, tmp_path):
    config = GenerateConfig(level="GoToLocal", episodes=8, proposer="policy", policy=str(tmp_path / "missing"))
    with pytest.raises(Sim2ActError, match="no checkpoint at"):
        generate(config, tmp_path / "out", executor=executor)
    assert not (tmp_path / "out").exists()


def test_executor_options_are_checked():
    with pytest.raises(Sim2ActError, match="unknown executor 'rey'.*did you mean 'ray'"):
        make_executor(ExecutorConfig("rey"))
    with pytest.raises(Sim2ActError, match="need --executor ray"):
        make_executor(ExecutorConfig("local", workers=2))
    with pytest.raises(Sim2ActError, match="--workers must be at least 1"):
        make_executor(ExecutorConfig("ray", workers=0))

