"""Achievements: each is reported on the very step BabyAI's verifier, built from it at reset, first says success."""

import re
from collections import Counter

import numpy as np
import pytest
from minigrid.core.world_object import Ball, Box, Key

import sim2act.envs
from sim2act.envs.grid.achievements import AchievementTracker, describe, descriptions
from sim2act.envs.grid.instructions import replay_verdicts
from sim2act.rollout.recorder import EpisodeRecorder
from sim2act.tasks import Task


def uniform_episode(recorder, seed, rng):
    recorder.reset(seed=seed)
    while True:
        *_, terminated, truncated, _ = recorder.step(int(rng.integers(7)))
        if terminated or truncated:
            return recorder.pop_episode(seed, Task("grid", "any", "train", seed, "unused"))


@pytest.mark.parametrize("level, episodes", [("GoToLocal", 30), ("PickupLoc", 30), ("PutNextLocal", 16)])
def test_every_achievement_is_verified_on_the_step_it_is_reported(level, episodes):
    recorder, replay = EpisodeRecorder(sim2act.envs.make("grid", level)), sim2act.envs.make("grid", level)
    rng = np.random.default_rng(0)
    kinds = Counter()
    for seed in range(episodes):
        episode = uniform_episode(recorder, seed, rng)
        for step, instruction in episode.achieved:
            verdicts = [v for _, v in replay_verdicts(replay, seed, instruction, episode.actions[: step + 1])]
            assert verdicts == ["continue"] * step + ["success"], (seed, instruction)
            kinds[instruction.split()[0]] += 1
    assert kinds["go"] and kinds["pick"] and kinds["put"], kinds


def test_an_object_faced_from_the_start_counts_on_a_first_step_that_keeps_the_pose():
    env = sim2act.envs.make("grid", "GoTo")
    level = env.level_env
    seed = next(s for s in range(3000) if _faces_object(env, s))
    env.reset(seed=seed)
    faced = level.grid.get(*level.front_pos)
    phrase = f"go to {faced.color} {faced.type}"

    _, _, _, _, info = env.step(level.actions.done)
    assert phrase in _bare(info["achieved"])
    _, verdict = next(replay_verdicts(env, seed, f"go to the {faced.color} {faced.type}", [level.actions.done]))
    assert verdict == "success"

    env.reset(seed=seed)
    _, _, _, _, info = env.step(level.actions.left)
    assert phrase not in _bare(info["achieved"])
    _, _, _, _, info = env.step(level.actions.right)  # facing it again later is a change, as before
    assert phrase in _bare(info["achieved"])


def test_articles_come_from_the_layout_at_reset():
    env = sim2act.envs.make("grid", "GoToLocal")
    env.reset(seed=0)
    level = env.level_env
    faced, other = Box("purple"), Box("purple")
    cells = [(x, y) for x in range(1, 7) for y in range(1, 7)]
    taken = (tuple(level.agent_pos), tuple(level.front_pos))
    free = next(c for c in cells if level.grid.get(*c) is None and c not in taken)
    level.grid.set(*level.front_pos, faced)
    level.grid.set(*free, other)
    tracker = AchievementTracker(level)
    tracker.reset()
    level.grid.set(*free, None)  # an opened box disappears; the faced one is still one of two purple boxes
    level.step(level.actions.done)
    assert tracker.step(level.actions.done)[0] == "go to a purple box"
    assert describe(Box("purple"), Counter({("box", "purple"): 1})) == "the purple box"


def test_objects_are_also_described_by_type_alone_and_by_colour_alone():
    counts = Counter({("box", "purple"): 1, ("box", "red"): 1, ("ball", "purple"): 1, ("wall", "grey"): 20})
    assert descriptions(Box("purple"), counts) == ["the purple box", "a box", "a purple object"]
    assert descriptions(Box("purple"), counts, by_colour=False) == ["the purple box", "a box"]
    # Walls are grey: "a grey object" would be satisfied by facing a wall, so it is never said.
    assert descriptions(Ball("grey"), counts + Counter({("ball", "grey"): 1})) == ["the grey ball", "a ball"]


def test_coarser_descriptions_are_reported_with_the_full_one():
    env = sim2act.envs.make("grid", "GoToLocal")
    env.reset(seed=0)
    level = env.level_env
    level.grid.set(*level.front_pos, Key("yellow"))
    tracker = AchievementTracker(level)
    tracker.reset()
    level.step(level.actions.done)
    phrases = tracker.step(level.actions.done)
    assert phrases[0].startswith("go to ") and phrases[0].endswith(" yellow key")
    assert phrases[1] in ("go to the key", "go to a key")


def _faces_object(env, seed):
    env.reset(seed=seed)
    front = env.level_env.grid.get(*env.level_env.front_pos)
    return front is not None and front.type in ("ball", "box", "key", "door")


def _bare(phrases):
    return {re.sub(r"\b(the|a) ", "", p) for p in phrases}
