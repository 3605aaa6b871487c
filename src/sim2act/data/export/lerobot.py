"""``sim2act export --format lerobot``: a sim2act dataset as a LeRobotDataset v3.0 folder.

One LeRobot data file per sim2act shard (episodes never straddle files). Features:

- every uint8 camera image → ``observation.images.<name>`` (``image``: PNG bytes), other arrays (depth) →
  ``observation.<name>`` (float32 arrays), ``proprio`` → ``observation.state``;
- ``action`` (int64 for Discrete and MultiDiscrete, float32 for Box), ``next.reward``, ``next.done``
  (terminated or truncated), ``next.success`` (the verifier's flag);
- ``sim2act.episode_id`` (the source dataset's id), plus LeRobot's ``timestamp``, ``frame_index``,
  ``episode_index``, ``index`` and ``task_index`` (the instruction is the task).

The episodes file adds sim2act's episode facts (success, label, original instruction, level, seed, split)
beside LeRobot's columns and per-episode statistics. Images' statistics are per channel in [0, 1], as LeRobot
computes them; the export is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim2act import features as F
from sim2act.data.export.lerobot_format import (
    CHUNKS_SIZE,
    CODEBASE_VERSION,
    DATA_FILES_SIZE_IN_MB,
    DATA_PATH,
    DEFAULT_FEATURES,
    EPISODES_PATH,
    INFO_PATH,
    STATS_PATH,
    TASKS_PATH,
    VIDEO_FILES_SIZE_IN_MB,
    chunk_and_file,
    hf_features,
)
from sim2act.data.hub_card import LICENSE, README, card_text, repo_id, size_category
from sim2act.data.reader import feature_array, load_episodes, open_dataset
from sim2act.data.schema import observation_names
from sim2act.data.shards import read_parquet
from sim2act.errors import Sim2ActError
from sim2act.progress import Progress

EPISODE_FACTS = (F.SUCCESS, F.LABEL, F.ORIGINAL_INSTRUCTION, F.LEVEL, F.SEED, F.SPLIT)
DEFAULT_FPS = 10


def feature_map(card_features: dict[str, dict]) -> dict[str, tuple[str, dict]]:
    """sim2act column → (LeRobot key, LeRobot feature) for every column the export carries."""
    out = {}
    for name in observation_names(card_features):
        spec = card_features[name]
        shape = list(spec["shape"])
        if spec["dtype"] == "uint8" and len(shape) == 3 and shape[-1] in (1, 3):
            out[name] = (f"observation.images.{name}", {"dtype": "image", "shape": shape,
                                                        "names": ["height", "width", "channels"]})
        elif name == F.PROPRIO:
            out[name] = ("observation.state", {"dtype": spec["dtype"], "shape": shape, "names": None})
        else:
            out[name] = (f"observation.{name}", {"dtype": spec["dtype"], "shape": shape or [1], "names": None})
    action = card_features[F.ACTION]
    out[F.ACTION] = ("action", {"dtype": action["dtype"], "shape": list(action["shape"]) or [1], "names": None})
    out[F.REWARD] = ("next.reward", {"dtype": "float32", "shape": [1], "names": None})
    out[F.SUCCESS] = ("next.success", {"dtype": "bool", "shape": [1], "names": None})
    out[F.EPISODE_ID] = ("sim2act.episode_id", {"dtype": "int64", "shape": [1], "names": None})
    return out


def export_lerobot(source: Path, out: Path, fps: int | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Write ``source`` as a LeRobot v3.0 dataset at ``out``; return its ``info.json``."""
    try:
        import datasets  # LeRobot's own writer and reader of these files
        import pandas as pd
    except ImportError:
        raise Sim2ActError("--format lerobot needs Hugging Face datasets: pip install 'sim2act[hf]'") from None
    datasets.disable_progress_bars()  # its own bars would break the CLI's
    progress = progress or Progress()
    layout, card = open_dataset(source)
    columns = feature_map(card.features)
    features = {key: feature for key, feature in columns.values()}
    features["next.done"] = {"dtype": "bool", "shape": [1], "names": None}
    features.update({key: dict(spec) for key, spec in DEFAULT_FEATURES.items()})
    fps = fps or DEFAULT_FPS
    schema = hf_features(features)
    staging = out.parent / f".{out.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    tasks: dict[str, int] = {}
    episode_rows: list[dict] = []
    facts = {row[F.EPISODE_ID]: row for row in _episode_facts(source)}
    frames = 0
    files = layout.steps_files()
    progress.start(len(files), 0, "export")
    for k, path in enumerate(files):
        table = read_parquet(path)
        batch, rows = _frames(table, card.features, columns, tasks, fps, frames, len(episode_rows))
        target = staging / DATA_PATH.format(**chunk_and_file(k))
        target.parent.mkdir(parents=True, exist_ok=True)
        datasets.Dataset.from_dict(batch, features=schema).to_parquet(str(target))
        for episode in rows:
            episode.update({"data/chunk_index": k // CHUNKS_SIZE, "data/file_index": k % CHUNKS_SIZE,
                            "meta/episodes/chunk_index": 0, "meta/episodes/file_index": 0})
            episode.update({key: facts.get(episode["sim2act.episode_id"], {}).get(key) for key in EPISODE_FACTS})
            episode_rows.append(episode)
        frames += table.num_rows
        progress.advance(1)
    if not episode_rows:
        raise Sim2ActError(f"dataset {source} has no episodes to export")

    target = staging / EPISODES_PATH.format(chunk_index=0, file_index=0)
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(episode_rows), target)
    pd.DataFrame({"task_index": list(tasks.values())}, index=pd.Index(list(tasks), name="task")).to_parquet(
        staging / TASKS_PATH)
    (staging / STATS_PATH).write_text(json.dumps(_merged_stats(episode_rows), indent=2) + "\n")
    info = {
        "codebase_version": CODEBASE_VERSION, "robot_type": card.domain, "total_episodes": len(episode_rows),
        "total_frames": frames, "total_tasks": len(tasks), "chunks_size": CHUNKS_SIZE,
        "data_files_size_in_mb": DATA_FILES_SIZE_IN_MB, "video_files_size_in_mb": VIDEO_FILES_SIZE_IN_MB,
        "fps": fps, "splits": {card.split: f"0:{len(episode_rows)}"}, "data_path": DATA_PATH, "video_path": None,
        "features": features,
    }
    (staging / INFO_PATH).write_text(json.dumps(info, indent=4) + "\n")
    (staging / README).write_text(_card(info, card, out.name), encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    return info


def _card(info: dict, card, name: str) -> str:
    """LeRobot's Hub card for the export: its data files as the default config, ``info.json`` in full."""
    front = {
        "license": LICENSE, "task_categories": ["robotics"], "tags": ["LeRobot", "sim2act", card.domain],
        "size_categories": [size_category(info["total_frames"])],
        "configs": [{"config_name": "default", "data_files": "data/*/*.parquet"}],
    }
    return card_text(front, [
        f"# sim2act · {card.domain} · {card.split} split, as a LeRobot v3.0 dataset",
        (
            f"Exported by sim2act {card.codebase_version} from a sim2act dataset of {info['total_episodes']:,} episodes, "
            f"{info['total_frames']:,} frames and {info['total_tasks']:,} instructions (LeRobot tasks); see the source "
            "dataset's card for how it was generated. Episode rows in `meta/episodes` also carry sim2act's facts "
            "(`success`, `label`, `original_instruction`, `level`, `seed`, `split`)."
        ),
        (
            f"```python\nfrom lerobot.datasets.lerobot_dataset import LeRobotDataset\n\n"
            f"dataset = LeRobotDataset('{repo_id(card)}', root='{name}')\n```"
        ),
        f"## meta/info.json\n\n```json\n{json.dumps(info, indent=4)}\n```",
    ])


def _episode_facts(source: Path) -> list[dict]:
    return load_episodes(source).select([F.EPISODE_ID, *EPISODE_FACTS]).to_pylist()


def _frames(table: pa.Table, card_features: dict, columns: dict, tasks: dict[str, int], fps: int, first_index: int,
            first_episode: int) -> tuple[dict[str, list], list[dict]]:
    """One shard's rows as LeRobot columns, and its episodes' metadata rows (with their statistics)."""
    ids = table[F.EPISODE_ID].to_numpy()
    steps = table[F.STEP].to_numpy().astype(np.int64)
    instructions = table[F.INSTRUCTION].to_pylist()
    arrays = {name: feature_array(table[name], card_features[name]["dtype"], tuple(card_features[name]["shape"]))
              for name in columns}
    done = table[F.TERMINATED].to_numpy(zero_copy_only=False) | table[F.TRUNCATED].to_numpy(zero_copy_only=False)
    for instruction in instructions:
        tasks.setdefault(instruction, len(tasks))
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    bounds = list(zip(starts, [*starts[1:], len(ids)]))
    episode_index = np.empty(len(ids), np.int64)
    for rank, (a, b) in enumerate(bounds):
        episode_index[a:b] = first_episode + rank
    batch = {
        "timestamp": (steps / fps).astype(np.float32).tolist(), "frame_index": steps.tolist(),
        "episode_index": episode_index.tolist(), "index": (first_index + np.arange(len(ids))).tolist(),
        "task_index": [tasks[i] for i in instructions], "next.done": done.tolist(),
    }
    for name, (key, feature) in columns.items():
        values = arrays[name]
        if feature["dtype"] == "image":
            batch[key] = [{"bytes": _png(frame), "path": None} for frame in values]
        else:
            batch[key] = values.reshape(len(ids), *feature["shape"]).tolist() if feature["shape"] != [1] else values.reshape(-1).tolist()
    episodes = []
    for rank, (a, b) in enumerate(bounds):
        row = {"episode_index": first_episode + rank, "tasks": [instructions[a]], "length": int(b - a),
               "dataset_from_index": first_index + int(a), "dataset_to_index": first_index + int(b),
               "sim2act.episode_id": int(ids[a])}
        for name, (key, feature) in columns.items():
            for stat, value in _stats(arrays[name][a:b], feature).items():
                row[f"stats/{key}/{stat}"] = value
        episodes.append(row)
    return batch, episodes


def _png(frame: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(frame if frame.shape[-1] == 3 else frame[..., 0]).save(buffer, format="PNG")
    return buffer.getvalue()


def _stats(values: np.ndarray, feature: dict) -> dict[str, list]:
    """min/max/mean/std/count over an episode's frames: per channel, shaped (C, 1, 1), for 3-D arrays (images in
    [0, 1]), per element otherwise."""
    values = values.astype(np.float64)
    if feature["dtype"] == "image":
        values = values / 255.0
    if values.ndim == 4:
        flat = values.reshape(-1, values.shape[-1])
        shape = (values.shape[-1], 1, 1)
    else:
        flat = values.reshape(len(values), -1)
        shape = tuple(feature["shape"])
    stats = {"min": flat.min(0), "max": flat.max(0), "mean": flat.mean(0), "std": flat.std(0)}
    out = {name: value.reshape(shape).tolist() for name, value in stats.items()}
    out["count"] = [len(values)]
    return out


def _merged_stats(episodes: list[dict]) -> dict[str, dict[str, list]]:
    """The dataset's statistics from its episodes' (counts weight the means and second moments)."""
    keys = sorted({key.split("/")[1] for key in episodes[0] if key.startswith("stats/")})
    merged = {}
    for key in keys:
        def get(stat: str, key: str = key) -> np.ndarray:
            return np.array([e[f"stats/{key}/{stat}"] for e in episodes], np.float64)

        weights = get("count").reshape(-1, *[1] * (get("mean").ndim - 1))
        total = weights.sum()
        mean = (get("mean") * weights).sum(0) / total
        second = ((get("std") ** 2 + get("mean") ** 2) * weights).sum(0) / total
        merged[key] = {"min": get("min").min(0).tolist(), "max": get("max").max(0).tolist(), "mean": mean.tolist(),
                       "std": np.sqrt(np.maximum(second - mean**2, 0)).tolist(), "count": [int(total)]}
    return merged
