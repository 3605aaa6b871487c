"""``PolicyServer``: a trained policy behind a WebSocket, for a robot (or a simulator) to call.

Protocol (every frame binary msgpack, ``serving.codec``):

- on connect the server sends ``{"type": "metadata", ...}``: the observation and action spaces, the fields
  the policy reads, the instruction vocabulary, the control rate and the action horizon;
- ``{"type": "act", "id": k, "observation": {field: array}, "instruction": str}`` →
  ``{"type": "action", "id": k, "action": array, "server_ms": float}``;
- ``{"type": "reset", "id": k}`` → ``{"type": "reset", "id": k}``: the connection's next frame starts a new
  episode (each connection is one episode stream of the policy);
- anything malformed → ``{"type": "error", "id": k, "message": "..."}``, and the connection stays usable.

``GET /healthz`` answers 200 with a JSON status. With a token, a connection without ``Authorization:
Bearer <token>`` is refused at the handshake (401). Frames over ``max_message_bytes`` close that connection
(1009) without touching the others. Inference runs in one worker thread, so the event loop keeps
answering health checks and other clients while the policy thinks.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from sim2act.serving.codec import WireError, pack, unpack
from sim2act.serving.policy_host import PolicyHost, RequestError

HEALTH_PATH = "/healthz"
FIELDS = {"act": {"type", "id", "observation", "instruction"}, "reset": {"type", "id"}}
"""The fields each request type may carry."""


@dataclass(frozen=True)
class ServeConfig:
    """Where and how the policy is served."""

    host: str = "127.0.0.1"
    """Interface to bind (loopback unless told otherwise)."""
    port: int = 8000
    """TCP port (0: any free one)."""
    token: str | None = None
    """Shared secret a client must send as ``Authorization: Bearer <token>`` (None: no authentication)."""
    max_message_bytes: int = 8 * 2**20
    """Largest frame accepted; a larger one closes that connection."""


class PolicyServer:
    """Serves a ``PolicyHost`` over WebSocket: ``run`` in this thread (the CLI), or from a background thread
    (``start``/``stop``, or ``running``)."""

    def __init__(self, host: PolicyHost, config: ServeConfig = ServeConfig()) -> None:
        self.host = host
        self.config = config
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policy")
        self.started = time.monotonic()
        self.clients = 0
        self.requests = 0

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?")[0] == HEALTH_PATH:
            status = {"status": "ok", "domain": self.host.spec.domain, "clients": self.clients, "requests": self.requests,
                      "uptime_s": round(time.monotonic() - self.started, 1)}
            response = connection.respond(HTTPStatus.OK, json.dumps(status) + "\n")
            response.headers["Content-Type"] = "application/json"
            return response
        if self.config.token is not None:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {self.config.token}".encode()):
                return connection.respond(HTTPStatus.UNAUTHORIZED, "missing or wrong token\n")
        return None

    async def _run_on_worker(self, function, *args):
        return await asyncio.get_running_loop().run_in_executor(self.worker, function, *args)

    async def _handle(self, connection: ServerConnection) -> None:
        slot = await self._run_on_worker(self.host.open_slot)
        self.clients += 1
        try:
            await connection.send(pack(self.host.metadata))
            async for payload in connection:
                await connection.send(pack(await self._reply(slot, payload)))
        except ConnectionClosed:
            pass  # the client left, mid-request or not: its slot is freed below
        finally:
            self.clients -= 1
            await self._run_on_worker(self.host.close_slot, slot)

    async def _reply(self, slot: int, payload) -> dict:
        self.requests += 1
        try:
            message = unpack(payload)
        except WireError as error:
            return {"type": "error", "id": None, "message": str(error)}
        ident, kind = message.get("id"), message.get("type")
        if kind not in FIELDS:
            return {"type": "error", "id": ident, "message": f"unknown request type {kind!r}; known: {', '.join(FIELDS)}"}
        unknown = sorted(map(str, set(message) - FIELDS[kind]))
        if unknown:
            return {"type": "error", "id": ident, "message": f"unknown field(s) {', '.join(unknown)} in the {kind!r} request; known: {', '.join(sorted(FIELDS[kind]))}"}
        if kind == "reset":
            await self._run_on_worker(self.host.reset, slot)
            return {"type": "reset", "id": ident}
        started = time.perf_counter()
        try:
            action = await self._run_on_worker(self.host.act, slot, message.get("observation"), message.get("instruction"))
        except RequestError as error:
            return {"type": "error", "id": ident, "message": str(error)}
        except Exception as error:  # noqa: BLE001 - a fault inside the policy fails this request; the server goes on
            return {"type": "error", "id": ident, "message": f"internal error: {type(error).__name__}: {error}"}
        return {"type": "action", "id": ident, "action": action, "server_ms": (time.perf_counter() - started) * 1e3}

    async def _serve(self, ready: Callable[[int], None], stop: asyncio.Event | None = None) -> None:
        async with serve(self._handle, self.config.host, self.config.port, process_request=self._process_request,
                         max_size=self.config.max_message_bytes) as server:
            self.port = server.sockets[0].getsockname()[1]
            ready(self.port)
            if stop is None:
                await server.serve_forever()
            else:
                await stop.wait()

    def run(self, ready: Callable[[int], None] = lambda port: None) -> None:
        """Serve in this thread until Ctrl-C (KeyboardInterrupt, after asyncio cancels every task); ``ready(port)``
        once bound. An address in use is an OSError."""
        try:
            asyncio.run(self._serve(ready))
        finally:
            self.worker.shutdown(wait=False, cancel_futures=True)

    def start(self) -> None:
        """Serve from a background thread (``self.port`` then holds the bound port); an address in use is an OSError."""
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        ready = threading.Event()
        failed: list[BaseException] = []

        def serve_here() -> None:
            try:
                self._loop.run_until_complete(self._serve(lambda port: ready.set(), self._stop))
            except BaseException as error:  # noqa: BLE001 - e.g. the port is taken: raised in the caller's thread below
                failed.append(error)
                ready.set()

        self._thread = threading.Thread(target=serve_here, daemon=True)
        self._thread.start()
        if not ready.wait(30) or failed:
            self._loop.close()
            raise failed[0] if failed else RuntimeError("the policy server did not start in 30 s")

    def stop(self) -> None:
        """Stop serving (open connections close) and release the worker."""
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        self._loop.close()
        self.worker.shutdown(wait=False, cancel_futures=True)

    @contextmanager
    def running(self) -> Iterator[PolicyServer]:
        """Serve from a background thread for the block."""
        self.start()
        try:
            yield self
        finally:
            self.stop()
