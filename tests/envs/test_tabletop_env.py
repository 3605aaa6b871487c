"""The tabletop env: both action modes pass Gymnasium's checker, previews leave it untouched, bad input is one line."""

import warnings

import gymnasium as gym
import mujoco
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import sim2act.envs
from sim2act import features as F
from sim2act.envs.tabletop.env import TabletopEnv
from sim2act.envs.tabletop.expert import TabletopExpert
from sim2act.envs.tabletop.levels import NAMED_LEVELS
from sim2act.errors import Sim2ActError


def _state(env: TabletopEnv) -> np.ndarray:
    state = np.empty(mujoco.mj_stateSize(env.model, mujoco.mjtState.mjSTATE_INTEGRATION))
    mujoco.mj_getState(env.model, env.data, state, mujoco.mjtState.mjSTATE_INTEGRATION)
    return state


@pytest.mark.parametrize("level", NAMED_LEVELS)
def test_ee_delta_mode_passes_check_env(level):
    env = gym.make(sim2act.envs.gym_id("tabletop", level), action_mode="ee_delta", render_mode="rgb_array").unwrapped
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env)
    env.close()


def test_wrist_camera_and_force_torque_options_pass_check_env():
    env = gym.make(sim2act.envs.gym_id("tabletop", "pick"), action_mode="ee_delta", wrist_camera=True,
                   force_torque=True, image_size=32, render_mode="rgb_array").unwrapped
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env)
    obs, _ = env.reset(seed=0)
    assert obs["wrist_rgb"].shape == (32, 32, 3) and obs["wrist_depth"].shape == (32, 32)
    assert obs[F.PROPRIO].shape == (17,)
    env.close()


def test_observation_is_what_a_robot_has():
    env = sim2act.envs.make("tabletop", "put-in-bowl")
    obs, info = env.reset(seed=1)
    assert set(obs) == {F.RGB, F.DEPTH, F.PROPRIO, F.INSTRUCTION}
    assert obs[F.RGB].shape == (64, 64, 3) and obs[F.RGB].dtype == np.uint8
    assert obs[F.DEPTH].dtype == np.float32 and 0.3 < obs[F.DEPTH].min() < obs[F.DEPTH].max() < 2.0
    assert obs[F.PROPRIO].shape == (11,) and obs[F.INSTRUCTION] == info[F.INFO_INSTRUCTION]
    assert len(np.unique(obs[F.RGB].reshape(-1, 3), axis=0)) > 10  # objects are drawn, not a blank table
    env.close()


def test_same_seed_same_episode():
    a, b = sim2act.envs.make("tabletop", "stack"), sim2act.envs.make("tabletop", "stack")
    obs_a, _ = a.reset(seed=7)
    obs_b, _ = b.reset(seed=7)
    assert np.array_equal(obs_a[F.RGB], obs_b[F.RGB]) and obs_a[F.INSTRUCTION] == obs_b[F.INSTRUCTION]
    action = TabletopExpert(a).act(None)
    step_a, step_b = a.step(action), b.step(action)
    assert np.array_equal(step_a[0][F.RGB], step_b[0][F.RGB]) and step_a[4] == step_b[4]


@pytest.mark.parametrize("mode", ["pick_place", "ee_delta"])
def test_preview_shows_the_outcome_and_leaves_the_env_untouched(mode):
    env = sim2act.envs.make("tabletop", "put-in-bowl", action_mode=mode)
    env.reset(seed=3)
    base = env.unwrapped
    action = TabletopExpert(env).act(None)
    before, target = _state(base), base.controller.target.copy()
    [previewed] = base.preview([action])
    assert np.array_equal(_state(base), before) and np.array_equal(base.controller.target, target)
    stepped, *_ = env.step(action)
    assert np.array_equal(previewed[F.RGB], stepped[F.RGB])
    env.close()


def test_a_chunk_preview_holds_the_action_for_repeat_steps():
    env = sim2act.envs.make("tabletop", "put-in-bowl", action_mode="ee_delta")
    env.reset(seed=3)
    base = env.unwrapped
    action = np.array([1.0, -0.5, -1.0, 1.0], np.float32)
    before = _state(base)
    [previewed] = base.preview([action], repeat=3)
    assert np.array_equal(_state(base), before)
    for _ in range(3):
        stepped, *_ = env.step(action)
    assert np.array_equal(previewed[F.RGB], stepped[F.RGB])
    env.close()


