"""The executor protocol: run a generation run's pending shards somewhere and yield their results."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sim2act.errors import Sim2ActError
from sim2act.rollout.shard_work import ShardResult, WorkerInfo


@dataclass(frozen=True)
class ExecutorConfig:
    """Where generation runs its shards (not part of a dataset's identity: a run started on one resumes on another)."""

    name: str = "local"
    """``local`` (this process) or ``ray`` (actors on a Ray cluster; ``pip install 'sim2act[ray]'``)."""
    address: str | None = None
    """Ray only: the cluster to join (``auto``, ``ray://host:10001`` or ``host:6379``); None starts a private local one."""
    workers: int | None = None
    """Ray only: actors that roll shards out, one CPU each (None: the cluster's CPUs)."""
    tasks_per_worker: int = 2
    """Ray only: shards queued on each actor at once, so an actor never waits for the driver between shards."""

    def validated(self) -> ExecutorConfig:
        if self.workers is not None and self.workers < 1:
            raise Sim2ActError(f"--workers must be at least 1, got {self.workers}")
        if self.tasks_per_worker < 1:
            raise Sim2ActError(f"tasks_per_worker must be at least 1, got {self.tasks_per_worker}")
        if self.name == "local" and (self.address is not None or self.workers is not None):
            raise Sim2ActError("--address and --workers need --executor ray")
        return self


@dataclass(frozen=True)
class ShardJob:
    """Shard ``index`` of a run and the episode ids it rolls out."""

    index: int
    episode_ids: range


class WorkerPool(ABC):
    """Workers built for one validated ``GenerateConfig``; yields each ``ShardResult`` as it is done (any order)."""

    info: WorkerInfo

    @abstractmethod
    def run_shards(self, jobs: list[ShardJob], on_episode: Callable[[Any], None]) -> Iterator[ShardResult]:
        """Yield the results of ``jobs``; ``on_episode`` sees each episode id's first rollout (an ``Episode`` or
        ``RolloutOutline``; retries are in the results only)."""

    def close(self) -> None:
        """Release the workers."""

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ShardExecutor(ABC):
    """Builds worker pools for generation runs; building one surfaces a bad config before anything is written."""

    name: str = ""

    @abstractmethod
    def start(self, config: Any) -> WorkerPool:
        """Workers for ``config`` (a validated ``GenerateConfig``), ready to run its shards."""

    def close(self) -> None:
        """Release what the executor holds (a cluster it started)."""

    def __enter__(self) -> ShardExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
