"""The expert proposer: the domain's declared expert (the grid's BabyAI bot) solves GoToLocal and survives a destroyed box."""

import gymnasium as gym
import numpy as np
import pytest

import sim2act.envs
from sim2act.errors import Sim2ActError
from sim2act.proposers.expert import ExpertProposer
from sim2act.rollout.collect import collect
from sim2act.rollout.recorder import EpisodeRecorder
from sim2act.tasks import TaskSampler, check_trainable


def test_a_domain_without_an_expert_is_refused_in_one_line(monkeypatch):
    from dataclasses import replace

    from sim2act.envs import registry

    monkeypatch.setitem(registry._DOMAINS, "grid", replace(registry._DOMAINS["grid"], expert=None))
    with pytest.raises(Sim2ActError, match="declares no scripted expert"):
        ExpertProposer(gym.spaces.Discrete(7), "grid")


def test_bot_solves_go_to_local():
    envs = [EpisodeRecorder(sim2act.envs.make("grid", "GoToLocal")) for _ in range(4)]
    sampler = TaskSampler("grid", "GoToLocal", "train", seed=0)
    episodes = collect(envs, ExpertProposer(envs[0].action_space, "grid"), sampler, range(20), np.random.default_rng(0))
    assert sorted(e.episode_id for e in episodes) == list(range(20))
    assert sum(e.succeeded for e in episodes) >= 19
    for episode in episodes:
        check_trainable("grid", episode.task.seed, episode.task.instruction)
        if episode.succeeded:
            assert episode.success[-1] and episode.terminated[-1] and not episode.success[:-1].any()


def test_bot_falls_back_to_uniform_when_a_box_is_destroyed():
    env = sim2act.envs.make("grid", "PickupLoc")
    seed = next(s for s in range(100) if env.reset(seed=s)[0]["instruction"].startswith("pick up the yellow box"))
    obs, _ = env.reset(seed=seed)
    proposer = ExpertProposer(env.action_space, "grid")
    proposer.begin_episode(0, env)
    toggle = env.level_env.actions.toggle
    for _ in range(50):
        probs = proposer.distribution([obs], [env], [0]).probs[0]
        action = int(probs.argmax())
        if action == env.level_env.actions.pickup:
            action = toggle  # open the box the bot was about to pick up: the box disappears
        obs, _, terminated, _, _ = env.step(action)
        proposer.executed(0, action)
        assert not terminated
        if action == toggle:
            break
    assert action == toggle
    assert env.level_env.grid.get(*env.level_env.front_pos) is None
    np.testing.assert_allclose(proposer.distribution([obs], [env], [0]).probs, np.full((1, 7), 1 / 7))


def test_expert_proposes_multidiscrete_and_box_actions_of_the_tabletop():
    for mode in ("pick_place", "ee_delta"):
        envs = [EpisodeRecorder(sim2act.envs.make("tabletop", "pick", action_mode=mode))]
        sampler = TaskSampler("tabletop", "pick", "train", seed=0)
        [episode] = collect(envs, ExpertProposer(envs[0].action_space, "tabletop"), sampler, range(1),
                            np.random.default_rng(0))
        assert episode.succeeded, mode


def test_scripted_actions_fall_back_per_row():
    from sim2act.actions.distributions import ScriptedActions
    from sim2act.actions.uniform import uniform_distribution

    space = gym.spaces.MultiDiscrete([64, 64])
    dist = ScriptedActions(np.array([[3, 9], [0, 0]]), np.array([True, False]), uniform_distribution(space, 2))
    draws = np.stack([dist.sample(np.random.default_rng(s)) for s in range(50)])
    assert (draws[:, 0] == [3, 9]).all() and len({tuple(d) for d in draws[:, 1]}) > 40
    np.testing.assert_allclose(dist.log_prob(np.array([[3, 9], [5, 5]])), [0.0, -2 * np.log(64)])
    assert dist.log_prob(np.array([[3, 8], [5, 5]]))[0] == -np.inf
