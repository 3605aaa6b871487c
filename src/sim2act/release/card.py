"""The corpus card ``README.md`` of a release: one Hub config per level, totals, per-level statistics, the loops
that trained the proposers, sizes and build times, all read from ``release.json`` and the levels' datasets."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from sim2act.data.hub_card import CONTACT_SHEET, LICENSE, README, card_text, hf_features, size_category
from sim2act.data.layout import DatasetLayout
from sim2act.data.statistics import dataset_statistics
from sim2act.release.folder import ReleaseFolder


def write_release_card(folder: ReleaseFolder, state: dict) -> Path:
    """Write ``README.md`` at the release's root; return its path."""
    levels = [record for record in state["levels"].values() if record.get("bytes")]
    rows, configs, features = [], [], []
    for record in levels:
        dataset = folder.dataset(record["domain"], record["level"])
        stats = dataset_statistics(dataset)
        name = f"{record['domain']}-{record['level']}"
        files = DatasetLayout(dataset).steps_files()
        configs.append({"config_name": name, "data_files": [
            {"split": "train", "path": f"{dataset.relative_to(folder.root)}/data/*.parquet"}]})
        if files:
            features.append({"config_name": name, "features": hf_features(pq.read_schema(files[0]))})
        rows.append((record, stats))
    triplets = sum(stats.steps for _, stats in rows)
    front = {
        "license": LICENSE, "task_categories": ["robotics"],
        "tags": ["sim2act", "language-conditioned", "self-supervised", "simulation",
                 *sorted({record["domain"] for record in levels})],
        "pretty_name": "sim2act corpus", "size_categories": [size_category(triplets)],
        "configs": configs, "dataset_info": features,
    }
    sections = [
        "# The sim2act corpus",
        ("(observation, instruction, action) triplets from simulators, no expert demonstrations: in each domain a "
         "Sim2Act loop pretrains the vision-language prior π0 on simulator-captioned frames and trains π_θ from the "
         "data π0 and then α·π_θ + (1 − α)·Uniform propose; every level is then rolled out with that mixture and "
         "labelled by the simulator (its verifier, hindsight relabels, loop erasure where exact). Only the train "
         "split's tasks are rolled out; the held-out splits (unseen compositions, unseen layouts) stay unseen."),
        "## Totals\n\n" + _totals(folder, state, rows),
        "## Levels\n\n" + _levels_table(rows),
        "## The loops that trained the proposers\n\n" + _loops_table(state),
        "## Samples\n\n" + "\n\n".join(
            f"**{r['domain']} · {r['level']}**\n\n![{r['domain']} {r['level']}]"
            f"({folder.dataset(r['domain'], r['level']).relative_to(folder.root)}/{CONTACT_SHEET})"
            for r, stats in rows if stats.steps),
        ("## Loading\n\nEach level is a sim2act dataset (`<domain>-<level>/sim2act`, its own card tells how it was "
         "generated and how to load it), a LeRobot v3.0 dataset (`<domain>-<level>/lerobot`) and a Minari dataset "
         "(under `minari/`, Minari's `MINARI_DATASETS_PATH`). With `datasets`, each level is a config of this "
         "folder:\n\n```python\nfrom datasets import load_dataset\n\n"
         f"steps = load_dataset('release', '{configs[0]['config_name'] if configs else '<domain>-<level>'}', "
         "split='train')\n```"),
        (f"## How it was built\n\n`sim2act release --out release` with:\n\n```json\n"
         f"{json.dumps(state['config'], indent=2)}\n```"),
    ]
    path = folder.root / README
    path.write_text(card_text(front, sections), encoding="utf-8")
    return path


def _totals(folder: ReleaseFolder, state: dict, rows: list) -> str:
    loops = state["loops"].values()
    counts = [record["counts"] for record, _ in rows]
    simulator = sum(loop["simulator_steps"] for loop in loops) + sum(
        c["executed_steps"] + c["preview_steps"] for c in counts)
    seconds = sum(loop["seconds"] for loop in loops) + sum(sum(r["seconds"].values()) for r, _ in rows)
    size = {"sim2act": sum(r["bytes"] for r, _ in rows)}
    for record, _ in rows:
        for format, export in record["exports"].items():
            size[format] = size.get(format, 0) + export["bytes"]
    lines = [
        ("levels", f"{len(rows)} in {len(state['loops'])} domain{'s' if len(state['loops']) != 1 else ''}"),
        ("triplets (kept steps)", f"{sum(s.steps for _, s in rows):,}"),
        ("episodes (kept)", f"{sum(s.episodes for _, s in rows):,}"),
        ("distinct instructions", f"{sum(s.distinct_instructions for _, s in rows):,} (summed over levels)"),
        ("simulator steps spent", (f"{simulator:,} (loops: π0's frames, rollouts, previews; levels: rollouts, "
                                   "previews; loop evaluations not counted)")),
        ("size", ", ".join(f"{format} {readable_size(b)}" for format, b in size.items())),
        ("build time on the machine that built it", f"{seconds / 3600:.2f} h (loops, generations and exports)"),
    ]
    return "| | |\n|---|---|\n" + "\n".join(f"| {name} | {value} |" for name, value in lines)


def _levels_table(rows: list) -> str:
    header = ("| domain | level | episodes | triplets | rollouts | executed steps | preview steps | rollouts' own "
              "success | relabeled | instructions | size (sim2act) | minutes |\n|---|---|---|---|---|---|---|---|---|---|---|---|")
    lines = []
    for record, stats in rows:
        c = record["counts"]
        lines.append(
            f"| {record['domain']} | {record['level']} | {stats.episodes:,} | {stats.steps:,} | {c['rollouts']:,} | "
            f"{c['executed_steps']:,} | {c['preview_steps']:,} | {c['rollout_successes'] / max(c['rollouts'], 1):.1%} | "
            f"{c['relabeled']:,} | {stats.distinct_instructions:,} | {readable_size(record['bytes'])} | "
            f"{sum(record['seconds'].values()) / 60:.1f} |")
    return header + "\n" + "\n".join(lines)


def _loops_table(state: dict) -> str:
    header = ("| domain | loop run | simulator steps | kept steps | π_θ on unseen compositions (95% CI, n) | minutes |\n"
              "|---|---|---|---|---|---|")
    lines = []
    for domain, loop in state["loops"].items():
        held = loop["final"].get("test_unseen_composition")
        success = (f"{held['success']:.1%} ({held['low']:.1%}–{held['high']:.1%}, n = {held['episodes']})"
                   if held else "-")
        lines.append(f"| {domain} | `{loop['path']}` (round {loop['best_round']}) | {loop['simulator_steps']:,} | "
                     f"{loop['kept_steps']:,} | {success} | {loop['seconds'] / 60:.1f} |")
    return header + "\n" + "\n".join(lines)


def readable_size(size: int) -> str:
    """``size`` bytes in MB below a gigabyte, in GB above.

    >>> readable_size(2_345_000_000), readable_size(12_300_000)
    ('2.35 GB', '12.3 MB')
    """
    return f"{size / 1e9:.2f} GB" if size >= 1e9 else f"{size / 1e6:.1f} MB"
