"""``--executor ray``: shards rolled out by Ray actors, each owning its envs and a copy of the proposer.

The driver ships the files the proposer reads (``shipping``) into Ray's object store once per run (once per round of
``sim2act run``), starts ``workers`` actors of one CPU each, keeps ``tasks_per_worker`` shards queued on every actor,
and commits each result as it comes back (it alone writes the dataset). An actor that dies mid-shard is restarted
and its shards are run again (``max_restarts``/``max_task_retries``); since shard ``k`` is a function of the config
and ``k``, the retried shard is the one the dead actor would have returned, and the dataset equals a local run's.

Without ``--address`` the executor starts a private local cluster: its session folder and authentication token
under a short temporary path (Ray's socket paths must stay short), usage statistics off, no dashboard; it is
shut down and removed when the executor closes. With ``--address`` it joins the cluster there and leaves it running.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sim2act.data.runs import shard_count
from sim2act.errors import Sim2ActError
from sim2act.rollout.executors.base import ExecutorConfig, ShardExecutor, ShardJob, WorkerPool
from sim2act.rollout.executors.shipping import pack, remove, unpack
from sim2act.rollout.shard_work import ShardResult, ShardWorker

ACTOR_RESTARTS = 3
"""Times a dead actor is restarted (and its shards retried) before the run stops with an error."""


def import_ray():
    """The ``ray`` module, or a one-line error saying how to install it."""
    try:
        import ray
    except ImportError:
        raise Sim2ActError("--executor ray needs Ray: pip install 'sim2act[ray]'") from None
    return ray


class ShardActor:
    """The body of one Ray actor: the shipped files on its own disk, and a ``ShardWorker`` over them.

    The files come with each call (a nested object ref, fetched once) rather than to the constructor, so an actor
    Ray restarts after a crash builds itself again from the call it retries.
    """

    def __init__(self, config) -> None:
        self.config, self.root, self.worker = config, None, None

    def _worker(self, shipped: list) -> ShardWorker:
        if self.worker is None:
            import ray

            self.config, self.root = unpack(self.config, ray.get(shipped[0]))
            self.worker = ShardWorker(self.config)
        return self.worker

    def info(self, shipped: list):
        return self._worker(shipped).info()

    def pid(self) -> int:
        return os.getpid()

    def run(self, index: int, episode_ids: range, shipped: list) -> ShardResult:
        worker = self._worker(shipped)
        return worker.encoded(worker.run(index, episode_ids))

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            remove(self.root)


class RayExecutor(ShardExecutor):
    """Joins (``address``) or starts a Ray cluster on creation; each run gets fresh actors holding its proposer."""

    name = "ray"

    def __init__(self, config: ExecutorConfig) -> None:
        self.config = config
        self.ray = import_ray()
        self._local: _LocalCluster | None = None
        if not self.ray.is_initialized():
            if config.address:
                try:
                    self.ray.init(address=config.address, log_to_driver=False, logging_level=logging.WARNING)
                except (ConnectionError, RuntimeError, ValueError) as error:
                    reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
                    raise Sim2ActError(f"--address {config.address}: cannot join the Ray cluster: {reason}") from None
            else:
                self._local = _LocalCluster(self.ray, config.workers)
        self.pool: RayPool | None = None

    @property
    def workers(self) -> int:
        return self.config.workers or max(1, int(self.ray.cluster_resources().get("CPU", 1)))

    def start(self, config) -> WorkerPool:
        shipped = self.ray.put(pack(config))
        actor = self.ray.remote(num_cpus=1, max_restarts=ACTOR_RESTARTS, max_task_retries=ACTOR_RESTARTS)(ShardActor)
        actors = [actor.remote(config) for _ in range(min(self.workers, shard_count(config.episodes, config.shard_episodes)))]
        self.pool = RayPool(self.ray, actors, self.config.tasks_per_worker, shipped)
        return self.pool

    def worker_pids(self) -> list[int]:
        """Process ids of the current run's actors as they started (to watch them, or to kill one in a test)."""
        return [] if self.pool is None else self.pool.pids()

    def close(self) -> None:
        if self._local is not None:
            self._local.shutdown()
            self._local = None


