"""RLFP in a Box action space: DrQ-v2's actor-critic with the priors, and a tiny run in the tabletop's ee_delta mode."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from gymnasium import spaces

from sim2act.actions.distributions import CandidateActions
from sim2act.baselines.rlfp import RLFPConfig, load_rlfp, train_rlfp
from sim2act.baselines.rlfp.continuous_agent import BoxActions, ContinuousFoundationActorCritic
from sim2act.baselines.task_env import TaskEnv
from sim2act.evaluation import evaluate_proposer

BOX = spaces.Box(-1.0, 1.0, (3,), np.float32)
TINY = RLFPConfig(prior="unused", features_dim=32, channels=8, learning_rate=3e-3, noise_start=0.3, noise_end=0.3)
EE = {"action_mode": "ee_delta"}


def _batch(frames: dict, actions: np.ndarray, returns: np.ndarray, prior: np.ndarray) -> dict:
    return {**{f"obs/{k}": v for k, v in frames.items()}, **{f"next/{k}": v for k, v in frames.items()},
            "action": actions.astype(np.float32), "return": returns.astype(np.float32),
            "discount": np.zeros(len(actions), np.float32), "prior": prior.astype(np.float16)}


def _means(agent: ContinuousFoundationActorCritic, frames: dict) -> np.ndarray:
    from sim2act.baselines.rlfp.inputs import to_tensors

    return agent.net.mean(agent.net.features(to_tensors(frames, agent.device))).detach().numpy()


def test_the_actor_climbs_the_critic_toward_the_rewarded_action_against_a_prior_elsewhere(grid_frames):
    space, frames = grid_frames
    agent = ContinuousFoundationActorCritic(space, BOX, replace(TINY, prior_kl=0.001, success_kl=0.0), cell_pixels=8)
    rng = np.random.default_rng(0)
    best = np.array([0.6, -0.4, 0.2])  # reward peaks here; π0 says (-0.8, 0.8, -0.8)
    prior = np.tile([-0.8, 0.8, -0.8], (16, 1))
    for _ in range(300):
        actions = rng.uniform(-1, 1, (16, 3))
        agent.update(_batch(frames, actions, 1.0 - ((actions - best) ** 2).sum(1), prior), None)
    assert np.abs(_means(agent, frames) - best).max() < 0.25


def test_with_no_reward_the_actor_follows_the_prior_and_the_success_buffer(grid_frames):
    space, frames = grid_frames
    rng = np.random.default_rng(1)
    prior = np.tile([0.5, -0.5, 0.0], (16, 1))
    follower = ContinuousFoundationActorCritic(space, BOX, replace(TINY, prior_kl=1.0, success_kl=0.0), cell_pixels=8)
    imitator = ContinuousFoundationActorCritic(space, BOX, replace(TINY, prior_kl=0.0, success_kl=1.0), cell_pixels=8)
    successes = {**{f"obs/{k}": v for k, v in frames.items()}, "action": np.tile([-0.5, 0.5, 0.9], (16, 1)).astype(np.float32)}
    for _ in range(150):
        batch = _batch(frames, rng.uniform(-1, 1, (16, 3)), np.zeros(16), prior)
        follower.update(batch, None)
        imitator.update(batch, successes)
    assert np.abs(_means(follower, frames) - prior).max() < 0.1
    assert np.abs(_means(imitator, frames) - successes["action"]).max() < 0.1


def test_acting_warm_start_noise_schedule_and_the_critics_choice(grid_frames):
    space, frames = grid_frames
    config = replace(TINY, noise_start=1.0, noise_end=0.1, noise_steps=100)
    agent = ContinuousFoundationActorCritic(space, BOX, config, cell_pixels=8)
    prior = np.tile([0.25, 0.25, 0.25], (16, 1)).astype(np.float32)
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(agent.act(frames, prior, rng, warm=True), prior)
    acted = agent.act(frames, prior, rng, warm=False)
    assert acted.shape == (16, 3) and np.all(np.abs(acted) <= 1)
    agent.env_steps = 100
    assert agent.std == pytest.approx(0.1)
    no_filter = ContinuousFoundationActorCritic(space, BOX, replace(config, q_filter=False), cell_pixels=8)
    assert not np.any(np.all(no_filter.act(frames, prior, rng, warm=False) == prior, axis=1))  # the actor's own noise
    np.testing.assert_array_equal(BoxActions(BOX).env_action(np.array([2.0, -3.0, 0.5])), [1.0, -1.0, 0.5])


def test_a_tiny_ee_delta_run_acts_with_pi0s_motions_counts_its_steps_and_reloads(tabletop_prior, tmp_path):
    config = RLFPConfig(domain="tabletop", level="put-in-bowl", env=EE, prior=str(tabletop_prior), prior_mode="cells",
                        simulator_steps=80, prior_env_steps=20, n_envs=2, learning_starts=20, warm_start_episodes=0,
                        batch_size=8, buffer_size=200, features_dim=16, channels=8, updates_per_step=0.25)
    seen = []
    run = train_rlfp(config, tmp_path / "run", marks=[80], on_mark=lambda e, s, p: seen.append((e, s)))
    assert run.preview_steps == 0  # π0's cell motions read the frame: no simulator calls
    assert seen == [(run.env_steps, run.env_steps + 20)] and run.env_steps == 60
    proposer = load_rlfp(tmp_path / "run")
    env = TaskEnv("tabletop", "put-in-bowl", env_options=EE)
    env.reset()
    distribution = proposer.distribution([env.raw_observation], [env], [0])
    env.close()
    assert isinstance(distribution, CandidateActions) and distribution.actions.shape == (1, 1, 4)
    report, _ = evaluate_proposer(load_rlfp(tmp_path / "run", with_prior=True), "tabletop", ["put-in-bowl"], "val", 1,
                                  num_envs=1, env_options=EE)
    assert report.overall.episodes == 1
