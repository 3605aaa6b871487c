"""A background thread that commits finished shards while the envs keep stepping.

Parquet encoding and zstd compression release the GIL, so on two cores the writer overlaps with
simulation. A shard is committed by writing its step file, then its episode file (the commit
marker), then the card; a kill at any point leaves at most that one shard uncommitted.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from sim2act import features as F
from sim2act.data.card import DatasetCard, ShardStats
from sim2act.data.episode import Episode
from sim2act.data.layout import DatasetLayout
from sim2act.data.schema import Feature
from sim2act.data.shards import episodes_table, shard_moments, steps_table, with_shard_stats, write_parquet
from sim2act.tasks import check_trainable, get_split


@dataclass
class _Job:
    index: int
    episodes: Sequence[Episode]
    proposer: str
    iteration: int
    rollouts: int
    executed_steps: int
    rollout_successes: int
    preview_steps: int


class ShardWriter:
    """Commit shards in submission order on a background thread; ``close`` waits for the queue."""

    def __init__(self, layout: DatasetLayout, card: DatasetCard, features: list[Feature], max_pending: int = 1) -> None:
        self.layout = layout
        self.card = card
        self.features = features
        self._trainable = get_split(card.split).trainable
        self._jobs: queue.Queue[_Job | None] = queue.Queue(max_pending)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sim2act-shard-writer", daemon=True)
        self._thread.start()

    def submit(
        self,
        index: int,
        episodes: Sequence[Episode],
        proposer: str,
        iteration: int,
        rollouts: Sequence[Episode] | None = None,
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
        rollouts = episodes if rollouts is None else rollouts
        self._jobs.put(
            _Job(
                index,
                sorted(episodes, key=lambda e: e.episode_id),
                proposer,
                iteration,
                rollouts=len(rollouts),
                executed_steps=sum(len(e) for e in rollouts),
                rollout_successes=sum(e.succeeded for e in rollouts),
                preview_steps=preview_steps,
            )
        )

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

    def _commit(self, job: _Job) -> None:
        steps = steps_table(job.episodes, self.features, job.proposer, job.iteration)
        stats = ShardStats(
            episodes=len(job.episodes),
            steps=steps.num_rows,
            successes=sum(e.succeeded for e in job.episodes),
            rollouts=job.rollouts,
            executed_steps=job.executed_steps,
            rollout_successes=job.rollout_successes,
            relabeled=sum(e.label == F.LABEL_HINDSIGHT for e in job.episodes),
            preview_steps=job.preview_steps,
            features=shard_moments(job.episodes, self.features),
        )
        write_parquet(steps, self.layout.steps_shard(job.index))
        episodes = with_shard_stats(episodes_table(job.episodes, job.proposer, job.iteration), vars(stats))
        write_parquet(episodes, self.layout.episodes_shard(job.index))
        self.card.shards[job.index] = stats
        self.card.save(self.layout.card)
