"""Generation throughput against the raw env, measured in one run.

    python benchmarks/generation_throughput.py [--level GoToLocal] [--steps 40000] [--episodes 1000]

Prints the raw steps/s of the sim2act env (uniform random actions, no logging), of minigrid's own
``RGBImgPartialObsWrapper`` env for reference, and of ``sim2act generate`` (uniform proposer, tasks
drawn from the train split, written to zstd Parquet), then the ratio generation / raw env.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
from minigrid.wrappers import RGBImgPartialObsWrapper

from sim2act.envs import make
from sim2act.envs.grid.levels import babyai_id
from sim2act.rollout.generation import GenerateConfig, generate


def raw_steps_per_second(env: gym.Env, steps: int, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    n_actions = int(env.action_space.n)
    env.reset(seed=seed)
    started = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(int(rng.integers(n_actions)))
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", default="GoToLocal")
    parser.add_argument("--steps", type=int, default=40_000, help="raw env steps to time")
    parser.add_argument("--episodes", type=int, default=1_000, help="episodes to generate")
    args = parser.parse_args()

    ours = raw_steps_per_second(make("grid", args.level), args.steps)
    reference_env = RGBImgPartialObsWrapper(gym.make(babyai_id(args.level)), tile_size=8)
    with contextlib.redirect_stdout(io.StringIO()):  # minigrid's rejection sampler prints
        reference = raw_steps_per_second(reference_env, args.steps)
    with tempfile.TemporaryDirectory() as tmp:
        summary = generate(GenerateConfig(level=args.level, episodes=args.episodes), Path(tmp) / "bench")
        size = sum(p.stat().st_size for p in (Path(tmp) / "bench").rglob("*.parquet"))
    raw_bytes = summary.steps * 56 * 56 * 3
    print(f"level                          {args.level}")
    print(f"minigrid RGBImgPartialObs env  {reference:8,.0f} steps/s (reference)")
    print(f"sim2act env, raw               {ours:8,.0f} steps/s")
    print(f"sim2act generate (uniform)     {summary.steps_per_second:8,.0f} steps/s  ({summary.steps:,} steps, {summary.seconds:.1f} s)")
    print(f"parquet size                   {size / 1e6:8.2f} MB for {raw_bytes / 1e6:,.0f} MB of raw frames ({raw_bytes / size:,.0f}x)")
    print(f"ratio generate / raw env       {summary.steps_per_second / ours:8.2f}  (target >= 0.80)")


if __name__ == "__main__":
    main()
