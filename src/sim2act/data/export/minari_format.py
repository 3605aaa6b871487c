"""``sim2act export --format minari``: a sim2act dataset as a Minari dataset, written through Minari's own API.

Observations are a ``Dict`` of the dataset's observation arrays plus ``instruction`` in a ``Text`` space; images
are stored exactly (no JPEG); actions keep their space; ``infos["success"]`` (shape (T + 1, 1)) carries the
verifier's flag per step. Minari wants T + 1 observations for T actions, the last being what the final action led to; a sim2act
dataset records the observation each action was taken from and not the terminal frame, so the last recorded
observation is repeated as the final one (say so to anyone bootstrapping from it). The dataset id is
``sim2act/<domain>-<level>/<name>-v0`` under ``--out`` (Minari's ``MINARI_DATASETS_PATH``).
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from sim2act import features as F
from sim2act.data.reader import feature_array, load_episodes, load_steps, open_dataset
from sim2act.data.schema import observation_names
from sim2act.data.shards import read_parquet
from sim2act.errors import Sim2ActError
from sim2act.progress import Progress

INSTRUCTION_CHARSET = frozenset(" abcdefghijklmnopqrstuvwxyz0123456789,.'-")


def dataset_id(card, name: str) -> str:
    level = card.runs[0]["config"]["level"] if card.runs else "all"
    return f"sim2act/{card.domain}-{level}/{name}-v0".lower().replace("_", "-")


def export_minari(source: Path, out: Path, fps: int | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Write ``source`` as a Minari dataset under ``out``; return a summary like LeRobot's ``info.json`` totals.

    Shard by shard: the first shard's episodes create the dataset, the others are appended, so memory holds one
    shard's frames whatever the dataset's size.
    """
    try:
        import minari
        from gymnasium import spaces
    except ImportError:
        raise Sim2ActError("--format minari needs Minari: pip install 'sim2act[minari]'") from None
    progress = progress or Progress()
    out = Path(out).resolve()  # Minari measures a dataset's size wrongly under a relative MINARI_DATASETS_PATH
    layout, card = open_dataset(source)
    names = observation_names(card.features)
    instructions = sorted(set(load_steps(source, columns=[F.INSTRUCTION])[F.INSTRUCTION].to_pylist()))
    if not instructions:
        raise Sim2ActError(f"dataset {source} has no episodes to export")
    charset = frozenset("".join(instructions)) | INSTRUCTION_CHARSET
    observation_space = spaces.Dict({
        **{n: _box(card.features[n]) for n in names},
        F.INSTRUCTION: spaces.Text(max_length=max(map(len, instructions)) + 16, charset="".join(sorted(charset))),
    })
    seeds = dict(zip(*(load_episodes(source)[c].to_pylist() for c in (F.EPISODE_ID, F.SEED))))
    name = dataset_id(card, source.name)
    files = layout.steps_files()
    progress.start(len(files), 0, "export")
    saved = os.environ.get("MINARI_DATASETS_PATH")
    os.environ["MINARI_DATASETS_PATH"] = str(out)
    dataset, episodes, frames = None, 0, 0
    try:
        if (out / name).exists():
            shutil.rmtree(out / name)
        for path in files:
            buffers = _episode_buffers(read_parquet(path), card, names, seeds, first_id=episodes)
            episodes += len(buffers)
            frames += sum(len(b.actions) for b in buffers)
            if dataset is None and buffers:
                with warnings.catch_warnings():  # it warns that no env spec was given: a dataset here has none to give
                    warnings.simplefilter("ignore", UserWarning)
                    dataset = minari.create_dataset_from_buffers(
                        name, buffers[:1], action_space=_action_space(card.action_space),
                        observation_space=observation_space, algorithm_name="sim2act",
                        description=f"sim2act {card.domain} dataset ({card.split} split), self-supervised labels, "
                                    "no expert",
                        data_format="arrow", jpeg_encoding=False,
                    )
                # Minari 0.5 measures the whole folder again after every episode it adds (quadratic in episodes:
                # hours for a release's level), so the size is measured once, at the end.
                dataset.storage.get_size = lambda: 0.0
                buffers = buffers[1:]
            if buffers:
                dataset.update_dataset_from_buffer(buffers)
            progress.advance(1)
        if dataset is not None:
            del dataset.storage.get_size
            dataset.storage.update_metadata({"dataset_size": dataset.storage.get_size()})
    finally:
        if saved is None:
            os.environ.pop("MINARI_DATASETS_PATH", None)
        else:
            os.environ["MINARI_DATASETS_PATH"] = saved
    return {"codebase_version": f"minari {minari.__version__}", "dataset_id": name, "total_episodes": episodes,
            "total_frames": frames, "total_tasks": len(instructions)}


def _episode_buffers(steps, card, names: list[str], seeds: dict[int, int], first_id: int) -> list:
    """One shard's episodes as Minari buffers (ids from ``first_id``)."""
    from minari.data_collector import EpisodeBuffer

    arrays = {n: feature_array(steps[n], card.features[n]["dtype"], tuple(card.features[n]["shape"])) for n in names}
    action = card.features[F.ACTION]
    actions = feature_array(steps[F.ACTION], action["dtype"], tuple(action["shape"]))
    instructions = steps[F.INSTRUCTION].to_pylist()
    ids = steps[F.EPISODE_ID].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.array([], int)
    rewards = steps[F.REWARD].to_numpy()
    terminated, truncated = (steps[c].to_numpy(zero_copy_only=False) for c in (F.TERMINATED, F.TRUNCATED))
    success = steps[F.SUCCESS].to_numpy(zero_copy_only=False)
    buffers = []
    for a, b in zip(starts, [*starts[1:], len(ids)]):
        final = list(range(a, b)) + [b - 1]  # T + 1 observations: the last recorded one stands for the terminal frame
        buffers.append(EpisodeBuffer(
            id=first_id + len(buffers), seed=int(seeds[int(ids[a])]),
            observations={**{n: arrays[n][final] for n in names}, F.INSTRUCTION: [instructions[i] for i in final]},
            actions=actions[a:b], rewards=rewards[a:b].tolist(), terminations=terminated[a:b].tolist(),
            # (T + 1, 1): Minari 0.5's arrow storage cannot read back the shape of a 1-D info array
            truncations=truncated[a:b].tolist(), infos={"success": np.r_[False, success[a:b]][:, None]},
        ))
    return buffers


def _box(spec: dict):
    from gymnasium import spaces

    shape = tuple(spec["shape"])
    if spec["dtype"] == "uint8":
        return spaces.Box(0, 255, shape, np.uint8)
    dtype = np.dtype(spec["dtype"])
    return spaces.Box(np.full(shape, -np.inf, dtype), np.full(shape, np.inf, dtype), dtype=dtype)


def _action_space(description: dict):
    from gymnasium import spaces

    if description["type"] == "discrete":
        return spaces.Discrete(description["n"])
    if description["type"] == "multi_discrete":
        return spaces.MultiDiscrete(description["nvec"])
    return spaces.Box(np.array(description["low"], np.float32), np.array(description["high"], np.float32))
