"""π0 in the tabletop's ee_delta mode: success and how close the gripper comes to the named block.

    python benchmarks/ee_delta_prior.py [--level pick] [--discount 0.93] [--horizons 1,5,10] [--motion-episodes 200] [--out runs/tabletop/ee-pi0]

Pretrains a prior on uniformly collected ee_delta frames (3,000 frames, 300 steps, caption γ =
``--discount``), then generates train-split episodes with uniform deltas, with π0 previewing K = 8
sampled deltas held for each horizon H (``prior_horizon``), and with π0 choosing cells by their scores and
moving there (``prior_mode = "cells"``, T = 0.02: ``proposers.cell_motion``). For every episode it reports success and the
closest the fingertips came to the centre of the block the instruction names (read from the simulator after a
reset to the episode's seed: privileged state, for measurement only). Datasets resume, so a second
call only re-reads them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.envs import make
from sim2act.envs.tabletop.language import compositions
from sim2act.envs.tabletop.primitives import TIP_BELOW_SITE
from sim2act.evaluation.metrics import wilson_interval
from sim2act.priors import PriorConfig, pretrain_prior
from sim2act.rollout.generation import GenerateConfig, generate

ENV = {"action_mode": "ee_delta"}


def closest_approach(dataset: Path, level: str) -> tuple[np.ndarray, np.ndarray]:
    """Per episode: success, and the smallest distance (m) between the fingertips and the named block's centre."""
    table = pq.read_table(sorted((dataset / "data").glob("*.parquet")),
                          columns=["episode_id", "seed", "proprio", "success"]).to_pydict()
    episodes: dict[int, tuple[int, list, list]] = {}
    for episode, seed, proprio, success in zip(table["episode_id"], table["seed"], table["proprio"], table["success"]):
        episodes.setdefault(episode, (seed, [], []))[1].append(proprio[:3])
        episodes[episode][2].append(success)
    env = make("tabletop", level, **ENV)
    base = env.unwrapped
    successes, distances = [], []
    for seed, positions, success in episodes.values():
        env.reset(seed=int(seed))
        named = next(color for color, thing in compositions(base.layout.instruction) if thing == "block")
        block = next(b for b in base.blocks if b.color == named)
        fingertips = np.asarray(positions) - [0.0, 0.0, TIP_BELOW_SITE]
        distances.append(np.linalg.norm(fingertips - base.data.xpos[block.body], axis=1).min())
        successes.append(any(success))
    env.close()
    return np.array(successes), np.array(distances)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", default="pick")
    parser.add_argument("--discount", type=float, default=0.93)
    parser.add_argument("--horizons", default="1,5,10")
    parser.add_argument("--motion-episodes", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("runs/tabletop/ee-pi0"))
    args = parser.parse_args()
    prior = args.out.parent / "priors" / f"ee-{args.level}-g{args.discount}"
    if not (prior / "config.json").exists():
        pretrain_prior(PriorConfig(domain="tabletop", level=args.level, frames=3000, steps=300,
                                   caption_discount=args.discount, env=ENV), prior, overwrite=True)
    runs = {"uniform": GenerateConfig(domain="tabletop", level=args.level, episodes=100, proposer="uniform", env=ENV)}
    for horizon in (int(h) for h in args.horizons.split(",") if h):
        runs[f"prior, H = {horizon}"] = GenerateConfig(
            domain="tabletop", level=args.level, episodes=64, proposer="prior", prior=str(prior),
            prior_horizon=horizon, prior_candidates=8, env=ENV)
    runs["prior, cell motions"] = GenerateConfig(
        domain="tabletop", level=args.level, episodes=args.motion_episodes, proposer="prior", prior=str(prior),
        prior_mode="cells", prior_temperature=0.02, env=ENV)
    print("| π0 | episodes | success (95% CI) | closest approach, median (m) | within 4 cm | preview steps |\n|---|---|---|---|---|---|")
    for name, config in runs.items():
        slug = name.replace(", H = ", "-h").replace("uniform", "uniform-h0").replace(", cell motions", "-cells")
        folder = args.out / f"{args.level}-g{args.discount}-{slug}"
        generate(config, folder)
        previews = load_card(DatasetLayout(folder).card).counts["preview_steps"]
        successes, distances = closest_approach(folder, args.level)
        low, high = wilson_interval(int(successes.sum()), len(successes))
        print(f"| {name} | {len(successes)} | {successes.mean():.1%} ({low:.1%}–{high:.1%}) | {np.median(distances):.3f} | "
              f"{(distances < 0.04).mean():.0%} | {previews:,} |")


if __name__ == "__main__":
    main()