def test_the_expert_solves_put_in_bowl_in_one_primitive():
    env = sim2act.envs.make("tabletop", "put-in-bowl")
    env.reset(seed=0)
    _, reward, terminated, truncated, info = env.step(TabletopExpert(env).act(None))
    assert terminated and not truncated and reward == 1.0 and info[F.INFO_SUCCESS]
    assert info[F.INFO_INSTRUCTION] in info[F.INFO_ACHIEVED]


def test_a_wrong_primitive_fails_and_the_episode_truncates():
    env = sim2act.envs.make("tabletop", "pick")
    env.reset(seed=0)
    for _ in range(env.unwrapped.max_steps):
        _, _, terminated, truncated, info = env.step(np.array([0, 0]))  # an empty corner cell
    assert truncated and not terminated and not info[F.INFO_SUCCESS]


@pytest.mark.parametrize(("options", "message"), [
    ({"action_mode": "joint_torque"}, "unknown action mode 'joint_torque'"),
    ({"image_size": 8}, "image_size must lie in"),
    ({"shadows": True}, "takes no env option shadows"),
])
def test_bad_options_are_one_line(options, message):
    with pytest.raises(Sim2ActError, match=message):
        sim2act.envs.make("tabletop", "pick", **options)


def test_unknown_level_is_named():
    with pytest.raises(Sim2ActError, match="unknown tabletop level 'stak'.*stack"):
        sim2act.envs.make("tabletop", "stak")


def test_an_action_off_the_grid_is_one_line():
    env = sim2act.envs.make("tabletop", "pick")
    env.reset(seed=0)
    with pytest.raises(Sim2ActError, match="outside"):
        env.step(np.array([64, 3]))


def test_domain_randomisation_changes_looks_not_the_task():
    plain = sim2act.envs.make("tabletop", "put-in-bowl")
    varied = sim2act.envs.make("tabletop", "put-in-bowl", randomize=True)
    obs_p, info_p = plain.reset(seed=5)
    obs_v, info_v = varied.reset(seed=5)
    assert info_p[F.INFO_INSTRUCTION] == info_v[F.INFO_INSTRUCTION]
    assert not np.array_equal(obs_p[F.RGB], obs_v[F.RGB])
    _, _, _, _, info = varied.step(TabletopExpert(varied).act(None))
    assert info[F.INFO_SUCCESS]


def test_domain_randomisation_darkens_each_bowls_floor_against_its_walls():
    env = sim2act.envs.make("tabletop", "put-in-bowl", randomize=True)
    model, ids = env.unwrapped.model, env.unwrapped.ids
    env.reset(seed=5)
    used = len(env.unwrapped.bowls)
    floors = model.geom_rgba[ids.bowl_floors[:used], :3]
    walls = np.stack([model.geom_rgba[[g for g in ids.bowl_geoms[k] if g != ids.bowl_floors[k]][0], :3]
                      for k in range(used)])
    ratio = floors / walls
    assert np.all(ratio <= 1.0 + 1e-6) and np.all(ratio >= 1.0 - env.unwrapped._randomization.bowl_floor - 1e-6)
    assert np.allclose(ratio, ratio[:, :1]) and ratio.min() < 0.99  # brightness, not hue; some floor darker
    env.unwrapped.randomize = False
    env.reset(seed=5)
    used = len(env.unwrapped.bowls)
    for k in range(used):
        np.testing.assert_array_equal(model.geom_rgba[ids.bowl_floors[k]], model.geom_rgba[ids.bowl_geoms[k][-1]])


def test_domain_randomisation_turns_the_lights_and_a_plain_episode_restores_them():
    env = sim2act.envs.make("tabletop", "put-in-bowl", randomize=True)
    model = env.unwrapped.model
    nominal_dir, nominal_ambient = model.light_dir.copy(), model.vis.headlight.ambient.copy()
    env.reset(seed=5)
    assert not np.allclose(model.light_dir, nominal_dir)
    np.testing.assert_allclose(np.linalg.norm(model.light_dir, axis=1), 1.0, rtol=1e-6)
    assert not np.allclose(model.vis.headlight.ambient, nominal_ambient)
    env.unwrapped.randomize = False
    env.reset(seed=5)
    np.testing.assert_array_equal(model.light_dir, nominal_dir)
    np.testing.assert_array_equal(model.vis.headlight.ambient, nominal_ambient)
