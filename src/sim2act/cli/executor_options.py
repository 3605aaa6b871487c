"""``--executor/--address/--workers``: the options ``generate`` and ``run`` share to roll shards out on Ray."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from sim2act.rollout.executors import ExecutorConfig, ShardExecutor, make_executor

ExecutorOption = Annotated[str, typer.Option(
    "--executor", help="Where shards roll out: local (this process) | ray (actors on a Ray cluster; pip install 'sim2act[ray]').")]
AddressOption = Annotated[Optional[str], typer.Option(
    "--address", help="With --executor ray: the cluster to join (auto, ray://HOST:10001, HOST:6379); default: a private local one.")]
WorkersOption = Annotated[Optional[int], typer.Option(
    "--workers", help="With --executor ray: actors rolling shards out, one CPU each (default: the cluster's CPUs).")]


def open_executor(name: str, address: str | None, workers: int | None) -> ShardExecutor:
    """The executor the options ask for (checked: a bad combination is a one-line error)."""
    return make_executor(ExecutorConfig(name, address=address, workers=workers))
