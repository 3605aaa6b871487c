"""Two private Ray clusters one after the other in one process: each is joined with its own token (Ray caches the
first token it reads; a stale one made the second cluster refuse its driver)."""

from __future__ import annotations

import pytest

from sim2act.rollout.executors import ExecutorConfig, make_executor
from sim2act.rollout.generation import GenerateConfig, generate

ray = pytest.importorskip("ray")


def test_a_second_private_cluster_in_one_process_gets_its_own_token(tmp_path):
    tokens = []
    for k in range(2):
        with make_executor(ExecutorConfig("ray", workers=1)) as executor:
            tokens.append((executor._local.root / "auth_token").read_text())
            summary = generate(GenerateConfig(episodes=2, num_envs=2, shard_episodes=2), tmp_path / str(k), executor=executor)
            assert summary.rollouts == 2
    assert tokens[0] != tokens[1] and not ray.is_initialized()
