"""The on-disk schema of a dataset, derived from an env's observation and action spaces.

Images (any observation Box of two or more dimensions) are stored as raw fixed-size bytes, one
value per row: grid-world frames compress ~180x under zstd and read back zero-copy. Vectors are
fixed-size lists. Every column's dtype and shape is also recorded in the dataset card.
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import pyarrow as pa
from gymnasium import spaces

from sim2act import features as F
from sim2act.errors import Sim2ActError

SCHEMA_VERSION = 2
"""2 added the ``label`` step column and the ``label`` and ``original_instruction`` episode columns;
version-1 datasets are read as if every episode were labeled ``original`` (``sim2act.data.compat``)."""


@dataclass(frozen=True)
class Feature:
    """One per-step column: its numpy dtype and per-row shape."""

    name: str
    dtype: str
    shape: tuple[int, ...]

    @property
    def is_raw_bytes(self) -> bool:
        """Stored as fixed-size bytes (images), rather than a scalar or a fixed-size list."""
        return len(self.shape) >= 2

    @property
    def arrow_type(self) -> pa.DataType:
        if self.dtype == "str":
            return pa.string()
        if self.is_raw_bytes:
            return pa.binary(int(np.prod(self.shape)) * np.dtype(self.dtype).itemsize)
        scalar = pa.from_numpy_dtype(np.dtype(self.dtype))
        return pa.list_(scalar, self.shape[0]) if self.shape else scalar

    def to_json(self) -> dict:
        return {"dtype": self.dtype, "shape": list(self.shape)}


def step_features(
    observation_space: spaces.Dict, action_space: gym.Space, annotation_space: spaces.Dict | None = None,
) -> list[Feature]:
    """The per-step columns for envs with these spaces, in on-disk order (annotations last)."""
    columns = [
        Feature(F.EPISODE_ID, "int64", ()),
        Feature(F.STEP, "int32", ()),
        Feature(F.DOMAIN, "str", ()),
        Feature(F.LEVEL, "str", ()),
        Feature(F.SPLIT, "str", ()),
        Feature(F.SEED, "int64", ()),
        Feature(F.INSTRUCTION, "str", ()),
    ]
    for key in observation_columns(observation_space):
        box = observation_space[key]
        columns.append(Feature(key, np.dtype(box.dtype).name, tuple(box.shape)))
    columns.append(action_feature(action_space))
    columns += [
        Feature(F.REWARD, "float32", ()),
        Feature(F.TERMINATED, "bool", ()),
        Feature(F.TRUNCATED, "bool", ()),
        Feature(F.SUCCESS, "bool", ()),
        Feature(F.PROPOSER, "str", ()),
        Feature(F.ITERATION, "int32", ()),
        Feature(F.LABEL, "str", ()),
    ]
    for key in sorted(annotation_space.spaces) if annotation_space is not None else ():
        if key not in ANNOTATION_COLUMNS:
            raise ValueError(f"unknown annotation {key!r}: name it in sim2act.data.schema.ANNOTATION_COLUMNS")
        box = annotation_space[key]
        columns.append(Feature(key, np.dtype(box.dtype).name, tuple(box.shape)))
    return columns


ANNOTATION_COLUMNS = frozenset({F.OBJECT_VIEW})
"""Step columns of privileged annotations an env reports in ``info`` (its ``annotation_space``): training targets."""
STEP_FACT_COLUMNS = frozenset({F.EPISODE_ID, F.STEP, F.DOMAIN, F.LEVEL, F.SPLIT, F.SEED, F.INSTRUCTION, F.ACTION,
                               F.REWARD, F.TERMINATED, F.TRUNCATED, F.SUCCESS, F.PROPOSER, F.ITERATION, F.LABEL,
                               *ANNOTATION_COLUMNS})
"""Every step column that is not an observation."""


def observation_names(card_features: dict) -> list[str]:
    """The observation columns of a dataset card's features, in on-disk order."""
    return [name for name in card_features if name not in STEP_FACT_COLUMNS]


