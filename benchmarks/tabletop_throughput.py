"""Tabletop throughput, measured in one run: raw ee_delta steps/s, pick_place primitives/s, generation / raw.

    python benchmarks/tabletop_throughput.py [--level put-in-bowl] [--steps 3000] [--primitives 150] [--episodes 40]

Raw rates step one env with uniform random actions and RGB-D 64×64 observations, resetting when an
episode ends (resets included). ``sim2act generate`` then runs the uniform proposer on the same
mode and level, writing zstd Parquet, and the ratio generation / raw is printed per mode. One process
(rendering is Mesa's llvmpipe, physics MuJoCo), so the figures are per process.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from sim2act.envs import make
from sim2act.rollout.generation import GenerateConfig, generate


def raw_steps_per_second(level: str, mode: str, steps: int, seed: int = 0) -> float:
    env = make("tabletop", level, action_mode=mode)
    env.action_space.seed(seed)
    env.reset(seed=seed)
    started = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
    rate = steps / (time.perf_counter() - started)
    env.close()
    return rate


def generation_steps_per_second(level: str, mode: str, episodes: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        config = GenerateConfig(domain="tabletop", level=level, episodes=episodes, num_envs=1, env={"action_mode": mode})
        return generate(config, Path(tmp) / "data").steps_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", default="put-in-bowl")
    parser.add_argument("--steps", type=int, default=3000, help="raw ee_delta steps to time")
    parser.add_argument("--primitives", type=int, default=150, help="raw pick_place primitives to time")
    parser.add_argument("--episodes", type=int, default=40, help="episodes to generate per mode")
    args = parser.parse_args()

    ee_raw = raw_steps_per_second(args.level, "ee_delta", args.steps)
    pp_raw = raw_steps_per_second(args.level, "pick_place", args.primitives)
    ee_gen = generation_steps_per_second(args.level, "ee_delta", args.episodes)
    pp_gen = generation_steps_per_second(args.level, "pick_place", args.episodes * 10)
    print(f"level                              {args.level} (RGB-D 64x64, one process)")
    print(f"ee_delta raw                       {ee_raw:8.1f} steps/s (target >= 300)")
    print(f"pick_place raw                     {pp_raw:8.1f} primitives/s (target >= 20)")
    print(f"ee_delta generate (uniform)        {ee_gen:8.1f} steps/s, ratio {ee_gen / ee_raw:.2f} (target >= 0.80)")
    print(f"pick_place generate (uniform)      {pp_gen:8.1f} primitives/s, ratio {pp_gen / pp_raw:.2f} (target >= 0.80)")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
