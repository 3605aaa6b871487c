"""The domain registry: every registered env passes Gymnasium's checker; bad names fail clearly."""

import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import sim2act.envs
from sim2act.envs.grid import GridEnv
from sim2act.envs.grid.levels import NAMED_LEVELS
from sim2act.errors import Sim2ActError


@pytest.mark.parametrize(("domain", "level"), sim2act.envs.registered_envs())
def test_registered_env_passes_check_env(domain, level):
    env = gym.make(sim2act.envs.gym_id(domain, level), render_mode="rgb_array").unwrapped
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a checker warning is a failure
        check_env(env)
    env.close()


def test_registry_lists_the_named_grid_levels():
    grid_levels = [level for domain, level in sim2act.envs.registered_envs() if domain == "grid"]
    assert grid_levels == list(NAMED_LEVELS)
    for level in grid_levels:
        assert sim2act.envs.gym_id("grid", level) in gym.registry


def test_unknown_domain_is_named_with_a_suggestion():
    with pytest.raises(Sim2ActError, match=r"unknown domain 'gird'.*did you mean 'grid'"):
        sim2act.envs.make("gird", "GoToLocal")
    with pytest.raises(Sim2ActError, match="'nosuchdomain'"):
        sim2act.envs.get_domain("nosuchdomain")


def test_unknown_level_is_named_with_a_suggestion():
    with pytest.raises(Sim2ActError, match=r"'GoToLocl'.*did you mean 'GoToLocal'"):
        sim2act.envs.make("grid", "GoToLocl")
    with pytest.raises(Sim2ActError, match="'NoSuchLevelAtAll'"):
        sim2act.envs.make("grid", "NoSuchLevelAtAll")


@pytest.mark.parametrize(("name", "level"), [("BabyAI-GoToLocal-v0", "GoToLocal"), ("GoToObj", "GoToObj")])
def test_babyai_ids_and_unlisted_levels_build(name, level):
    assert sim2act.envs.get_domain("grid").resolve_level(name) == level
    env = sim2act.envs.make("grid", name)
    assert isinstance(env, GridEnv) and env.level == level
    obs, info = env.reset(seed=3)
    assert obs["instruction"] == info["instruction"]
    assert obs["instruction"].startswith("go to")
    env.close()


def test_unlisted_levels_are_not_registered_with_gymnasium():
    assert "GoToObj" not in NAMED_LEVELS
    assert sim2act.envs.gym_id("grid", "GoToObj") not in gym.registry
