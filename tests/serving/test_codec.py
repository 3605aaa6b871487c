"""The wire format: arrays round-trip exactly, and nothing but plain data and numeric arrays decodes."""

from __future__ import annotations

import msgpack
import numpy as np
import pytest

from sim2act.serving.codec import ARRAY, DTYPES, WireError, pack, unpack


@pytest.mark.parametrize("dtype", sorted(DTYPES))
def test_arrays_of_every_allowed_dtype_round_trip_exactly(dtype):
    array = (np.arange(24) % 7).astype(dtype).reshape(2, 3, 4)
    back = unpack(pack({"a": array, "nested": [{"b": array[0]}], "n": np.float32(1.5), "s": "text"}))
    assert back["a"].dtype == array.dtype and np.array_equal(back["a"], array) and back["a"].flags.writeable
    assert np.array_equal(back["nested"][0]["b"], array[0]) and back["n"] == 1.5 and back["s"] == "text"


def test_object_arrays_and_arbitrary_objects_cannot_be_sent():
    with pytest.raises(TypeError, match="dtype object"):
        pack({"a": np.array([object()], dtype=object)})
    with pytest.raises(TypeError, match="cannot send a set"):
        pack({"a": {1, 2}})


@pytest.mark.parametrize("forged, reason", [
    ({ARRAY: True, "dtype": "float32", "shape": [4], "data": b"\x00" * 15}, "needs 16 bytes, got 15"),
    ({ARRAY: True, "dtype": "object", "shape": [1], "data": b"\x00" * 8}, "an array needs dtype"),
    ({ARRAY: True, "dtype": "uint8", "shape": [-1], "data": b""}, "an array needs dtype"),
    ({ARRAY: True, "dtype": "uint8", "shape": [1], "data": "text"}, "an array needs dtype"),
])
def test_a_forged_array_is_a_wire_error(forged, reason):
    with pytest.raises(WireError, match=reason):
        unpack(msgpack.packb({"observation": {"rgb": forged}}, use_bin_type=True))


def test_only_binary_msgpack_maps_decode():
    with pytest.raises(WireError, match="binary msgpack frames, not text"):
        unpack('{"type": "act"}')
    with pytest.raises(WireError, match="not a msgpack message"):
        unpack(b"\xc1\xff\x00")
    with pytest.raises(WireError, match="a message is a map, not a list"):
        unpack(msgpack.packb([1, 2]))
    with pytest.raises(WireError, match="extension types are not accepted"):
        unpack(msgpack.packb({"a": msgpack.ExtType(1, b"\x80\x04")}))