class RayPool(WorkerPool):
    """A run's actors; yields shard results in the order they finish."""

    def __init__(self, ray, actors: list, tasks_per_worker: int, shipped) -> None:
        self.ray, self.actors, self.tasks_per_worker = ray, actors, tasks_per_worker
        self.shipped = [shipped]  # nested: the actors fetch it themselves, once each (and again after a restart)
        self._running: dict = {}
        try:  # every actor built: a bad config fails here, before anything is written
            self.info = self._get([a.info.remote(self.shipped) for a in actors])[0]
            self._pids = self._get([a.pid.remote() for a in actors])
        except BaseException:
            self.close()
            raise

    def run_shards(self, jobs: list[ShardJob], on_episode: Callable[[Any], None]) -> Iterator[ShardResult]:
        waiting, running = deque(jobs), self._running

        def submit(actor) -> None:
            job = waiting.popleft()
            running[actor.run.remote(job.index, job.episode_ids, self.shipped)] = (actor, job)

        for _ in range(self.tasks_per_worker):
            for actor in self.actors:
                if waiting:
                    submit(actor)
        while running:
            (ready,), _ = self.ray.wait(list(running), num_returns=1)
            actor, job = running.pop(ready)
            result = self._get(ready, job)
            for outline in result.rollouts[:len(job.episode_ids)]:  # first attempts; retries follow them
                on_episode(outline)
            if waiting:
                submit(actor)
            yield result

    def pids(self) -> list[int]:
        """The actors' process ids when they started (asked later, the question would queue behind their shards)."""
        return list(self._pids)

    def close(self) -> None:
        """Let idle actors clean up, then kill them all; interrupted (shards still running), kill at once."""
        for actor in self.actors:
            if not self._running:
                try:
                    self.ray.get(actor.close.remote(), timeout=30)
                except Exception:  # a dead or hung actor is killed below all the same
                    pass
            self.ray.kill(actor)
        self.actors, self.shipped, self._running = [], [], {}

    def _get(self, refs, job: ShardJob | None = None):
        exceptions = self.ray.exceptions
        try:
            return self.ray.get(refs)
        except exceptions.RayTaskError as error:
            cause = getattr(error, "cause", None)
            if isinstance(cause, Sim2ActError):
                raise cause from None
            raise
        except exceptions.RayActorError as error:
            where = f" running shard {job.index}" if job else ""
            raise Sim2ActError(
                f"a Ray worker{where} died {ACTOR_RESTARTS + 1} times ({type(error).__name__}); the committed shards "
                "are kept: run the same command again to resume"
            ) from None


class _LocalCluster:
    """A private single-machine Ray cluster: short temp folder, its own token, usage statistics off, no dashboard."""

    def __init__(self, ray, workers: int | None) -> None:
        self.ray = ray
        self.root = Path(tempfile.mkdtemp(prefix="s2a-ray-", dir="/tmp" if Path("/tmp").is_dir() else None))
        token = self.root / "auth_token"
        token.write_text(secrets.token_hex(32))
        token.chmod(0o600)
        self._saved = {key: os.environ.get(key) for key in _CLUSTER_ENV}
        os.environ.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN_PATH=str(token), RAY_USAGE_STATS_ENABLED="0")
        _reload_ray_config()
        try:
            # the actors' temporary files (the shipped proposer) also land in this folder, gone at shutdown
            ray.init(num_cpus=workers or os.cpu_count(), include_dashboard=False, _temp_dir=str(self.root / "session"),
                     log_to_driver=False, logging_level=logging.WARNING,
                     runtime_env={"env_vars": {"TMPDIR": str(self.root)}})
        except BaseException:
            self.shutdown()
            raise

    def shutdown(self) -> None:
        if self.ray.is_initialized():
            self.ray.shutdown()
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _reload_ray_config()
        remove(self.root)


def _reload_ray_config() -> None:
    """Make this process read the authentication settings and token again: Ray caches both (the mode when it is first
    imported, the token when first used), so a second private cluster in one process would present the first's token."""
    try:
        from ray._raylet import AuthenticationTokenLoader, Config
    except ImportError:  # a Ray without token authentication reads nothing to refresh
        return
    Config.initialize("")
    AuthenticationTokenLoader.instance().reset_cache()


_CLUSTER_ENV = ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN_PATH", "RAY_USAGE_STATS_ENABLED")
