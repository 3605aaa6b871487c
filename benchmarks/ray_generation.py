"""Generation throughput on Ray (1 and 2 workers) against the local executor, measured in one run.

    python benchmarks/ray_generation.py [--domain grid] [--level GoToLocal] [--episodes 800] [--repeats 3] \
        [--env key=value ...] [--out results/ray-generation/grid.json]

The same ``GenerateConfig`` (uniform proposer) is generated ``--repeats`` times by each executor, interleaved
(local, Ray ×1, Ray ×2, local, ...) so a noisy machine slows all of them alike. Per call it records executed
env steps per second over the shard phase (``GenerationSummary.steps_per_second``) and over the whole call
(Ray's actor start-up and shipping included), and checks the datasets are equal. A private local Ray cluster
is started once (its start-up time is reported apart).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sim2act.data.reader import load_steps
from sim2act.envs import parse_env_options
from sim2act.rollout.executors import ExecutorConfig, make_executor
from sim2act.rollout.generation import GenerateConfig, generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domain", default="grid")
    parser.add_argument("--level", default=None)
    parser.add_argument("--episodes", type=int, default=800)
    parser.add_argument("--shard-episodes", type=int, default=50)
    parser.add_argument("--num-envs", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--out", type=Path, default=Path("runs/ray-generation.json"))
    args = parser.parse_args()
    config = GenerateConfig(domain=args.domain, level=args.level, episodes=args.episodes, seed=0,
                            shard_episodes=args.shard_episodes, num_envs=args.num_envs,
                            env=parse_env_options(args.env)).validated()
    scratch = Path(tempfile.mkdtemp(prefix="ray-bench-"))
    started = time.perf_counter()
    cluster = make_executor(ExecutorConfig("ray"))
    cluster_seconds = time.perf_counter() - started
    runs: dict[str, list[dict]] = {"local": [], "ray-1": [], "ray-2": []}
    reference = None
    try:
        for repeat in range(args.repeats):
            for name in runs:
                # on the running cluster, a Ray executor joins it (and leaves it up when closed)
                executor = make_executor() if name == "local" else \
                    make_executor(ExecutorConfig("ray", workers=int(name.split("-")[1])))
                out = scratch / f"{name}-{repeat}"
                began = time.perf_counter()
                summary = generate(config, out, executor=executor)
                wall = time.perf_counter() - began
                steps = load_steps(out)
                reference = reference if reference is not None else steps
                runs[name].append({"executed_steps": summary.executed_steps, "shard_phase_s": summary.seconds,
                                   "steps_per_s": summary.steps_per_second, "call_s": wall,
                                   "steps_per_s_whole_call": summary.executed_steps / wall,
                                   "same_dataset": steps.equals(reference)})
                print(f"{name:6s} repeat {repeat}: {summary.steps_per_second:7,.0f} steps/s "
                      f"({summary.executed_steps / wall:7,.0f} over the whole call)", flush=True)
                shutil.rmtree(out)
    finally:
        cluster.close()
        shutil.rmtree(scratch, ignore_errors=True)

    medians = {name: statistics.median(r["steps_per_s"] for r in rows) for name, rows in runs.items()}
    whole = {name: statistics.median(r["steps_per_s_whole_call"] for r in rows) for name, rows in runs.items()}
    result = {
        "config": {k: v for k, v in vars(args).items() if k != "out"},
        "ray_cluster_start_s": cluster_seconds,
        "runs": runs,
        "median_steps_per_s": medians,
        "median_steps_per_s_whole_call": whole,
        "ray2_over_ray1": medians["ray-2"] / medians["ray-1"],
        "ray1_over_local": medians["ray-1"] / medians["local"],
        "ray2_over_local": medians["ray-2"] / medians["local"],
        "all_datasets_equal": all(r["same_dataset"] for rows in runs.values() for r in rows),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("runs", "config")}, indent=2))


if __name__ == "__main__":
    main()
