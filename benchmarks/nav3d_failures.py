"""Why a nav3d `goto` policy fails: its episodes classified from privileged state, and a two-object grounding probe.

    python benchmarks/nav3d_failures.py CHECKPOINT [--split test_unseen_composition] [--episodes 150] [--probe 100]
                                                   [--no-push | --no-pickup | --escape T,F] [--trace N]

Episodes: the checkpoint samples actions (as the loop's evaluation does) on `--episodes` tasks of the split;
each is sorted by whether the target was in the camera's view at the start, and each failure by whether the
agent ever saw the target, came within 1 m of another object (and whether that object shares the target's
colour, its kind or neither), how many forward steps a wall or an object blocked, whether at its end the
target is in view and a nearer object stands in the way to it, and whether it ends stuck pushing (against an object's
collision circle or a wall).

Probe: start poses with two objects in view, one left and one right of centre; the policy is told to go to
one, then (same start) to the other, and rolled out for 30 steps: which does it reach (Miniworld's `near`)
first? A policy that ignores the instruction reaches the named one about as often as the other; the scripted expert,
run on the same starts, is the probe's ceiling (walking to the named object often passes within reach of the other).

`--trace N`: the first N failures step by step (action; the target's bearing and distance; every object in view).

`--no-pickup`: the same episodes with pick up masked (no `goto` instruction needs it; a diagnostic of what picking
up costs, not a way to act).

`--no-push`: the same episodes with forward masked whenever the camera frame did not change since the last step
(read from pixels alone: a blocked step changes nothing), to see whether pushing is what the failures cost.

`--escape T,F`: the same episodes where, after a forward step that left the frame unchanged, the agent turns T times
to a side drawn at random and steps forward F times before π_θ acts again (a scripted sidestep): whether leaving a
blocked pose is what the failures lack.

Diagnostics only: the simulator's state is read to classify, never shown to the policy.
"""

from __future__ import annotations

import argparse
import math
from collections import Counter

import numpy as np
import torch

import sim2act.envs.nav3d  # noqa: F401  (headless rendering before Miniworld loads)
from sim2act import features as F
from sim2act.actions.distributions import Categorical
from sim2act.envs import make
from sim2act.envs.nav3d import language as L
from sim2act.envs.nav3d.env import ACTION_NAMES
from sim2act.envs.nav3d.geometry import turn_to
from sim2act.envs.nav3d.levels import in_view
from sim2act.evaluation.metrics import wilson_interval
from sim2act.models.policy_io import load_policy
from sim2act.proposers import make_proposer
from sim2act.proposers.policy import PolicyProposer
from sim2act.tasks.sampler import TaskSampler
from sim2act.training.checkpoints import resolve_policy_folder

NEAR_OTHER = 1.0
"""Metres from another object's centre that count as having gone to it."""
IN_THE_WAY = math.radians(20)
"""Bearing difference within which a nearer object stands in the way of the target."""
PROBE_STEPS = 30
STUCK_WINDOW, STUCK_PUSHES = 20, 5
"""A failure is stuck when at least this many of its last this-many steps were blocked forward steps."""
COLLISION = 0.83
"""Metres between centres at which Miniworld stops the agent (radius 0.4) at an object (radius 0.42–0.43)."""


FORWARD, PICKUP = ACTION_NAMES.index("forward"), ACTION_NAMES.index("pickup")


class NoPickupProposer(PolicyProposer):
    """π_θ with pick up masked."""

    def distribution(self, observations, envs, slots):
        probs = super().distribution(observations, envs, slots).probs.copy()
        probs[:, PICKUP] = 0.0
        return Categorical(probs / probs.sum(-1, keepdims=True))


