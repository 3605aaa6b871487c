"""nav3d throughput, measured in one run: raw env steps/s per level, Miniworld's own OneRoom, generation / raw.

    python benchmarks/nav3d_throughput.py [--levels goto,pickup] [--steps 4000] [--episodes 150]

Raw rates step one env with uniform random actions and RGB-D 64×64 observations (the verifier and hindsight
included, as every sim2act step has them), resetting when an episode ends (resets included). Miniworld's
stock ``MiniWorld-OneRoom-v0`` at 64×64 (RGB only, no verifier) is timed beside them as the engine's ceiling.
``sim2act generate`` then runs the uniform proposer on the same level, writing zstd Parquet in shards of 25
episodes, and the ratio generation / raw is printed per level; the raw rate is timed before and after
generation and averaged, so a drift of the shared machine's speed does not masquerade as overhead. One
process (rendering is Mesa's llvmpipe through EGL), so the figures are per process.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import gymnasium as gym
from random_steps import random_steps_per_second

from sim2act.envs import make
from sim2act.rollout.generation import GenerateConfig, generate


def raw_steps_per_second(level: str, steps: int, seed: int = 0) -> float:
    return random_steps_per_second(make("nav3d", level), steps, seed)


def miniworld_one_room(steps: int) -> float:
    import miniworld  # noqa: F401  (registers Miniworld's envs; sim2act.envs has made pyglet headless)

    return random_steps_per_second(gym.make("MiniWorld-OneRoom-v0", obs_width=64, obs_height=64), steps, 0)


def generation_steps_per_second(level: str, episodes: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        config = GenerateConfig(domain="nav3d", level=level, episodes=episodes, num_envs=1, shard_episodes=25)
        return generate(config, Path(tmp) / "data").steps_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="goto,pickup,goto-seq,search")
    parser.add_argument("--steps", type=int, default=4000, help="raw steps to time per level (twice)")
    parser.add_argument("--episodes", type=int, default=150, help="episodes to generate per level")
    args = parser.parse_args()

    print("nav3d throughput (RGB-D 64x64, uniform actions, one process)")
    stock = miniworld_one_room(args.steps)
    print(f"Miniworld OneRoom (stock, RGB)   {stock:8.1f} steps/s")
    for level in args.levels.split(","):
        before = raw_steps_per_second(level, args.steps)
        generated = generation_steps_per_second(level, args.episodes)
        raw = (before + raw_steps_per_second(level, args.steps, seed=1)) / 2
        print(f"{level:<12} raw {raw:8.1f} steps/s (target >= 800 on a quiet day), "
              f"generate {generated:8.1f} steps/s, ratio {generated / raw:.2f} (target >= 0.80)")


if __name__ == "__main__":
    main()
