"""The tabletop's PyBullet twin: the MuJoCo env's API over other physics, verified by the same predicates."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import sim2act.envs
from sim2act import features as F
from sim2act.envs.tabletop.controller import FRANKA_JOINT_OFFSETS
from sim2act.envs.tabletop.expert import TabletopExpert
from sim2act.errors import Sim2ActError

TWIN = {"simulator": "pybullet"}


def test_the_twin_passes_check_env_and_has_the_mujoco_envs_spaces():
    for action_mode in ("pick_place", "ee_delta"):
        twin = sim2act.envs.make("tabletop", "put-in-bowl", action_mode=action_mode, **TWIN)
        mujoco_env = sim2act.envs.make("tabletop", "put-in-bowl", action_mode=action_mode)
        try:
            check_env(twin, skip_render_check=True)
            assert twin.action_space == mujoco_env.action_space
            for key in (F.RGB, F.DEPTH, F.INSTRUCTION):
                assert twin.observation_space[key] == mujoco_env.observation_space[key], key
            assert twin.observation_space[F.PROPRIO].shape == mujoco_env.observation_space[F.PROPRIO].shape
        finally:
            twin.close()
            mujoco_env.close()


def test_the_same_seed_gives_the_same_task_and_a_matching_view_in_both_simulators():
    twin, mujoco_env = sim2act.envs.make("tabletop", "put-in-bowl", **TWIN), sim2act.envs.make("tabletop", "put-in-bowl")
    try:
        a, _ = twin.reset(seed=4)
        b, _ = mujoco_env.reset(seed=4)
        assert a[F.INSTRUCTION] == b[F.INSTRUCTION]
        assert [(k.color, k.size) for k in twin.blocks] == [(k.color, k.size) for k in mujoco_env.blocks]
        assert np.abs(a[F.PROPRIO][:4] - b[F.PROPRIO][:4]).max() < 0.01  # end-effector site and gripper width agree
        # and the joints, once the twin's (Franka's conventions) are shifted to the MuJoCo chain's
        assert np.abs(a[F.PROPRIO][4:] - b[F.PROPRIO][4:]).max() < 0.002
        assert np.abs(twin.controller.arm_q() - b[F.PROPRIO][4:] - FRANKA_JOINT_OFFSETS).max() < 0.002
        assert np.abs(np.median(a[F.DEPTH]) - np.median(b[F.DEPTH])) < 0.01  # the same camera pose and table
        for block in twin.blocks:  # each block where MuJoCo has it, to the start jitter
            other = next(k for k in mujoco_env.blocks if k.color == block.color)
            assert np.abs(twin.body_position(block.body) - mujoco_env.body_position(other.body)).max() < 0.01
    finally:
        twin.close()
        mujoco_env.close()


@pytest.mark.parametrize("level", ["pick", "put-in-bowl"])
def test_the_scripted_expert_succeeds_in_the_twin_through_the_same_primitive(level):
    env = sim2act.envs.make("tabletop", level, **TWIN)
    successes = []
    try:
        for seed in range(4):
            env.reset(seed=seed)
            expert, done, success = TabletopExpert(env), False, False
            while not done:
                action = expert.act(None)
                if action is None:
                    break
                _, _, success, truncated, _ = env.step(action)
                done = success or truncated
            successes.append(success)
    finally:
        env.close()
    assert sum(successes) >= 3, successes


def test_preview_leaves_the_twin_untouched_and_ee_delta_moves_the_gripper():
    env = sim2act.envs.make("tabletop", "pick", action_mode="ee_delta", **TWIN)
    try:
        start, _ = env.reset(seed=1)
        previews = env.preview([np.array([1.0, 0.0, 0.0, 1.0], np.float32), np.array([0.0, 0.0, -1.0, 1.0], np.float32)])
        assert abs(previews[0][F.PROPRIO][0] - start[F.PROPRIO][0] - 0.04) < 0.01
        assert abs(previews[1][F.PROPRIO][2] - start[F.PROPRIO][2] + 0.04) < 0.01
        again = env.set_instruction(start[F.INSTRUCTION])
        np.testing.assert_allclose(again[F.PROPRIO], start[F.PROPRIO], atol=1e-4)
        moved, *_ = env.step(np.array([0.0, 1.0, 0.0, 1.0], np.float32))
        assert abs(moved[F.PROPRIO][1] - start[F.PROPRIO][1] - 0.04) < 0.01
    finally:
        env.close()


def test_options_the_twin_lacks_and_unknown_simulators_are_one_line():
    with pytest.raises(Sim2ActError, match="no wrist camera"):
        sim2act.envs.make("tabletop", "pick", wrist_camera=True, **TWIN)
    with pytest.raises(Sim2ActError, match="unknown simulator 'bullet'; known: mujoco, pybullet"):
        sim2act.envs.make("tabletop", "pick", simulator="bullet")