class FrameWatchingProposer(PolicyProposer):
    """π_θ that remembers each slot's last camera frame: a step that changed nothing in it was blocked (from pixels
    alone)."""

    def __init__(self, policy) -> None:
        super().__init__(policy)
        self._last_frame: dict[int, np.ndarray] = {}

    def begin_episode(self, slot, env) -> None:
        super().begin_episode(slot, env)
        self._last_frame.pop(slot, None)

    def _unchanged(self, slot: int, frame: np.ndarray) -> bool:
        """Whether ``frame`` is the slot's last frame; remembers it."""
        unchanged = slot in self._last_frame and np.array_equal(self._last_frame[slot], frame)
        self._last_frame[slot] = frame.copy()
        return unchanged


class NoPushProposer(FrameWatchingProposer):
    """π_θ with forward masked after a step that left the camera frame unchanged."""

    def distribution(self, observations, envs, slots):
        probs = super().distribution(observations, envs, slots).probs.copy()
        for i, slot in enumerate(slots):
            if self._unchanged(slot, observations[i][F.RGB]):
                probs[i, FORWARD] = 0.0
        return Categorical(probs / probs.sum(-1, keepdims=True))


class EscapeProposer(FrameWatchingProposer):
    """π_θ, but after a forward step that left the camera frame unchanged: ``turns`` turns to a random side, then
    ``forwards`` forward steps, then π_θ again."""

    def __init__(self, policy, turns: int, forwards: int) -> None:
        super().__init__(policy)
        self.turns, self.forwards = turns, forwards
        self._rng = np.random.default_rng(0)
        self._last_action: dict[int, int] = {}
        self._plan: dict[int, list[int]] = {}

    def begin_episode(self, slot, env) -> None:
        super().begin_episode(slot, env)
        self._last_action.pop(slot, None)
        self._plan[slot] = []

    def distribution(self, observations, envs, slots):
        probs = super().distribution(observations, envs, slots).probs.copy()
        for i, slot in enumerate(slots):
            blocked = self._unchanged(slot, observations[i][F.RGB]) and self._last_action.get(slot) == FORWARD
            if blocked and not self._plan[slot]:
                side = ACTION_NAMES.index(("turn_left", "turn_right")[int(self._rng.integers(2))])
                self._plan[slot] = [side] * self.turns + [FORWARD] * self.forwards
            if self._plan[slot]:
                probs[i] = 0.0
                probs[i, self._plan[slot][0]] = 1.0
        return Categorical(probs)

    def executed(self, slot, action) -> None:
        super().executed(slot, action)
        if self._plan.get(slot):
            self._plan[slot].pop(0)
        self._last_action[slot] = int(action)


def seen(env, thing) -> bool:
    """Whether ``thing`` is in the camera's view now (privileged)."""
    return in_view(env.world.pose(), (thing.x, thing.z), env.layout.rooms, env.layout.doors, env.fov)


def describe_step(world, layout, env, target, action: int) -> str:
    """One line of a trace: the action, the target's bearing (degrees, + left) and distance (m), and every object in
    view as colour kind:bearing/distance."""
    here = world.pose()

    def where(thing) -> str:
        return f"{math.degrees(turn_to(here, (thing.x, thing.z))):+.0f}°/{math.dist(here[:2], (thing.x, thing.z)):.1f}m"

    in_sight = [f"{t.color} {t.kind}:{where(t)}" for t in layout.things if seen(env, t)]
    return f"{ACTION_NAMES[action]:>8}  target {where(target):>11}  sees {', '.join(in_sight) or 'nothing'}"


