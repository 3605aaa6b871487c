"""A robot-side loop against ``sim2act serve``, with the tabletop's PyBullet twin standing in for the robot.

    sim2act serve --checkpoint CKPT --greedy &          # a policy trained in MuJoCo
    python examples/drive_twin_over_server.py --url ws://127.0.0.1:8000 --episodes 20

The loop is what a real robot's driver does: read the sensors, send the fields the server asks for
(``client.metadata["required_observations"]``), execute the action, repeat at the policy's rate; here
the "robot" is ``make("tabletop", level, simulator="pybullet")`` and the success check its verifier.
Episodes are the evaluation tasks of ``split`` for ``seed`` (``TaskSampler``), so the figure is comparable
with ``sim2act eval`` of the same checkpoint in the twin.
"""

from __future__ import annotations

import argparse

from sim2act.client import PolicyClient
from sim2act.envs import make
from sim2act.tasks.sampler import TaskSampler


def drive(url: str, level: str, episodes: int, split: str = "test_unseen_layout", seed: int = 0,
          env_options: dict | None = None) -> list[tuple[bool, int]]:
    """(success, steps) of each episode the served policy ran in the twin."""
    env = make("tabletop", level, simulator="pybullet", **(env_options or {}))
    sampler = TaskSampler("tabletop", level, split, seed)
    outcomes = []
    try:
        with PolicyClient(url) as client:
            for index in range(episodes):
                _, observation, _ = sampler.reset(env, index)
                client.reset()
                done, steps, success = False, 0, False
                while not done:
                    observation, _, success, truncated, _ = env.step(client.act(observation))
                    done, steps = success or truncated, steps + 1
                outcomes.append((bool(success), steps))
    finally:
        env.close()
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="ws://127.0.0.1:8000")
    parser.add_argument("--level", default="put-in-bowl")
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--split", default="test_unseen_layout")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    outcomes = drive(args.url, args.level, args.episodes, args.split, args.seed)
    wins = sum(success for success, _ in outcomes)
    print(f"{wins}/{len(outcomes)} episodes succeeded in the PyBullet twin ({100 * wins / len(outcomes):.1f}%)")


if __name__ == "__main__":
    main()
