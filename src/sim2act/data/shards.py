"""Turn recorded episodes into Arrow tables and write them as zstd Parquet shards; read shards back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim2act import features as F
from sim2act.data.atomic import atomic_write
from sim2act.data.episode import Episode
from sim2act.data.feature_stats import moments
from sim2act.data.schema import ANNOTATION_COLUMNS, EPISODE_SCHEMA, Feature, arrow_schema
from sim2act.errors import Sim2ActError

COMPRESSION = "zstd"
COMPRESSION_LEVEL = 3
ROW_GROUP_ROWS = 8192
SHARD_STATS_KEY = "sim2act.shard_stats"


def steps_table(episodes: Sequence[Episode], features: list[Feature], proposer: str, iteration: int) -> pa.Table:
    """One row per step of ``episodes`` (in the given order), following ``features``."""
    if not episodes:  # every rollout of the shard was dropped by its labeler
        return arrow_schema(features).empty_table()
    lengths = np.array([len(e) for e in episodes])
    total = int(lengths.sum())

    def per_episode(value_of) -> np.ndarray:
        return np.repeat(np.array([value_of(e) for e in episodes]), lengths)

    columns: dict[str, pa.Array] = {
        F.EPISODE_ID: pa.array(per_episode(lambda e: e.episode_id), pa.int64()),
        F.STEP: pa.array(np.concatenate([np.arange(n, dtype=np.int32) for n in lengths])),
        F.DOMAIN: _repeated_string([e.task.domain for e in episodes], lengths),
        F.LEVEL: _repeated_string([e.task.level for e in episodes], lengths),
        F.SPLIT: _repeated_string([e.task.split for e in episodes], lengths),
        F.SEED: pa.array(per_episode(lambda e: e.task.seed), pa.int64()),
        F.INSTRUCTION: _repeated_string([e.task.instruction for e in episodes], lengths),
        F.REWARD: pa.array(np.concatenate([e.rewards for e in episodes])),
        F.TERMINATED: pa.array(np.concatenate([e.terminated for e in episodes])),
        F.TRUNCATED: pa.array(np.concatenate([e.truncated for e in episodes])),
        F.SUCCESS: pa.array(np.concatenate([e.success for e in episodes])),
        F.PROPOSER: pa.array([proposer] * total, pa.string()),
        F.ITERATION: pa.array(np.full(total, iteration, np.int32)),
        F.LABEL: _repeated_string([e.label for e in episodes], lengths),
    }
    for feature in features:
        if feature.name in columns:
            continue
        if feature.name == F.ACTION:
            values = np.concatenate([e.actions for e in episodes])
        elif feature.name in ANNOTATION_COLUMNS:
            values = np.concatenate([e.annotations[feature.name] for e in episodes])
        else:
            values = np.concatenate([e.observations[feature.name] for e in episodes])
        columns[feature.name] = _array_column(feature, values)
    return pa.table([columns[f.name] for f in features], schema=arrow_schema(features))


def shard_moments(episodes: Sequence[Episode], features: list[Feature]) -> dict[str, dict]:
    """``data.feature_stats.moments`` of every array column (observations, action, reward) over ``episodes``' steps."""
    out: dict[str, dict] = {}
    if not episodes:
        return out
    for feature in features:
        if feature.name == F.ACTION:
            values = [e.actions for e in episodes]
        elif feature.name == F.REWARD:
            values = [e.rewards for e in episodes]
        elif feature.name in episodes[0].observations:
            values = [e.observations[feature.name] for e in episodes]
        else:
            continue
        values = np.concatenate(values).reshape(-1, *feature.shape)
        out[feature.name] = moments(feature, values, image=feature.name != F.ACTION and len(feature.shape) >= 2)
    return out


def episodes_table(episodes: Sequence[Episode], proposer: str, iteration: int) -> pa.Table:
    """One row per episode: task, length, success, return, achievements and label."""
    rows = {
        F.EPISODE_ID: [e.episode_id for e in episodes],
        F.DOMAIN: [e.task.domain for e in episodes],
        F.LEVEL: [e.task.level for e in episodes],
        F.SPLIT: [e.task.split for e in episodes],
        F.SEED: [e.task.seed for e in episodes],
        F.INSTRUCTION: [e.task.instruction for e in episodes],
        "length": [len(e) for e in episodes],
        F.SUCCESS: [e.succeeded for e in episodes],
        "return": [float(e.rewards.sum()) for e in episodes],
        "achieved": [[instr for _, instr in e.achieved] for e in episodes],
        "achieved_step": [[step for step, _ in e.achieved] for e in episodes],
        F.PROPOSER: [proposer] * len(episodes),
        F.ITERATION: [iteration] * len(episodes),
        F.LABEL: [e.label for e in episodes],
        F.ORIGINAL_INSTRUCTION: [e.original_instruction for e in episodes],
    }
    return pa.table(rows, schema=EPISODE_SCHEMA)


def with_shard_stats(episodes: pa.Table, stats: dict) -> pa.Table:
    """``episodes`` carrying the shard's statistics in its Parquet metadata.

    The episode file commits a shard; its statistics (rollouts and executed steps included, which
    the kept rows cannot tell once a labeler dropped episodes) travel with it, so a run killed
    before it updated the card recounts them exactly.
    """
    return episodes.replace_schema_metadata({SHARD_STATS_KEY: json.dumps(stats, sort_keys=True)})


def read_shard_stats(path: Path) -> dict:
    """The statistics an episode file carries (files of schema version 2 and later)."""
    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException) as error:
        raise Sim2ActError(f"corrupt or truncated shard {path}: {str(error).splitlines()[0]}") from None
    if SHARD_STATS_KEY.encode() not in metadata:
        raise Sim2ActError(f"shard {path} carries no shard statistics: it was not written by this sim2act")
    return json.loads(metadata[SHARD_STATS_KEY.encode()])


def parquet_bytes(table: pa.Table) -> bytes:
    """``table`` encoded as a zstd Parquet file, in memory (a remote worker encodes, the writer only writes)."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression=COMPRESSION, compression_level=COMPRESSION_LEVEL, row_group_size=ROW_GROUP_ROWS)
    return sink.getvalue().to_pybytes()


def write_bytes(data: bytes, path: Path) -> None:
    """Atomically write an encoded file."""
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def read_parquet(path: Path, columns: list[str] | None = None) -> pa.Table:
    """Read a shard; a missing, truncated or corrupt file is a one-line error naming it."""
    try:
        return pq.read_table(path, columns=columns)
    except (OSError, pa.ArrowException) as error:
        raise Sim2ActError(f"corrupt or truncated shard {path}: {str(error).splitlines()[0]}") from None


def _array_column(feature: Feature, values: np.ndarray) -> pa.Array:
    values = np.ascontiguousarray(values, dtype=feature.dtype)
    if feature.is_raw_bytes:
        return pa.FixedSizeBinaryArray.from_buffers(feature.arrow_type, len(values), [None, pa.py_buffer(values)])
    if feature.shape:
        return pa.FixedSizeListArray.from_arrays(pa.array(values.reshape(-1)), feature.shape[0])
    return pa.array(values)


def _repeated_string(values: list[str], lengths: np.ndarray) -> pa.Array:
    # Dictionary-encode per episode, then decode: far cheaper than one Python string per step.
    dictionary = pa.array(values, pa.string())
    indices = pa.array(np.repeat(np.arange(len(values), dtype=np.int32), lengths))
    return pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string())