def classify_episodes(proposer, env, split: str, episodes: int, trace: bool = False) -> list[dict]:
    sampler, rng, u = TaskSampler("nav3d", "goto", split, 0), np.random.default_rng([0, 7919]), env.unwrapped
    rows = []
    for index in range(episodes):
        _, obs, _ = sampler.reset(env, index)
        proposer.begin_episode(0, env)
        world, layout = u.world, u.layout
        target = next(t for t in layout.things if L.go_to(t.color, t.kind) == layout.instruction)
        others = [t for t in layout.things if t is not target]
        row = {"start_in_view": seen(u, target), "ever_seen": seen(u, target), "went_to": Counter(), "pushes": [],
               "instruction": layout.instruction, "trace": []}
        done, success = False, False
        while not done:
            action = int(proposer.propose([obs], [env], [0], rng).actions[0])
            proposer.executed(0, action)
            if trace:
                row["trace"].append(describe_step(world, layout, u, target, action))
            before = world.agent.pos.copy()
            obs, _, terminated, truncated, info = env.step(action)
            row["pushes"].append(action == FORWARD and np.allclose(before, world.agent.pos))
            row["ever_seen"] |= seen(u, target)
            for other in others:
                if math.dist(world.pose()[:2], (other.x, other.z)) < NEAR_OTHER:
                    row["went_to"][(other.color == target.color, other.kind == target.kind)] += 1
            done, success = terminated or truncated, bool(info["success"])
        row["success"] = success
        row["end_sees_target"] = seen(u, target)
        row["in_the_way"] = in_the_way(world.pose(), target, others)
        row["carrying"] = world.agent.carrying is not None
        row["stuck"] = stuck_against(world, others) if sum(row["pushes"][-STUCK_WINDOW:]) >= STUCK_PUSHES else None
        rows.append(row)
    return rows


def stuck_against(world, others) -> str:
    """What a pushing agent stands against: an object whose collision circle a forward step would enter (Miniworld
    rejects such a step whole), else a wall."""
    here = world.pose()[:2]
    blocking = [o for o in others if math.dist(here, (o.x, o.z)) < COLLISION + world.max_forward_step]
    return "object" if blocking else "wall"


def in_the_way(agent: tuple[float, float, float], target, others) -> bool:
    """Whether an object within ``NEAR_OTHER`` of the agent stands between it and the target (nearer, on much
    the same bearing): what walking straight at the target runs into."""
    reach = math.dist(agent[:2], (target.x, target.z))
    facing_target = (agent[0], agent[1], agent[2] + turn_to(agent, (target.x, target.z)))
    return any(math.dist(agent[:2], (o.x, o.z)) < min(NEAR_OTHER, reach)
               and abs(turn_to(facing_target, (o.x, o.z))) < IN_THE_WAY for o in others)


def probe(proposer, env, pairs: int) -> Counter:
    rng, u = np.random.default_rng(0), env.unwrapped
    outcomes: Counter = Counter()
    seed = 10_000
    while sum(outcomes.values()) < 2 * pairs:
        seed += 1
        env.reset(seed=seed)
        world, layout = u.world, u.layout
        seen = [(turn_to(world.pose(), (t.x, t.z)), k) for k, t in enumerate(layout.things)
                if in_view(world.pose(), (t.x, t.z), layout.rooms, layout.doors, u.fov)]
        left, right = [k for b, k in seen if b > 0.12], [k for b, k in seen if b < -0.12]
        if not left or not right:
            continue
        for named, other in ((left[0], right[0]), (right[0], left[0])):
            env.reset(seed=seed)
            thing = layout.things[named]
            obs = u.set_instruction(L.go_to(thing.color, thing.kind))
            proposer.begin_episode(0, env)
            outcome = "neither"
            for _ in range(PROBE_STEPS):
                action = int(proposer.propose([obs], [env], [0], rng).actions[0])
                proposer.executed(0, action)
                obs, *_ = env.step(action)
                if world.near(world.things[named]):
                    outcome = "named"
                    break
                if world.near(world.things[other]):
                    outcome = "other"
                    break
            outcomes[outcome] += 1
    return outcomes


def print_trace(lines: list[str]) -> None:
    """Steps of one episode, a run of identical steps printed once with its count."""
    runs: list[list] = []
    for line in lines:
        if runs and runs[-1][0] == line:
            runs[-1][1] += 1
        else:
            runs.append([line, 1])
    for line, count in runs:
        print(f"  {f'×{count}' if count > 1 else '':>4} {line}")


