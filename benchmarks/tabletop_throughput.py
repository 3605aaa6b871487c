"""Tabletop throughput, measured in one run: raw ee_delta steps/s, pick_place primitives/s, generation / raw.

    python benchmarks/tabletop_throughput.py [--level put-in-bowl] [--steps 3000] [--primitives 150] [--episodes 40]

Raw rates step one env with uniform random actions and RGB-D 64×64 observations, resetting when an
episode ends (resets included). ``sim2act generate`` runs the uniform proposer on the same mode and
level, writing zstd Parquet in shards of 10 episodes (as a long generation does, the writer thread
commits a shard while the env steps on), and the ratio generation / raw is printed per mode. The raw
rate is timed before and after generation and averaged, so a drift of the shared machine's speed
does not masquerade as overhead. One process (rendering is Mesa's llvmpipe, physics MuJoCo), so the
figures are per process.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from random_steps import random_steps_per_second

from sim2act.envs import make
from sim2act.rollout.generation import GenerateConfig, generate


def raw_steps_per_second(level: str, mode: str, steps: int, seed: int = 0) -> float:
    return random_steps_per_second(make("tabletop", level, action_mode=mode), steps, seed)


def generation_steps_per_second(level: str, mode: str, episodes: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        config = GenerateConfig(
            domain="tabletop", level=level, episodes=episodes, num_envs=1, shard_episodes=10, env={"action_mode": mode},
        )
        return generate(config, Path(tmp) / "data").steps_per_second


def timed_pair(level: str, mode: str, raw_steps: int, episodes: int) -> tuple[float, float]:
    """(raw rate, generation rate) of one mode: raw timed before and after generation, averaged."""
    before = raw_steps_per_second(level, mode, raw_steps)
    generated = generation_steps_per_second(level, mode, episodes)
    after = raw_steps_per_second(level, mode, raw_steps, seed=1)
    return (before + after) / 2, generated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", default="put-in-bowl")
    parser.add_argument("--steps", type=int, default=3000, help="raw ee_delta steps to time (twice)")
    parser.add_argument("--primitives", type=int, default=150, help="raw pick_place primitives to time (twice)")
    parser.add_argument("--episodes", type=int, default=40, help="ee_delta episodes to generate (pick_place: 3×)")
    args = parser.parse_args()

    ee_raw, ee_gen = timed_pair(args.level, "ee_delta", args.steps, args.episodes)
    pp_raw, pp_gen = timed_pair(args.level, "pick_place", args.primitives, args.episodes * 3)
    print(f"level                              {args.level} (RGB-D 64x64, one process)")
    print(f"ee_delta raw                       {ee_raw:8.1f} steps/s (target >= 300)")
    print(f"pick_place raw                     {pp_raw:8.1f} primitives/s (target >= 20)")
    print(f"ee_delta generate (uniform)        {ee_gen:8.1f} steps/s, ratio {ee_gen / ee_raw:.2f} (target >= 0.80)")
    print(f"pick_place generate (uniform)      {pp_gen:8.1f} primitives/s, ratio {pp_gen / pp_raw:.2f} (target >= 0.80)")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
