"""Read a sim2act dataset back as Arrow tables and numpy arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from sim2act.data.card import DatasetCard, load_card
from sim2act.data.compat import stored_step_columns, upgrade_episodes, upgrade_steps
from sim2act.data.layout import DatasetLayout
from sim2act.data.shards import read_parquet
from sim2act.errors import Sim2ActError


def open_dataset(root: Path) -> tuple[DatasetLayout, DatasetCard]:
    """The layout and card of the dataset at ``root``; a missing one is a one-line error."""
    root = Path(root)
    if not root.is_dir():
        raise Sim2ActError(f"no dataset at {root}: folder not found")
    layout = DatasetLayout(root)
    return layout, load_card(layout.card)


def load_steps(root: Path, columns: list[str] | None = None) -> pa.Table:
    """All committed step rows, in shard order (datasets of older schema versions read as current)."""
    layout, card = open_dataset(root)
    stored = stored_step_columns(card, columns)
    return upgrade_steps(_concat([read_parquet(path, stored) for path in layout.steps_files()], root), card, columns)


def load_episodes(root: Path) -> pa.Table:
    """All committed episode rows, in shard order (datasets of older schema versions read as current)."""
    layout, _ = open_dataset(root)
    return upgrade_episodes(_concat([read_parquet(path) for path in layout.episodes_files()], root))


def feature_array(column: pa.ChunkedArray | pa.Array, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """A column as an ``(N, *shape)`` numpy array; raw-byte images are viewed without copying."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    n = len(column)
    if pa.types.is_fixed_size_binary(column.type):
        width = column.type.byte_width
        data = np.frombuffer(column.buffers()[1], dtype=np.uint8)[column.offset * width : (column.offset + n) * width]
        return data.view(dtype).reshape(n, *shape)
    if pa.types.is_fixed_size_list(column.type):
        return column.flatten().to_numpy(zero_copy_only=False).astype(dtype, copy=False).reshape(n, *shape)
    return column.to_numpy(zero_copy_only=False).astype(dtype, copy=False)


def _concat(tables: list[pa.Table], root: Path) -> pa.Table:
    if not tables:
        raise Sim2ActError(f"dataset {root} has no committed shards yet")
    # Episode files carry their shard's statistics as metadata, which says nothing about the whole.
    return pa.concat_tables([table.replace_schema_metadata(None) for table in tables])
