"""Where a generation run's shards are rolled out: in this process (``local``) or on a Ray cluster (``ray``).

An executor maps shards (``rollout.shard_work``) over workers and hands their results back to the driver,
which alone writes the dataset. ``make_executor(ExecutorConfig(...))`` builds a registered one; use it as a
context manager (a Ray executor that started a local cluster shuts it down on exit).
"""

from __future__ import annotations

from collections.abc import Callable

from sim2act.errors import Sim2ActError
from sim2act.rollout.executors.base import ExecutorConfig, ShardExecutor, ShardJob
from sim2act.rollout.executors.local import LocalExecutor
from sim2act.validation import suggest

EXECUTORS: dict[str, Callable[[ExecutorConfig], ShardExecutor]] = {}


def register_executor(name: str, factory: Callable[[ExecutorConfig], ShardExecutor]) -> None:
    """Make ``--executor name`` build ``factory(config)``."""
    EXECUTORS[name] = factory


def _ray_executor(config: ExecutorConfig) -> ShardExecutor:
    from sim2act.rollout.executors.ray_cluster import RayExecutor  # Ray is an optional extra

    return RayExecutor(config)


register_executor("local", LocalExecutor)
register_executor("ray", _ray_executor)


def make_executor(config: ExecutorConfig | None = None) -> ShardExecutor:
    """The executor ``config.name`` (default: local), checked; bad input is a one-line ``Sim2ActError``."""
    config = (config or ExecutorConfig()).validated()
    if config.name not in EXECUTORS:
        raise Sim2ActError(
            f"unknown executor {config.name!r}{suggest(config.name, EXECUTORS)}; known: {', '.join(sorted(EXECUTORS))}"
        )
    return EXECUTORS[config.name](config)


__all__ = ["EXECUTORS", "ExecutorConfig", "LocalExecutor", "ShardExecutor", "ShardJob", "make_executor", "register_executor"]
