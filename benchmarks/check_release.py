"""Load every level of a built release the four ways its card promises, and count what comes back.

    python benchmarks/check_release.py release [--out results/release-check.json]

Per level (``release.json``): pandas reads the sim2act Parquet (rows == the level's kept triplets); the
release folder's own ``datasets`` config streams its first rows (``load_dataset(release, "<domain>-<level>")``);
the LeRobot v3.0 export passes ``validate_lerobot`` and its first data file loads with
``datasets.Dataset.from_parquet`` under the features LeRobot derives from ``info.json``; and the Minari
dataset loads with ``minari.load_dataset``, its episode count equal to the level's, and its first
episodes iterate with their instruction and actions. Any failure is named and the script exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import datasets
import minari
import pandas as pd
import pyarrow.parquet as pq

from sim2act.data.export.lerobot_format import INFO_PATH, hf_features, validate_lerobot
from sim2act.data.layout import DatasetLayout
from sim2act.release.folder import ReleaseFolder


def check_level(release: ReleaseFolder, name: str, level: dict) -> dict:
    config_name = release.level(level["domain"], level["level"]).name  # the corpus card's datasets config
    expected_steps, expected_episodes = level["counts"]["steps"], level["counts"]["episodes"]
    problems: list[str] = []
    started = time.perf_counter()

    files = DatasetLayout(release.dataset(level["domain"], level["level"])).steps_files()
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    first = pd.read_parquet(files[0])
    if rows != expected_steps:
        problems.append(f"sim2act Parquet: {rows} rows, release.json says {expected_steps}")
    if not {"instruction", "action", "success"} <= set(first.columns):
        problems.append(f"sim2act Parquet: columns {sorted(first.columns)}")

    streamed = list(datasets.load_dataset(str(release.root), config_name, split="train", streaming=True).take(4))
    if len(streamed) != 4 or streamed[0]["instruction"] != first["instruction"].iloc[0]:
        problems.append("datasets config: its first rows differ from the Parquet's")

    lerobot = release.export(level["domain"], level["level"], "lerobot")
    problems += [f"LeRobot: {p}" for p in validate_lerobot(lerobot)]
    info = json.loads((lerobot / INFO_PATH).read_text())
    data_file = min((lerobot / "data").glob("*/*.parquet"))
    frames = datasets.Dataset.from_parquet(str(data_file), features=hf_features(info["features"]), keep_in_memory=True)
    if info["total_frames"] != expected_steps or info["total_episodes"] != expected_episodes:
        problems.append(f"LeRobot: {info['total_frames']} frames / {info['total_episodes']} episodes in info.json")
    if len(frames) == 0:
        problems.append("LeRobot: its first data file is empty")

    os.environ["MINARI_DATASETS_PATH"] = str(release.minari.resolve())
    dataset = minari.load_dataset(level["exports"]["minari"]["dataset_id"])
    if dataset.total_episodes != expected_episodes or dataset.total_steps != expected_steps:
        problems.append(f"Minari: {dataset.total_episodes} episodes / {dataset.total_steps} steps")
    for k, episode in enumerate(dataset.iterate_episodes()):
        if not isinstance(episode.observations["instruction"][0], str) or len(episode.actions) < 1:
            problems.append(f"Minari: episode {episode.id} lacks its instruction or actions")
        if k == 2:
            break
    return {"level": name, "triplets": rows, "episodes": expected_episodes, "lerobot_first_file_frames": len(frames),
            "minari_episodes": dataset.total_episodes, "seconds": round(time.perf_counter() - started, 1),
            "problems": problems}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("release", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="write the per-level checks as JSON here")
    args = parser.parse_args()
    release = ReleaseFolder(args.release)
    manifest = json.loads(release.state.read_text())
    datasets.disable_progress_bars()
    checks = []
    for name, level in manifest["levels"].items():
        check = check_level(release, name, level)
        checks.append(check)
        status = "ok" if not check["problems"] else "; ".join(check["problems"])
        print(f"{name:40s} {check['triplets']:>9,} triplets {check['episodes']:>7,} episodes  {check['seconds']:6.1f} s  {status}")
    total = sum(c["triplets"] for c in checks)
    failed = [c["level"] for c in checks if c["problems"]]
    print(f"{len(checks)} levels, {total:,} triplets; {'all load' if not failed else 'FAILED: ' + ', '.join(failed)}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"levels": checks, "triplets": total, "failed": failed}, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
