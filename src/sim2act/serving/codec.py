"""The wire format of the policy server: msgpack maps, numpy arrays as ``{dtype, shape, data}``, never pickle.

A decoded message can only hold msgpack's own types (maps, lists, strings, numbers, bytes) and arrays
of the plain numeric dtypes in ``DTYPES``: nothing a peer sends can make the other side run code. An
array whose byte count does not match its dtype and shape is refused with ``WireError``.

>>> import numpy as np
>>> message = unpack(pack({"type": "act", "observation": {"rgb": np.zeros((2, 2, 3), np.uint8)}}))
>>> message["observation"]["rgb"].shape, message["observation"]["rgb"].dtype.name
((2, 2, 3), 'uint8')
"""

from __future__ import annotations

from typing import Any

import msgpack
import numpy as np

ARRAY = "__ndarray__"
"""The key that marks a map as an encoded array."""
DTYPES = frozenset({"bool", "uint8", "int8", "uint16", "int16", "int32", "uint32", "int64", "float16", "float32", "float64"})
"""Dtypes an array on the wire may have."""


class WireError(ValueError):
    """A message that is not valid msgpack, or holds an array that does not decode."""


def _encode(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.name not in DTYPES:
            raise TypeError(f"arrays of dtype {value.dtype} cannot be sent; use one of {', '.join(sorted(DTYPES))}")
        return {ARRAY: True, "dtype": value.dtype.name, "shape": list(value.shape), "data": np.ascontiguousarray(value).tobytes()}
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot send a {type(value).__name__}")


def _decode(value: dict) -> Any:
    if value.get(ARRAY) is not True:
        return value
    dtype, shape, data = value.get("dtype"), value.get("shape"), value.get("data")
    if dtype not in DTYPES or not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape) \
            or not isinstance(data, bytes):
        raise WireError(f"an array needs dtype (one of {', '.join(sorted(DTYPES))}), shape (non-negative ints) and data (bytes)")
    expected = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    if len(data) != expected:
        raise WireError(f"an array of dtype {dtype} and shape {tuple(shape)} needs {expected} bytes, got {len(data)}")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def _refuse_extension(code: int, data: bytes) -> Any:
    raise WireError(f"msgpack extension types are not accepted (got type {code})")


def pack(message: dict[str, Any]) -> bytes:
    """``message`` (maps, lists, strings, numbers, numpy arrays) as msgpack bytes."""
    return msgpack.packb(message, default=_encode, use_bin_type=True)


def unpack(payload: bytes) -> dict[str, Any]:
    """The message in ``payload``; anything but a msgpack map with well-formed arrays is a ``WireError``."""
    if not isinstance(payload, (bytes, bytearray)):
        raise WireError("messages are binary msgpack frames, not text")
    try:
        message = msgpack.unpackb(payload, object_hook=_decode, ext_hook=_refuse_extension, raw=False, strict_map_key=True)
    except WireError:
        raise
    except Exception as error:  # noqa: BLE001 - msgpack raises several types for malformed input
        raise WireError(f"not a msgpack message: {type(error).__name__}: {error}") from None
    if not isinstance(message, dict):
        raise WireError(f"a message is a map, not a {type(message).__name__}")
    return message
