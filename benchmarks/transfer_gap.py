"""Where a tabletop policy's MuJoCo → PyBullet gap comes from: what it sees, or what the twin's robot does with it.

    python benchmarks/transfer_gap.py CHECKPOINT [--level put-in-bowl] [--split test_unseen_layout] [--episodes 200]
                                      [--out results/tabletop-transfer/gap]

The same tasks (levels and layouts are functions of the seed in both simulators) are played three ways, each with
actions sampled from the checkpoint's policy by a generator seeded alike:
- **own**: the policy sees MuJoCo's frames, MuJoCo executes (the own-simulator figure);
- **twin robot**: the policy sees MuJoCo's frames, and each action it draws is executed in MuJoCo and in the twin in
  lockstep: the twin's success then measures its robot, physics and verifier on decisions made from MuJoCo's frames;
- **twin**: the policy sees the twin's frames, the twin executes (the zero-shot transfer figure).
own − twin robot is the part of the gap that is not perception; twin robot − twin is the renderer's part. It also
reports how often the most likely first action from the twin's frame equals the one from MuJoCo's frame (whole,
and per dimension: on the tabletop the pick cell and the place cell), how far
the two first frames differ in colour and depth, and writes a contact sheet of first frames (MuJoCo above, twin
below).

Privileged state is not read: both simulators' own verifiers decide success.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

from sim2act import features as F
from sim2act.envs import get_domain, make
from sim2act.evaluation.metrics import wilson_interval
from sim2act.models.policy_io import load_policy
from sim2act.proposers.policy import PolicyProposer
from sim2act.tasks.sampler import TaskSampler
from sim2act.training.checkpoints import resolve_policy_folder

SHEET_EPISODES = 8
SHEET_SCALE = 3


def draw(proposer: PolicyProposer, obs, env, rng):
    action = proposer.propose([obs], [env], [0], rng).actions[0]
    proposer.executed(0, action)
    return action


def own_and_twin_robot(proposer, home, twin, sampler, index, rng) -> tuple[bool, bool]:
    """Actions drawn from MuJoCo's frames, executed in MuJoCo and in the twin side by side."""
    _, obs, _ = sampler.reset(home, index)
    sampler.reset(twin, index)
    proposer.begin_episode(0, home)
    home_done = twin_done = False
    home_success = twin_success = False
    while not home_done:
        action = draw(proposer, obs, home, rng)
        obs, _, terminated, truncated, info = home.step(action)
        home_done, home_success = terminated or truncated, bool(info["success"])
        if not twin_done:
            _, _, terminated, truncated, info = twin.step(action)
            twin_done, twin_success = terminated or truncated, bool(info["success"])
    return home_success, twin_success


def twin_alone(proposer, twin, sampler, index, rng) -> bool:
    _, obs, _ = sampler.reset(twin, index)
    proposer.begin_episode(0, twin)
    while True:
        obs, _, terminated, truncated, info = twin.step(draw(proposer, obs, twin, rng))
        if terminated or truncated:
            return bool(info["success"])


def first_frames(greedy: PolicyProposer, home, twin, sampler, index) -> dict:
    """Most likely first action from each simulator's first frame, and how the two frames differ."""
    _, home_obs, _ = sampler.reset(home, index)
    _, twin_obs, _ = sampler.reset(twin, index)
    picks = []
    for obs, env in ((home_obs, home), (twin_obs, twin)):
        greedy.begin_episode(0, env)
        picks.append(np.asarray(greedy.propose([obs], [env], [0], np.random.default_rng(0)).actions[0]))
    rgb = np.abs(home_obs[F.RGB].astype(np.float32) - twin_obs[F.RGB].astype(np.float32)).mean()
    depth = np.abs(home_obs[F.DEPTH] - twin_obs[F.DEPTH]).mean() if F.DEPTH in home_obs else float("nan")
    halves = (picks[0] == picks[1]).reshape(-1)
    return {"agree": bool(halves.all()), "halves": [bool(h) for h in halves], "rgb": float(rgb), "depth": float(depth),
            "frames": (home_obs[F.RGB], twin_obs[F.RGB])}


def rate(successes: list[bool]) -> dict:
    low, high = wilson_interval(sum(successes), len(successes))
    return {"success": sum(successes) / len(successes), "low": low, "high": high, "episodes": len(successes)}


def sheet(pairs: list[tuple[np.ndarray, np.ndarray]], path: Path) -> None:
    columns = [np.concatenate([home, twin], axis=0) for home, twin in pairs]
    image = Image.fromarray(np.concatenate(columns, axis=1))
    image.resize((image.width * SHEET_SCALE, image.height * SHEET_SCALE), Image.NEAREST).save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--domain", default="tabletop")
    parser.add_argument("--level", default="put-in-bowl")
    parser.add_argument("--split", default="test_unseen_layout")
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("results/tabletop-transfer/gap"))
    args = parser.parse_args()

    domain = get_domain(args.domain)
    policy = load_policy(resolve_policy_folder(args.checkpoint))
    home = make(args.domain, args.level, randomize=False)
    twin = make(args.domain, args.level, **{**domain.twin, "randomize": False})
    sampler = TaskSampler(args.domain, args.level, args.split, 0)
    own, robot, seen, firsts = [], [], [], []
    rng_lockstep, rng_twin = np.random.default_rng([0, 7919]), np.random.default_rng([0, 7919])
    for index in range(args.episodes):
        h, r = own_and_twin_robot(PolicyProposer(policy), home, twin, sampler, index, rng_lockstep)
        own.append(h)
        robot.append(r)
        seen.append(twin_alone(PolicyProposer(policy), twin, sampler, index, rng_twin))
        firsts.append(first_frames(PolicyProposer(policy, greedy=True), home, twin, sampler, index))
        print(f"\r{index + 1}/{args.episodes}: own {np.mean(own):.3f} · twin robot {np.mean(robot):.3f} · "
              f"twin {np.mean(seen):.3f}", end="", flush=True)
    print()
    results = {
        "checkpoint": str(args.checkpoint), "level": args.level, "split": args.split,
        "own": rate(own), "twin_robot": rate(robot), "twin": rate(seen),
        "first_action_agreement": rate([f["agree"] for f in firsts]),
        "first_action_agreement_by_dimension": [rate([f["halves"][k] for f in firsts])
                                                for k in range(len(firsts[0]["halves"]))],
        "first_frame_mean_abs_rgb": float(np.mean([f["rgb"] for f in firsts])),
        "first_frame_mean_abs_depth_m": float(np.mean([f["depth"] for f in firsts])),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gap.json").write_text(json.dumps(results, indent=2) + "\n")
    sheet([f["frames"] for f in firsts[:SHEET_EPISODES]], args.out / "first_frames.png")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
