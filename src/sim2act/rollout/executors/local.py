"""The default executor: one worker in this process rolls the shards out in order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sim2act.rollout.executors.base import ExecutorConfig, ShardExecutor, ShardJob, WorkerPool
from sim2act.rollout.shard_work import ShardResult, ShardWorker


class LocalExecutor(ShardExecutor):
    """Envs and proposer built once per run in this process."""

    name = "local"

    def __init__(self, config: ExecutorConfig | None = None) -> None:
        self.config = config or ExecutorConfig()

    def start(self, config: Any) -> WorkerPool:
        return LocalPool(ShardWorker(config))


class LocalPool(WorkerPool):
    """One in-process worker; each rollout is reported as it finishes."""

    def __init__(self, worker: ShardWorker) -> None:
        self.worker = worker
        self.info = worker.info()

    def run_shards(self, jobs: list[ShardJob], on_episode: Callable[[Any], None]) -> Iterator[ShardResult]:
        for job in jobs:
            yield self.worker.run(job.index, job.episode_ids, on_episode)

    def close(self) -> None:
        self.worker.close()
