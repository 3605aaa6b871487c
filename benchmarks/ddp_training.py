"""Data-parallel training under torchrun against one process: samples/s, and whether the checkpoints evaluate alike.

    python benchmarks/ddp_training.py --data runs/quick/data [--steps 600] [--batch-size 128] [--episodes 300] \
        [--split test_unseen_composition] [--out results/ddp-training/gotolocal.json]

Trains the same config on DATA twice, as a user would: ``sim2act train`` (one process, its intra-op threads on every
core) and ``torchrun --standalone --nproc-per-node 2 -m sim2act train`` (two processes, one thread each; gloo),
one after the other on the same machine; then evaluates both checkpoints on ``--split`` (greedy, the same seeds)
and reports each success rate with its 95% Wilson interval, the difference, and samples/s of each.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TRAINED = re.compile(r"trained (\d+) steps \(([\d,]+) samples in (\d+)s, ([\d,]+) samples/s\)")


def run(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr[-2000:]}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--episodes", type=int, default=300)
    parser.add_argument("--split", default="test_unseen_composition")
    parser.add_argument("--out", type=Path, default=Path("runs/ddp-training.json"))
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="ddp-bench-"))
    train = ["-m", "sim2act", "train", "--data", str(args.data), "--steps", str(args.steps),
             "--batch-size", str(args.batch_size), "--checkpoint-every", str(args.steps), "--device", "cpu"]
    launches = {
        "1 process": [sys.executable, *train, "--out", str(scratch / "single")],
        "2 processes (torchrun)": [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                                   *train, "--out", str(scratch / "ddp")],
    }
    results = {}
    try:
        for name, command in launches.items():
            steps, samples, seconds, rate = TRAINED.search(run(command)).groups()
            folder = Path(command[command.index("--out") + 1])
            run([sys.executable, "-m", "sim2act", "eval", "--checkpoint", str(folder), "--out", str(folder / "eval"),
                 "--split", args.split, "--episodes", str(args.episodes)])
            overall = json.loads((folder / "eval" / "eval_info.json").read_text())["overall"]
            results[name] = {"samples": int(samples.replace(",", "")), "seconds": int(seconds),
                             "samples_per_s": int(rate.replace(",", "")), "success_rate": overall["success_rate"],
                             "ci_low": overall["ci_low"], "ci_high": overall["ci_high"], "episodes": args.episodes}
            print(name, results[name], flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    one, two = results.values()
    summary = {"config": {k: str(v) for k, v in vars(args).items()}, "runs": results,
               "speedup": two["samples_per_s"] / one["samples_per_s"],
               "success_difference_points": 100 * (two["success_rate"] - one["success_rate"])}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "config"}, indent=2))


if __name__ == "__main__":
    main()
