"""Grid captions: BabyAI phrases about the current state, true of the simulator's ground truth."""

import re

import numpy as np
import pytest
from minigrid.core.world_object import Ball, Key

import sim2act.envs
from sim2act.envs import get_domain
from sim2act.envs.grid.captions import grid_captions
from sim2act.rollout.recorder import EpisodeRecorder

CAPTION = re.compile(r"(go to|pick up|open) (the|a) (?:(\w+) )?(ball|box|key|door)")


def world_objects(level):
    objects = [cell for cell in level.grid.grid if cell is not None and cell.type in ("ball", "box", "key", "door")]
    return objects + ([level.carrying] if level.carrying is not None else [])


def visible_objects(level):
    """Objects on the grid that minigrid's own view shows (occlusion included)."""
    _, mask = level.gen_obs_grid()
    width, seen = level.grid.width, []
    for index, cell in enumerate(level.grid.grid):
        coords = level.relative_coords(index % width, index // width)
        if cell is not None and coords is not None and mask[coords]:
            seen.append(cell)
    return seen


def matches(obj, color, kind):
    return obj.type == kind and (color is None or obj.color == color)


def check_true_of_state(level):
    captions = grid_captions(level)
    assert captions and len({c.text for c in captions}) == len(captions)
    front = level.grid.get(*level.front_pos)
    objects, seen = world_objects(level), visible_objects(level)
    for caption in captions:
        verb, article, color, kind = CAPTION.fullmatch(caption.text).groups()
        matching = [o for o in objects if matches(o, color, kind)]
        assert article == ("the" if len(matching) == 1 else "a"), caption
        in_view = [o for o in seen if matches(o, color, kind)]
        carried = level.carrying is not None and matches(level.carrying, color, kind)
        assert caption.mention == (caption.text.removeprefix(verb + " ") if in_view or carried else ""), caption
        if verb == "go to":
            # 0 exactly when BabyAI's GoTo verifier would say success: a matching object right in front.
            assert (caption.steps == 0) == (front is not None and matches(front, color, kind)), caption
            assert (caption.steps is None) == (not in_view), caption
        if verb == "pick up":
            assert (caption.steps == 0) == carried, caption
            assert caption.steps is None or caption.steps == 0 or in_view, caption
        if verb == "open":
            assert (caption.steps == 0) == any(o.is_open for o in in_view), caption


@pytest.mark.parametrize("level", ["GoToLocal", "PickupLoc", "Open", "GoTo"])
def test_captions_are_true_of_the_state_along_random_episodes(level):
    env = sim2act.envs.make("grid", level)
    rng = np.random.default_rng(0)
    for seed in range(3):
        env.reset(seed=seed)
        for _ in range(40):
            check_true_of_state(env.level_env)
            _, _, terminated, truncated, _ = env.step(int(rng.integers(7)))
            if terminated or truncated:
                break


def empty_room(ball_offset, heading=3):
    """A GoToLocal room emptied of objects, the agent at (3, 6) facing ``heading``, and one red ball."""
    env = sim2act.envs.make("grid", "GoToLocal")
    env.reset(seed=0)
    level = env.level_env
    level.grid.grid[:] = [c if c is None or c.type == "wall" else None for c in level.grid.grid]
    level.carrying = None
    level.agent_pos, level.agent_dir = (3, 6), heading
    ball = Ball("red")
    level.put_obj(ball, 3 + ball_offset[0], 6 - ball_offset[1])
    return env, level


def caption(level, text):
    return next(c for c in grid_captions(level) if c.text == text)


@pytest.mark.parametrize("side,ahead", [(0, 1), (0, 4), (1, 0), (-2, 0), (2, 3), (-1, 5), (3, 2)])
def test_steps_count_the_actions_of_a_shortest_path(side, ahead):
    env, level = empty_room((side, ahead))
    steps = caption(level, "go to the red ball").steps
    assert steps == (ahead - 1 if side == 0 else ahead + abs(side))
    assert caption(level, "pick up the red ball").steps == steps + 1
    forward, turn = level.actions.forward, level.actions.right if side > 0 else level.actions.left
    plan = [forward] * (ahead - 1) if side == 0 else [forward] * ahead + [turn] + [forward] * (abs(side) - 1)
    assert len(plan) == steps
    for action in plan:
        before = caption(level, "go to the red ball").steps
        env.step(action)
        assert caption(level, "go to the red ball").steps == before - 1
    assert level.grid.get(*level.front_pos).type == "ball"  # BabyAI's verifier says success here
    env.step(level.actions.pickup)
    assert caption(level, "pick up the red ball").steps == 0
    assert caption(level, "go to the red ball").steps is None
    assert caption(level, "go to the red ball").mention == "the red ball"  # the view shows what is carried


def test_objects_out_of_view_have_no_steps_and_no_mention():
    env, level = empty_room((0, 3), heading=1)  # facing south: the ball is behind the agent
    go_to = caption(level, "go to the red ball")
    assert go_to.steps is None and go_to.mention == ""


def test_articles_follow_babyai_uniqueness():
    env, level = empty_room((0, 2))
    level.put_obj(Ball("red"), 1, 1)
    level.put_obj(Key("red"), 5, 5)
    texts = {c.text for c in grid_captions(level)}
    assert {"go to a red ball", "go to a ball", "go to the red key", "go to the key", "pick up the key"} <= texts


def test_domain_hook_reads_wrapped_envs():
    hook = get_domain("grid").captions
    env = EpisodeRecorder(sim2act.envs.make("grid", "GoToLocal"))
    env.reset(seed=4)
    assert hook is grid_captions
    assert hook(env) == grid_captions(env.unwrapped.level_env)