def annotation_space(env: gym.Env) -> spaces.Dict | None:
    """The env's privileged per-step annotations (``annotation_space`` of the unwrapped env), if it has any."""
    return getattr(env.unwrapped, "annotation_space", None)


def annotation_columns(env: gym.Env) -> list[str]:
    """Keys of the env's annotations, as stored per step."""
    space = annotation_space(env)
    return sorted(space.spaces) if space is not None else []


def observation_columns(observation_space: spaces.Dict) -> list[str]:
    """Observation keys stored per step: every ``Box`` entry, ``rgb``, ``depth`` and ``proprio`` first (in that
    order, as datasets have always had them), then the others by name (more cameras, their depth, sensors)."""
    boxes = [k for k, space in observation_space.spaces.items() if isinstance(space, spaces.Box)]
    first = [k for k in (F.RGB, F.DEPTH, F.PROPRIO) if k in boxes]
    return first + sorted(k for k in boxes if k not in first)


def action_feature(action_space: gym.Space) -> Feature:
    """int64 scalars for ``Discrete``, int64 vectors for ``MultiDiscrete``, float32 arrays of any shape for ``Box``."""
    if isinstance(action_space, spaces.Discrete):
        return Feature(F.ACTION, "int64", ())
    if isinstance(action_space, spaces.MultiDiscrete) and action_space.nvec.ndim == 1 and not action_space.start.any():
        return Feature(F.ACTION, "int64", tuple(action_space.shape))
    if isinstance(action_space, spaces.Box) and action_space.shape:
        return Feature(F.ACTION, "float32", tuple(action_space.shape))
    raise Sim2ActError(f"sim2act datasets store Discrete, 1-D MultiDiscrete (starting at 0) and Box actions; the env acts in {action_space}")


def action_space_to_json(action_space: gym.Space, names: tuple[str, ...] | None = None) -> dict:
    """A JSON description of the action space (with the env's action names), for cards and models.

    >>> action_space_to_json(spaces.MultiDiscrete([3, 4]))
    {'type': 'multi_discrete', 'nvec': [3, 4]}
    """
    action_feature(action_space)
    if isinstance(action_space, spaces.Discrete):
        return {"type": "discrete", "n": int(action_space.n), "names": list(names or range(action_space.n))}
    if isinstance(action_space, spaces.MultiDiscrete):
        return {"type": "multi_discrete", "nvec": action_space.nvec.tolist()}
    return {"type": "box", "low": action_space.low.tolist(), "high": action_space.high.tolist()}


def arrow_schema(features: list[Feature]) -> pa.Schema:
    return pa.schema([pa.field(f.name, f.arrow_type, nullable=False) for f in features])


EPISODE_SCHEMA = pa.schema(
    [
        pa.field(F.EPISODE_ID, pa.int64(), nullable=False),
        pa.field(F.DOMAIN, pa.string(), nullable=False),
        pa.field(F.LEVEL, pa.string(), nullable=False),
        pa.field(F.SPLIT, pa.string(), nullable=False),
        pa.field(F.SEED, pa.int64(), nullable=False),
        pa.field(F.INSTRUCTION, pa.string(), nullable=False),
        pa.field("length", pa.int32(), nullable=False),
        pa.field(F.SUCCESS, pa.bool_(), nullable=False),
        pa.field("return", pa.float32(), nullable=False),
        pa.field("achieved", pa.list_(pa.string()), nullable=False),
        pa.field("achieved_step", pa.list_(pa.int32()), nullable=False),
        pa.field(F.PROPOSER, pa.string(), nullable=False),
        pa.field(F.ITERATION, pa.int32(), nullable=False),
        pa.field(F.LABEL, pa.string(), nullable=False),
        pa.field(F.ORIGINAL_INSTRUCTION, pa.string(), nullable=False),
    ]
)
"""One row per episode: its task, outcome, what it achieved (first step of each achievement), and how it was
labeled (``instruction`` is the label; ``original_instruction`` the one it was collected with)."""
