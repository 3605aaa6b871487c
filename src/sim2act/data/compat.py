"""Read datasets written under an older schema version as if they were current.

Schema version 1 (before self-supervised labels) has no ``label`` step column and no ``label`` or
``original_instruction`` episode columns: every episode in it is the one rolled out, so it reads as
labeled ``original`` with ``original_instruction`` equal to ``instruction``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sim2act import features as F
from sim2act.data.card import DatasetCard

STEP_DEFAULTS = {F.LABEL: F.LABEL_ORIGINAL}
"""Step columns later schema versions added, and the value they take in older datasets."""


def stored_step_columns(card: DatasetCard, columns: list[str] | None) -> list[str] | None:
    """The requested step columns that the dataset's shards hold (None: every stored column)."""
    if columns is None:
        return None
    return [name for name in columns if name in card.features or name not in STEP_DEFAULTS]


def upgrade_steps(table: pa.Table, card: DatasetCard, columns: list[str] | None) -> pa.Table:
    """Add the step columns an older dataset lacks (those requested), in the requested order."""
    for name, value in STEP_DEFAULTS.items():
        if name not in card.features and (columns is None or name in columns):
            table = table.append_column(_string_field(name), _constant(value, table.num_rows))
    return table if columns is None else table.select(columns)


def upgrade_episodes(table: pa.Table) -> pa.Table:
    """Add ``label`` (``original``) and ``original_instruction`` (the instruction) to older episode rows."""
    if F.LABEL not in table.column_names:
        table = table.append_column(_string_field(F.LABEL), _constant(F.LABEL_ORIGINAL, table.num_rows))
    if F.ORIGINAL_INSTRUCTION not in table.column_names:
        table = table.append_column(_string_field(F.ORIGINAL_INSTRUCTION), table.column(F.INSTRUCTION))
    return table


def _string_field(name: str) -> pa.Field:
    return pa.field(name, pa.string(), nullable=False)


def _constant(value: str, rows: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, np.int32)), pa.array([value])).cast(pa.string())
