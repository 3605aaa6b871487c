"""A background thread that commits finished shards while the envs keep stepping.

Parquet encoding and zstd compression release the GIL, so on two cores the writer overlaps with
simulation. A shard is committed by writing its step file, then its episode file (the commit
marker), then the card; a kill at any point leaves at most that one shard uncommitted. A remote
worker encodes its shard itself (``encode_shard``) and the writer only writes the bytes
(``submit_encoded``), so a driver serving many workers does not encode for all of them.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from sim2act import features as F
from sim2act.data.card import DatasetCard, ShardStats
from sim2act.data.episode import Episode
from sim2act.data.layout import DatasetLayout
from sim2act.data.schema import Feature
from sim2act.data.shards import (
    episodes_table,
    parquet_bytes,
    shard_moments,
    steps_table,
    with_shard_stats,
    write_bytes,
)
from sim2act.tasks import check_trainable, get_split


@dataclass
class _Job:
    index: int
    episodes: Sequence[Episode]
    proposer: str
    iteration: int
    rollouts: Sequence | None
    preview_steps: int


@dataclass
class EncodedShard:
    """A shard as the bytes of its two Parquet files and its statistics, ready to be written."""

    index: int
    steps: bytes
    episodes: bytes
    stats: ShardStats


def encode_shard(
    index: int,
    episodes: Sequence[Episode],
    features: list[Feature],
    proposer: str,
    iteration: int,
    rollouts: Sequence | None = None,
    preview_steps: int = 0,
) -> EncodedShard:
    """Encode a shard of kept ``episodes``, counted from its ``rollouts`` (anything with a length and ``succeeded``)."""
    episodes = sorted(episodes, key=lambda e: e.episode_id)
    rollouts = episodes if rollouts is None else rollouts
    steps = steps_table(episodes, features, proposer, iteration)
    stats = ShardStats(
        episodes=len(episodes),
        steps=steps.num_rows,
        successes=sum(e.succeeded for e in episodes),
        rollouts=len(rollouts),
        executed_steps=sum(len(e) for e in rollouts),
        rollout_successes=sum(e.succeeded for e in rollouts),
        relabeled=sum(e.label == F.LABEL_HINDSIGHT for e in episodes),
        preview_steps=preview_steps,
        features=shard_moments(episodes, features),
    )
    table = with_shard_stats(episodes_table(episodes, proposer, iteration), vars(stats))
    return EncodedShard(index, parquet_bytes(steps), parquet_bytes(table), stats)


class ShardWriter:
    """Commit shards in submission order on a background thread; ``close`` waits for the queue."""

    def __init__(self, layout: DatasetLayout, card: DatasetCard, features: list[Feature], max_pending: int = 1) -> None:
        self.layout = layout
        self.card = card
        self.features = features
        self._trainable = get_split(card.split).trainable
        self._jobs: queue.Queue[_Job | EncodedShard | None] = queue.Queue(max_pending)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sim2act-shard-writer", daemon=True)
        self._thread.start()

    def submit(
        self,
        index: int,
        episodes: Sequence[Episode],
        proposer: str,
        iteration: int,
        rollouts: Sequence | None = None,
        preview_steps: int = 0,
    ) -> None:
        """Queue a shard of kept ``episodes``, labeled from ``rollouts`` (default: the episodes themselves).

        Only the rollouts' counts are kept (episodes, executed steps, successes of their own
        instructions), with the ``preview_steps`` the proposer ran for them. Training data is
        checked here so no held-out episode reaches the disk.
        """
        if self._trainable:
            for episode in episodes:
                check_trainable(episode.task.domain, episode.task.seed, episode.task.instruction)
        self._raise_if_failed()
        self._jobs.put(_Job(index, episodes, proposer, iteration, rollouts, preview_steps))

    def submit_encoded(self, shard: EncodedShard) -> None:
        """Queue a shard a worker encoded; its episode rows are checked against the split all the same."""
        if self._trainable:
            rows = pq.read_table(pa.BufferReader(shard.episodes), columns=[F.SEED, F.INSTRUCTION]).to_pylist()
            for row in rows:
                check_trainable(self.card.domain, row[F.SEED], row[F.INSTRUCTION])
        self._raise_if_failed()
        self._jobs.put(shard)

    def close(self) -> None:
        """Wait until every queued shard is committed; re-raise a failure of the writer thread."""
        self._jobs.put(None)
        self._thread.join()
        self._raise_if_failed()

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is not None:
                continue
            try:
                self._commit(job)
            except BaseException as error:  # re-raised in the main thread
                self._error = error

    def _commit(self, job: _Job | EncodedShard) -> None:
        if isinstance(job, _Job):
            job = encode_shard(job.index, job.episodes, self.features, job.proposer, job.iteration, job.rollouts,
                               job.preview_steps)
        write_bytes(job.steps, self.layout.steps_shard(job.index))
        write_bytes(job.episodes, self.layout.episodes_shard(job.index))
        self.card.shards[job.index] = job.stats
        self.card.save(self.layout.card)