def rate(rows: list[dict]) -> str:
    wins = sum(r["success"] for r in rows)
    if not rows:
        return "–"
    low, high = wilson_interval(wins, len(rows))
    return f"{100 * wins / len(rows):.1f}% ({100 * low:.1f}–{100 * high:.1f}, n = {len(rows)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--split", default="test_unseen_composition")
    parser.add_argument("--episodes", type=int, default=150)
    parser.add_argument("--probe", type=int, default=100, help="probe start poses (each tried with both objects named)")
    masks = parser.add_mutually_exclusive_group()
    masks.add_argument("--no-push", action="store_true", help="mask forward after a step that left the frame unchanged")
    masks.add_argument("--no-pickup", action="store_true", help="mask pick up")
    masks.add_argument("--escape", metavar="T,F", help="after a blocked step, T turns to a random side and F steps forward")
    parser.add_argument("--trace", type=int, default=0, help="print the first N failures step by step")
    args = parser.parse_args()
    torch.set_num_threads(1)
    policy = load_policy(resolve_policy_folder(args.checkpoint))
    env = make("nav3d", "goto", **policy.spec.env_options)
    if args.no_pickup and "pickup" not in env.unwrapped.action_names:
        parser.error("--no-pickup: this policy's actions hold no pick up")
    if args.escape:
        try:
            turns, forwards = (int(n) for n in args.escape.split(","))
        except ValueError:
            parser.error(f"--escape takes two counts T,F, got {args.escape!r}")
        proposer = EscapeProposer(policy, turns, forwards)
    else:
        proposer = (NoPushProposer if args.no_push else NoPickupProposer if args.no_pickup else PolicyProposer)(policy)
    rows = classify_episodes(proposer, env, args.split, args.episodes, trace=args.trace > 0)
    print(f"{args.split}: success {rate(rows)}")
    print(f"  target in view at the start {rate([r for r in rows if r['start_in_view']])}, "
          f"out of view {rate([r for r in rows if not r['start_in_view']])}")
    failures = [r for r in rows if not r["success"]]
    kinds = Counter()
    for r in failures:
        if r["went_to"]:
            colour, kind = r["went_to"].most_common(1)[0][0]
            kinds["same colour" if colour else "same kind" if kind else "neither"] += 1
    print(f"  failures {len(failures)}: never saw the target {sum(not r['ever_seen'] for r in failures)}, "
          f"went to another object {sum(bool(r['went_to']) for r in failures)} ({dict(kinds)}), "
          f"blocked forward steps per failure {np.mean([sum(r['pushes']) for r in failures]) if failures else 0:.1f}")
    print(f"  at the end of a failure: the target in view {sum(r['end_sees_target'] for r in failures)}, "
          f"another object in the way to it {sum(r['in_the_way'] for r in failures)}")
    stuck = Counter(r["stuck"] for r in failures if r["stuck"])
    print(f"  stuck pushing at the end ({STUCK_PUSHES}+ blocked forward steps in the last {STUCK_WINDOW}): "
          f"{sum(stuck.values())} of {len(failures)} failures (against an object {stuck['object']}, a wall "
          f"{stuck['wall']}); of those, the target in view at the end {sum(r['end_sees_target'] for r in failures if r['stuck'])}, carrying an object {sum(r['carrying'] for r in failures if r['stuck'])}")
    print(f"  carrying an object at the end (picked up on the way; Miniworld refuses a turn that swings it into something): "
          f"{sum(r['carrying'] for r in failures)} of {len(failures)} failures")
    for index, r in enumerate(failures[: args.trace]):
        print(f"failure {index + 1}: {r['instruction']}")
        print_trace(r["trace"])
    if args.probe:
        # The scripted expert on the same starts is the probe's ceiling: walking to the named object often passes
        # within reach of the other first.
        for name, actor in (("policy", PolicyProposer(policy)), ("scripted expert", make_proposer("expert", env.action_space, domain="nav3d"))):
            outcomes = probe(actor, env, args.probe)
            n = sum(outcomes.values())
            print(f"probe, {name} (n = {n}): reached the named object first {outcomes['named'] / n:.2f}, "
                  f"the other {outcomes['other'] / n:.2f}, neither in {PROBE_STEPS} steps {outcomes['neither'] / n:.2f}")
    env.close()


if __name__ == "__main__":
    main()
