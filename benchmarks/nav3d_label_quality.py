"""How a nav3d dataset's kept paths compare with the scripted expert's from the same starts (diagnostics only).

    python benchmarks/nav3d_label_quality.py DATASET [--rounds 2,8] [--episodes 200] [--seed 0]

For each round (the dataset's ``iteration``) and label (verifier ``success`` or ``hindsight``-relabeled), a sample of
kept episodes is replayed from its seed under its instruction, and the expert is run from the same start. Per group:

- turn-away share: of the steps taken with the instruction's target in the camera's view, those that turn so that
  the target's bearing grows (the expert's 30° turns overshoot now and then, so a few are unavoidable);
- turn–step–turn-back patterns per episode (left, forward, right or the reverse): a zigzag;
- mean path length, the expert's mean on the same tasks, and the share of paths more than one step longer.

The simulator's state (the target's position) is read to measure, never shown to a policy. A group's figures come from
the same episodes for both; different ``--seed`` draws other episodes.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

import sim2act.envs.nav3d  # noqa: F401  (headless rendering before Miniworld loads)
from sim2act.data.reader import load_episodes, load_steps
from sim2act.envs import make
from sim2act.envs.nav3d import language as L
from sim2act.envs.nav3d.env import ACTION_NAMES
from sim2act.envs.nav3d.expert import Nav3DExpert
from sim2act.envs.nav3d.geometry import turn_to
from sim2act.envs.nav3d.levels import in_view

TURNS = {ACTION_NAMES.index("turn_left"), ACTION_NAMES.index("turn_right")}
FORWARD = ACTION_NAMES.index("forward")
EXPERT_STEPS = 60
"""Most steps the expert is given on one task (it needs about 10)."""


@dataclass
class PathStats:
    """One group's paths: steps with the target in view, turn-aways among them, zigzags, lengths."""

    in_view: int = 0
    turned_away: int = 0
    zigzags: int = 0
    lengths: list[int] = field(default_factory=list)

    @property
    def turn_away_share(self) -> float:
        return self.turned_away / max(self.in_view, 1)

    @property
    def zigzags_per_episode(self) -> float:
        return self.zigzags / max(len(self.lengths), 1)


def zigzags(actions: list[int]) -> int:
    """Turn, forward, turn the other way: the patterns in ``actions``."""
    return sum(1 for a, b, c in zip(actions, actions[1:], actions[2:]) if {a, c} == TURNS and b == FORWARD)


def turns_away(bearing_before: float, bearing_after: float, action: int) -> bool:
    """Whether a turn left the target farther off the heading than before it."""
    return action in TURNS and abs(bearing_after) > abs(bearing_before) + 1e-6


def follow(env, seed: int, instruction: str, actions: Callable[[object], Iterable[int]], stats: PathStats) -> bool:
    """Step ``actions(env)`` (until the instruction holds) from ``seed``'s start, adding to ``stats``; whether it
    came to hold."""
    env.reset(seed=seed)
    u = env.unwrapped
    u.set_instruction(instruction)
    target = next(t for t in u.layout.things if L.go_to(t.color, t.kind) == instruction)
    taken, success = [], False
    for action in actions(env):
        here = u.world.pose()
        bearing = turn_to(here, (target.x, target.z))
        seen = in_view(here, (target.x, target.z), u.layout.rooms, u.layout.doors, u.fov)
        _, _, _, _, info = env.step(action)
        taken.append(action)
        if seen:
            stats.in_view += 1
            stats.turned_away += turns_away(bearing, turn_to(u.world.pose(), (target.x, target.z)), action)
        if info["success"]:
            success = True
            break
    stats.zigzags += zigzags(taken)
    stats.lengths.append(len(taken))
    return success


def expert_actions(env) -> Iterator[int]:
    """The scripted expert's actions on the env's current task, each decided after the one before was stepped."""
    expert, last = Nav3DExpert(env.unwrapped), None
    for _ in range(EXPERT_STEPS):
        action = expert.act(last)
        if action is None:
            return
        yield action
        last = action


def measure(dataset: str, rounds: list[int], episodes: int, seed: int) -> list[dict]:
    """One row per (round, label): the kept paths' statistics beside the expert's on the same tasks."""
    kept = [e for e in load_episodes(dataset).to_pylist() if e["level"] == "goto"]
    steps = load_steps(dataset, ["episode_id", "action"])
    actions = defaultdict(list)
    for episode_id, action in zip(steps["episode_id"].to_pylist(), steps["action"].to_pylist()):
        actions[episode_id].append(int(np.asarray(action).reshape(-1)[0]))
    env, rng, rows = make("nav3d", "goto", fov=90), np.random.default_rng(seed), []
    for r in rounds:
        for label in ("success", "hindsight"):
            group = [e for e in kept if e["iteration"] == r and e["label"] == label]
            if not group:
                continue
            picked = [group[i] for i in sorted(rng.choice(len(group), min(episodes, len(group)), replace=False))]
            loop, expert = PathStats(), PathStats()
            for e in picked:
                follow(env, e["seed"], e["instruction"], lambda _, stored=actions[e["episode_id"]]: stored, loop)
                follow(env, e["seed"], e["instruction"], expert_actions, expert)
            longer = np.mean([a > b + 1 for a, b in zip(loop.lengths, expert.lengths)])
            rows.append({"round": r, "label": label, "episodes": len(picked), "loop": loop, "expert": expert,
                         "longer": float(longer)})
    env.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dataset")
    parser.add_argument("--rounds", default="0", help="comma-separated iterations to measure")
    parser.add_argument("--episodes", type=int, default=200, help="kept episodes per round and label")
    parser.add_argument("--seed", type=int, default=0, help="which episodes are drawn")
    args = parser.parse_args()
    rows = measure(args.dataset, [int(r) for r in args.rounds.split(",")], args.episodes, args.seed)
    print("| round | label | episodes | turn-away (in view): kept / expert | zigzags per episode: kept / expert "
          "| length: kept / expert | kept > expert + 1 |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        loop, expert = row["loop"], row["expert"]
        print(f"| {row['round']} | {row['label']} | {row['episodes']} | {loop.turn_away_share:.1%} of {loop.in_view:,} / "
              f"{expert.turn_away_share:.1%} of {expert.in_view:,} | {loop.zigzags_per_episode:.2f} / "
              f"{expert.zigzags_per_episode:.2f} | {np.mean(loop.lengths):.2f} / {np.mean(expert.lengths):.2f} "
              f"| {row['longer']:.0%} |")


if __name__ == "__main__":
    main()
