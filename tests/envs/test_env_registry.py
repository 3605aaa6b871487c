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


def test_an_env_option_the_domain_does_not_take_is_one_line():
    with pytest.raises(Sim2ActError, match="takes no env option colour; it takes: tile_size"):
        sim2act.envs.make("grid", "GoToLocal", colour="red")


def test_env_options_reach_the_env_and_the_default_level_is_the_domains():
    env = sim2act.envs.make("grid", tile_size=4)
    assert env.level == sim2act.envs.get_domain("grid").levels.default
    assert env.observation_space["rgb"].shape == (28, 28, 3)
    env.close()


def test_the_grid_declares_its_capabilities():
    grid = sim2act.envs.get_domain("grid")
    assert grid.preview and grid.exact_state_keys and grid.expert and grid.replay and grid.captions
    assert grid.grammar.held_out and grid.grammar.subgoals("go to a ball, then open a door") == ["go to a ball", "open a door"]
    assert grid.vision({}).stem == "factored" and grid.vision({"tile_size": 4}).patch_size == 4


def test_loop_erasure_on_a_domain_without_exact_state_keys_is_refused(monkeypatch):
    from dataclasses import replace

    from sim2act.envs import registry
    from sim2act.loop import LoopConfig
    from sim2act.rollout.generation import GenerateConfig

    monkeypatch.setitem(registry._DOMAINS, "grid", replace(registry._DOMAINS["grid"], exact_state_keys=False))
    with pytest.raises(Sim2ActError, match="no exact state keys"):
        GenerateConfig(erase_loops=True).validated()
    with pytest.raises(Sim2ActError, match="no exact state keys"):
        LoopConfig(erase_loops=True).validated()
    assert LoopConfig().validated().erase_loops is False  # the default follows the domain


def test_action_space_is_the_built_envs():
    from gymnasium import spaces

    from sim2act.envs import action_space

    assert action_space("grid", "GoToLocal") == spaces.Discrete(7)
    assert action_space("tabletop", "pick", action_mode="ee_delta").shape == (4,)
