"""The LeRobotDataset v3.0 layout, and a validator of its rules (``lerobot`` itself cannot be installed here).

A v3.0 dataset packs many episodes per file::

    meta/info.json                                 codebase_version, fps, features, totals, path templates, splits
    meta/stats.json                                per-feature min/max/mean/std/count (images per channel, in [0, 1])
    meta/tasks.parquet                             index ``task`` (the string), column ``task_index``
    meta/episodes/chunk-000/file-000.parquet       one row per episode: its files, frame range, tasks, stats/...
    data/chunk-XXX/file-YYY.parquet                one row per frame: the features, in episode order

Every frame has ``timestamp`` (frame_index / fps), ``frame_index``, ``episode_index``, ``index`` (global) and
``task_index``. ``validate_lerobot`` checks these rules on a folder and returns what breaks them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

CODEBASE_VERSION = "v3.0"
CHUNKS_SIZE = 1000
"""Files per chunk folder."""
DATA_FILES_SIZE_IN_MB = 100
VIDEO_FILES_SIZE_IN_MB = 500
INFO_PATH = "meta/info.json"
STATS_PATH = "meta/stats.json"
TASKS_PATH = "meta/tasks.parquet"
DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
EPISODES_PATH = "meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
DEFAULT_FEATURES = {
    "timestamp": {"dtype": "float32", "shape": [1], "names": None},
    "frame_index": {"dtype": "int64", "shape": [1], "names": None},
    "episode_index": {"dtype": "int64", "shape": [1], "names": None},
    "index": {"dtype": "int64", "shape": [1], "names": None},
    "task_index": {"dtype": "int64", "shape": [1], "names": None},
}
INFO_KEYS = ("codebase_version", "robot_type", "total_episodes", "total_frames", "total_tasks", "chunks_size",
             "data_files_size_in_mb", "video_files_size_in_mb", "fps", "splits", "data_path", "video_path", "features")
EPISODE_COLUMNS = ("episode_index", "tasks", "length", "data/chunk_index", "data/file_index", "dataset_from_index",
                   "dataset_to_index", "meta/episodes/chunk_index", "meta/episodes/file_index")
STATS = ("min", "max", "mean", "std", "count")


def chunk_and_file(k: int) -> dict[str, int]:
    """The ``k``-th file's chunk and file indices."""
    return {"chunk_index": k // CHUNKS_SIZE, "file_index": k % CHUNKS_SIZE}


def hf_features(features: dict):
    """The Hugging Face ``datasets.Features`` of LeRobot features, as LeRobot derives them to load its parquet files."""
    import datasets

    out = {}
    for key, feature in features.items():
        shape = tuple(feature["shape"])
        if feature["dtype"] == "video":
            continue
        if feature["dtype"] == "image":
            out[key] = datasets.Image()
        elif shape == (1,):
            out[key] = datasets.Value(feature["dtype"])
        elif len(shape) == 1:
            out[key] = datasets.Sequence(datasets.Value(feature["dtype"]), length=shape[0])
        elif 2 <= len(shape) <= 5:
            out[key] = getattr(datasets, f"Array{len(shape)}D")(shape=shape, dtype=feature["dtype"])
        else:
            raise ValueError(f"feature {key!r}: no Hugging Face type for shape {shape}")
    return datasets.Features(out)


def validate_lerobot(root: Path) -> list[str]:
    """Every way the folder breaks the v3.0 rules (empty: a valid dataset), without loading image bytes."""
    root = Path(root)
    try:
        info = json.loads((root / INFO_PATH).read_text())
    except (OSError, ValueError) as error:
        return [f"{INFO_PATH}: {error}"]
    problems = [f"{INFO_PATH}: missing key {key!r}" for key in INFO_KEYS if key not in info]
    if problems:
        return problems
    if info["codebase_version"] != CODEBASE_VERSION:
        problems.append(f"codebase_version {info['codebase_version']!r}, expected {CODEBASE_VERSION!r}")
    features = info["features"]
    for key, feature in features.items():
        if "/" in key:
            problems.append(f"feature {key!r}: names may not contain '/'")
        if not {"dtype", "shape", "names"} <= set(feature):
            problems.append(f"feature {key!r}: needs dtype, shape and names")
    problems += [f"default feature {key!r} missing or not {spec}" for key, spec in DEFAULT_FEATURES.items()
                 if {k: features.get(key, {}).get(k) for k in ("dtype", "shape")} != {k: spec[k] for k in ("dtype", "shape")}]
    problems += _check_tasks(root, info) + _check_episodes_and_data(root, info) + _check_stats(root, features)
    return problems


def _check_tasks(root: Path, info: dict) -> list[str]:
    import pandas as pd

    try:
        tasks = pd.read_parquet(root / TASKS_PATH)
    except (OSError, ValueError) as error:
        return [f"{TASKS_PATH}: {error}"]
    problems = []
    if tasks.index.name != "task" or list(tasks.columns) != ["task_index"]:
        problems.append(f"{TASKS_PATH}: index must be 'task' and the one column 'task_index'")
    elif sorted(tasks["task_index"]) != list(range(len(tasks))):
        problems.append(f"{TASKS_PATH}: task_index must run 0..{len(tasks) - 1}")
    if len(tasks) != info["total_tasks"]:
        problems.append(f"total_tasks {info['total_tasks']} but {len(tasks)} tasks")
    return problems


def _check_episodes_and_data(root: Path, info: dict) -> list[str]:
    import pandas as pd

    files = sorted((root / "meta/episodes").glob("chunk-*/file-*.parquet"))
    if not files:
        return ["meta/episodes: no episode files"]
    episodes = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    problems = [f"meta/episodes: missing column {c!r}" for c in EPISODE_COLUMNS if c not in episodes.columns]
    if problems:
        return problems
    if episodes["episode_index"].tolist() != list(range(len(episodes))):
        problems.append("meta/episodes: episode_index must run 0..N-1 in order")
    if len(episodes) != info["total_episodes"]:
        problems.append(f"total_episodes {info['total_episodes']} but {len(episodes)} episode rows")
    ends = episodes["dataset_from_index"] + episodes["length"]
    if (ends != episodes["dataset_to_index"]).any() or (episodes["dataset_from_index"].iloc[1:].values != ends.iloc[:-1].values).any():
        problems.append("meta/episodes: frame ranges must be [from, from + length) and follow each other")
    if int(episodes["length"].sum()) != info["total_frames"]:
        problems.append(f"total_frames {info['total_frames']} but episodes hold {int(episodes['length'].sum())}")
    named = pd.read_parquet(root / TASKS_PATH)["task_index"].to_dict() if (root / TASKS_PATH).exists() else {}
    tasks = {index: task for task, index in named.items()}
    columns = sorted(info["features"])
    scalars = ["episode_index", "frame_index", "index", "task_index", "timestamp"]
    seen = 0
    for (chunk, file), group in episodes.groupby(["data/chunk_index", "data/file_index"], sort=True):
        path = root / info["data_path"].format(chunk_index=chunk, file_index=file)
        if not path.is_file():
            problems.append(f"{path.relative_to(root)}: missing (episodes {group['episode_index'].tolist()[:3]}...)")
            continue
        if sorted(pq.read_schema(path).names) != columns:
            problems.append(f"{path.relative_to(root)}: columns differ from info.json's features")
            continue
        frames = pq.read_table(path, columns=scalars).to_pandas()
        for _, episode in group.iterrows():
            rows = frames[frames["episode_index"] == episode["episode_index"]]
            n = int(episode["length"])
            expected = np.arange(n)
            if len(rows) != n or not (rows["frame_index"].to_numpy() == expected).all():
                problems.append(f"episode {episode['episode_index']}: frames must be frame_index 0..{n - 1} in order")
            elif not (rows["index"].to_numpy() == expected + episode["dataset_from_index"]).all():
                problems.append(f"episode {episode['episode_index']}: index must run from dataset_from_index")
            elif not np.allclose(rows["timestamp"].to_numpy(), expected / info["fps"], atol=1e-4):
                problems.append(f"episode {episode['episode_index']}: timestamp must be frame_index / fps")
            elif sorted({tasks.get(t) for t in rows["task_index"]}, key=str) != sorted(episode["tasks"], key=str):
                problems.append(f"episode {episode['episode_index']}: its tasks differ from its frames' task_index")
        seen += len(frames)
    if seen != info["total_frames"]:
        problems.append(f"data files hold {seen} frames, total_frames says {info['total_frames']}")
    return problems


def _check_stats(root: Path, features: dict) -> list[str]:
    try:
        stats = json.loads((root / STATS_PATH).read_text())
    except (OSError, ValueError) as error:
        return [f"{STATS_PATH}: {error}"]
    problems = []
    for key, values in stats.items():
        if key not in features:
            problems.append(f"{STATS_PATH}: {key!r} is not a feature")
        elif set(values) < set(STATS):
            problems.append(f"{STATS_PATH}: {key!r} lacks {sorted(set(STATS) - set(values))}")
    return problems
