"""GridEnv.preview: each action's next observation, with the real env's state left exactly as it was."""

import copy

import numpy as np
import pytest

import sim2act.envs

ACTIONS = list(range(7))


def full_state(env):
    """Everything a step can read or write: level, agent, objects, RNG, verifier and achievement tracker."""
    level = env.level_env
    objects = [
        (type(o).__name__, o.color, tuple(np.asarray(o.cur_pos).tolist()) if o.cur_pos is not None else None, o.encode())
        for o in level.grid.grid + [level.carrying]
        if o is not None and o.type != "wall"
    ]
    tracker = env._achievements
    verifier = {k: v for k, v in vars(level.instrs).items() if isinstance(v, (bool, int, str, type(None)))}
    return {
        "grid": level.grid.encode().tobytes(),
        "cells": [id(c) for c in level.grid.grid],
        "agent": (tuple(level.agent_pos), level.agent_dir, id(level.carrying)),
        "objects": objects,
        "step_count": level.step_count,
        "rng": copy.deepcopy(level.np_random.bit_generator.state),
        "verifier": verifier,
        "verdict": env._verdict,
        "tracker": (id(tracker._front), tracker._front_open, id(tracker._carrying)),
    }


@pytest.mark.parametrize("level", ["GoToLocal", "PutNextLocal", "Open", "PickupLoc"])
def test_previews_leave_the_env_and_its_future_untouched(level):
    """Two envs, same seed and actions; one previews every action before each step. They never differ."""
    plain, previewing = sim2act.envs.make("grid", level), sim2act.envs.make("grid", level)
    rng = np.random.default_rng(1)
    for seed in range(2):
        plain.reset(seed=seed)
        previewing.reset(seed=seed)
        for _ in range(60):
            before = full_state(previewing)
            previewing.preview(ACTIONS)
            assert full_state(previewing) == before
            # Pick-up, drop and toggle are favoured so objects move, doors open and boxes break.
            action = int(rng.choice(7, p=[0.15, 0.15, 0.25, 0.15, 0.1, 0.15, 0.05]))
            a, b = plain.step(action), previewing.step(action)
            np.testing.assert_array_equal(a[0]["rgb"], b[0]["rgb"])
            np.testing.assert_array_equal(a[0]["proprio"], b[0]["proprio"])
            assert a[1:] == b[1:]
            if a[2] or a[3]:
                break


@pytest.mark.parametrize("level", ["GoToLocal", "Open"])
def test_preview_shows_what_stepping_shows(level):
    """Each previewed observation equals the one a real step from the same state returns."""
    env = sim2act.envs.make("grid", level)
    rng = np.random.default_rng(2)
    env.reset(seed=3)
    history = []
    for t in range(30):
        if t % 6 == 0:
            previews = env.preview(ACTIONS)
            for action, preview in zip(ACTIONS, previews):
                replay = sim2act.envs.make("grid", level)
                replay.reset(seed=3)
                for past in history:
                    replay.step(past)
                obs, *_ = replay.step(action)
                np.testing.assert_array_equal(preview["rgb"], obs["rgb"])
                np.testing.assert_array_equal(preview["proprio"], obs["proprio"])
                assert preview["instruction"] == obs["instruction"]
        action = int(rng.integers(6))
        history.append(action)
        _, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            break


def test_actions_that_change_nothing_share_one_observation():
    env = sim2act.envs.make("grid", "GoToLocal")
    obs, _ = env.reset(seed=0)
    left, right, forward, pickup, drop, toggle, done = env.preview(ACTIONS)
    assert drop is done  # nothing carried, nothing happens: one render serves both
    np.testing.assert_array_equal(done["rgb"], obs["rgb"])
    assert not np.array_equal(left["rgb"], right["rgb"])
