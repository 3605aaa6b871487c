"""``PolicyClient``: the robot side of ``sim2act serve``. Needs numpy, msgpack and websockets, not torch.

>>> # with `sim2act serve --checkpoint runs/tabletop/policy` running:
>>> # client = PolicyClient("ws://127.0.0.1:8000")
>>> # client.metadata["action_space"]                       # what the policy outputs
>>> # action = client.act(observation, "put the red block in the green bowl")
>>> # client.reset()                                        # before each new episode

``act`` sends only the observation fields the policy reads (``metadata["required_observations"]``), so a
robot (or an env) may hand over its whole observation dict. A lost connection is re-opened (``retries``
times, with a growing pause) and the request sent again; the server then starts a new episode stream, so
a policy with memory sees the next frame as its first (``reconnects`` counts how often that happened).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from sim2act.serving.codec import pack, unpack

INSTRUCTION = "instruction"
MESSAGE_TOO_BIG = 1009
"""WebSocket close code of a frame over the server's size limit: sending it again would fail again."""


class PolicyServerError(RuntimeError):
    """The server refused a request (its one-line reason is the message) or could not be reached."""


class PolicyClient:
    """A connection to ``sim2act serve``: ``act``, ``reset``, ``close`` (also a context manager)."""

    def __init__(self, url: str = "ws://127.0.0.1:8000", token: str | None = None, timeout: float = 30.0,
                 retries: int = 3, max_message_bytes: int = 8 * 2**20) -> None:
        self.url, self.token, self.timeout, self.retries = url, token, timeout, retries
        self.max_message_bytes = max_message_bytes
        self.metadata: dict[str, Any] = {}
        """The server's handshake: spaces, required fields, vocabulary, control rate, action horizon."""
        self.reconnects = 0
        self._connection: ClientConnection | None = None
        self._next_id = 0
        self._open()

    def _open(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token is not None else None
        try:
            # entered as its context manager: websockets >= 17.1 warns about connections opened otherwise
            self._connection = connect(self.url, additional_headers=headers, open_timeout=self.timeout,
                                       max_size=self.max_message_bytes).__enter__()
            self.metadata = unpack(self._connection.recv(timeout=self.timeout))
        except InvalidStatus as error:
            raise PolicyServerError(f"{self.url} refused the connection: HTTP {error.response.status_code}") from None
        except (OSError, TimeoutError, ConnectionClosed) as error:
            raise PolicyServerError(f"cannot reach a policy server at {self.url}: {error}") from None

    def _request(self, message: dict[str, Any]) -> dict[str, Any]:
        self._next_id += 1
        message = {**message, "id": self._next_id}
        for attempt in range(self.retries + 1):
            try:
                if self._connection is None:
                    self._open()
                    self.reconnects += 1
                self._connection.send(pack(message))
                reply = unpack(self._connection.recv(timeout=self.timeout))
                break
            except (ConnectionClosed, OSError, PolicyServerError) as error:
                self._connection = None
                if isinstance(error, ConnectionClosed) and error.rcvd is not None and error.rcvd.code == MESSAGE_TOO_BIG:
                    raise PolicyServerError(f"the server closed the connection: a frame over its size limit "
                                            f"({error.rcvd.reason or 'message too big'})") from None
                if attempt == self.retries:
                    raise PolicyServerError(f"lost the policy server at {self.url}: {error}") from None
                time.sleep(min(2.0, 0.1 * 2**attempt))
        if reply.get("type") == "error":
            raise PolicyServerError(reply.get("message", "the server refused the request"))
        return reply

    def act(self, observation: Mapping[str, Any], instruction: str | None = None) -> np.ndarray:
        """The policy's action for this frame (``instruction`` defaults to ``observation["instruction"]``)."""
        instruction = observation.get(INSTRUCTION) if instruction is None else instruction
        fields = self.metadata.get("required_observations") or [k for k in observation if k != INSTRUCTION]
        sent = {key: np.asarray(observation[key]) for key in fields if key in observation}
        return self._request({"type": "act", "observation": sent, "instruction": instruction})["action"]

    def reset(self) -> None:
        """The next frame starts a new episode (the policy forgets its frame memory and action chunk)."""
        self._request({"type": "reset"})

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> PolicyClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
