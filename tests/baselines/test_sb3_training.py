"""``train_rl`` / ``load_rl``: stable-baselines3 PPO and SAC from scratch on the train split."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from sim2act.baselines import RLConfig, RLProposer, load_rl, train_rl
from sim2act.baselines.sb3_training import CONFIG_FILE, MODEL_FILE, checkpoint_steps
from sim2act.envs import make
from sim2act.errors import Sim2ActError
from sim2act.progress import Progress
from sim2act.tasks import TaskSampler

from .conftest import MARKS, TINY_PPO


def _observations(domain: str, split: str, count: int):
    envs = [make(domain, "GoToLocal") for _ in range(count)]
    sampler = TaskSampler(domain, "GoToLocal", split, seed=1)
    observations = [sampler.reset(env, i)[1] for i, env in enumerate(envs)]
    for step, env in enumerate(envs):  # a few steps in, so the frames differ from a reset's
        for _ in range(step):
            observations[step] = env.step(env.action_space.sample())[0]
    return envs, observations


def test_ppo_calls_each_mark_with_the_live_model_and_saves_it(ppo_run):
    run, calls = ppo_run.run, ppo_run.marks
    steps = [env_steps for env_steps, _ in calls]
    assert steps[0] == 0 and steps == sorted(steps) and len(set(steps)) == len(steps)
    assert len(calls) == sum(mark <= run.env_steps for mark in MARKS) == 4
    assert all(0 <= s - mark < TINY_PPO.n_envs for s, mark in zip(steps, MARKS))
    assert all(isinstance(p, RLProposer) and p.name == "ppo" for _, p in calls)
    assert run.env_steps >= TINY_PPO.total_env_steps and run.model_path == ppo_run.out / MODEL_FILE
    assert run.model_path.is_file() and json.loads((ppo_run.out / CONFIG_FILE).read_text())["algorithm"] == "ppo"
    assert len(run.episode_successes) == len(run.episode_end_steps) >= 2  # GoToLocal times out after 64 steps
    assert 0 < run.mark_seconds < run.seconds and run.steps_per_second > 0


def test_loaded_model_acts_like_the_model_that_was_saved(ppo_run):
    live = ppo_run.marks[-1][1].model  # the proposers hold the training model itself, saved at the end
    loaded = load_rl(ppo_run.out, device="cpu")
    assert loaded.config == TINY_PPO and load_rl(ppo_run.run.model_path).config == TINY_PPO
    envs, observations = _observations("grid", "val", 6)
    proposer = loaded.proposer(deterministic=True)
    encoded = proposer.encoder.batch(observations, with_proprio=True)
    expected, _ = live.predict(encoded, deterministic=True)
    rng = np.random.default_rng(0)
    assert proposer.propose(observations, envs, list(range(6)), rng).actions.tolist() == expected.tolist()
    sampled_live = RLProposer(live, "grid").distribution(observations, envs, list(range(6)))
    sampled_loaded = loaded.proposer().distribution(observations, envs, list(range(6)))
    np.testing.assert_allclose(sampled_live.probs, sampled_loaded.probs, rtol=1e-6)
    assert np.allclose(sampled_live.probs.sum(1), 1.0)


def test_marks_and_their_evaluations_do_not_change_the_training(ppo_run, tmp_path):
    steps = []

    class Count(Progress):
        def advance(self, n_steps: int) -> None:
            steps.append(n_steps)

    run = train_rl(TINY_PPO, tmp_path / "again", progress=Count())
    assert sum(steps) == run.env_steps == ppo_run.run.env_steps
    assert run.episode_successes == ppo_run.run.episode_successes
    again, first = load_rl(tmp_path / "again").model.policy, load_rl(ppo_run.out).model.policy
    for (name, a), b in zip(again.state_dict().items(), first.state_dict().values()):
        assert torch.equal(a, b), name


def test_on_mark_returning_true_stops_training_there(tmp_path):
    seen = []

    def stop_at_the_second_mark(env_steps, proposer):
        seen.append(env_steps)
        return len(seen) == 2

    run = train_rl(TINY_PPO, tmp_path / "stop", MARKS, stop_at_the_second_mark)
    assert len(seen) == 2 and run.stopped_early and seen[1] <= run.env_steps < TINY_PPO.total_env_steps
    assert checkpoint_steps(tmp_path / "stop") == seen[1] and run.model_path.is_file()


def test_an_interrupted_run_continues_from_its_last_checkpoint(tmp_path):
    out, seen = tmp_path / "resumed", []
    train_rl(TINY_PPO, out, MARKS, lambda steps, proposer: seen.append(steps) or len(seen) == 2)  # "killed" at mark 2
    saved = checkpoint_steps(out)
    progress = []

    class Count(Progress):
        def start(self, total, done=0, phase=""):
            progress.append(done)

    run = train_rl(TINY_PPO, out, MARKS, lambda steps, proposer: seen.append(steps), Count(), resume=True)
    assert progress == [saved] and seen[:2] == sorted(seen[:2]) and all(s > saved for s in seen[2:])
    assert len(seen) == 4 and run.env_steps >= TINY_PPO.total_env_steps and not run.stopped_early
    # A different config does not continue someone else's checkpoint: it starts from scratch.
    fresh = train_rl(replace(TINY_PPO, seed=5), out, resume=True)
    assert fresh.env_steps >= TINY_PPO.total_env_steps and checkpoint_steps(out) is None


def test_sac_on_a_discrete_domain_is_a_user_error(tmp_path):
    with pytest.raises(Sim2ActError, match=r"SAC needs a Box action space; domain 'grid' acts in Discrete\(7\)"):
        train_rl(RLConfig(algorithm="sac", total_env_steps=10, n_envs=1), tmp_path / "sac")
    assert not (tmp_path / "sac").exists()


def test_sac_trains_on_a_box_action_domain(box_grid, tmp_path):
    tiny = {"features_dim": 32, "channels": 16, "sac_buffer_size": 100, "sac_learning_starts": 32, "sac_batch_size": 8}
    config = RLConfig(algorithm="sac", domain=box_grid, total_env_steps=48, n_envs=2, device="cpu", **tiny)
    run = train_rl(config, tmp_path / "sac")
    assert run.env_steps == 48 and run.model_path.is_file()
    loaded = load_rl(tmp_path / "sac", device="cpu")
    envs, observations = _observations(box_grid, "train", 3)
    proposer = loaded.proposer(deterministic=True)
    expected, _ = loaded.model.predict(proposer.encoder.batch(observations, with_proprio=True), deterministic=True)
    actions = proposer.propose(observations, envs, [0, 1, 2], np.random.default_rng(0)).actions
    np.testing.assert_allclose(actions, expected, atol=1e-5)
    sampled = loaded.proposer().propose(observations, envs, [0, 1, 2], np.random.default_rng(0))
    assert sampled.actions.shape == (3, 7) and np.all(np.abs(sampled.actions) <= 1.0)
    assert np.isfinite(sampled.distribution.log_prob(sampled.actions)).all()


def test_ppo_on_a_multi_discrete_domain_proposes_its_per_dimension_categoricals(paired_grid, tmp_path):
    config = replace(TINY_PPO, domain=paired_grid, total_env_steps=32)
    train_rl(config, tmp_path / "ppo")
    loaded = load_rl(tmp_path / "ppo", device="cpu")
    envs, observations = _observations(paired_grid, "train", 3)
    proposer = loaded.proposer()
    batch, _ = loaded.model.policy.obs_to_tensor(proposer.encoder.batch(observations, with_proprio=True))
    theirs = loaded.model.policy.get_distribution(batch)
    proposal = proposer.propose(observations, envs, [0, 1, 2], np.random.default_rng(0))
    assert proposal.actions.shape == (3, 2) and np.all(proposal.actions[:, 1] < 3)
    expected = theirs.log_prob(torch.as_tensor(proposal.actions)).numpy()
    np.testing.assert_allclose(proposal.distribution.log_prob(proposal.actions), expected, atol=1e-5)
    greedy, _ = loaded.model.predict(proposer.encoder.batch(observations, with_proprio=True), deterministic=True)
    np.testing.assert_array_equal(loaded.proposer(deterministic=True).propose(observations, envs, [0, 1, 2], np.random.default_rng(0)).actions, greedy)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"algorithm": "ppp"}, "unknown RL algorithm 'ppp' \\(did you mean 'ppo'\\?\\)"),
        ({"n_envs": 0}, "n_envs must be at least 1, got 0"),
        ({"level": "GoToLocl"}, "unknown grid level"),
        ({"gamma": 1.5}, "need gamma in \\(0, 1\\]"),
        ({"cell_stem": "vit"}, "unknown cell stem 'vit'; known: conv, factored"),
    ],
)
def test_bad_config_is_a_user_error(tmp_path, overrides, message):
    with pytest.raises(Sim2ActError, match=message):
        train_rl(replace(TINY_PPO, **overrides), tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_loading_a_folder_without_a_model_is_a_user_error(tmp_path):
    with pytest.raises(Sim2ActError, match="no RL model at"):
        load_rl(tmp_path)


def test_ppo_on_the_factored_cell_stem_trains_saves_and_acts_alike_when_loaded(tmp_path):
    live = []
    config = replace(TINY_PPO, total_env_steps=64, cell_stem="factored")
    train_rl(config, tmp_path / "run", marks=(64,), on_mark=lambda steps, proposer: live.append(proposer.model))
    loaded = load_rl(tmp_path / "run", device="cpu")
    assert loaded.config == config and loaded.model.policy.features_extractor.factored is not None
    envs, observations = _observations("grid", "val", 4)
    expected = RLProposer(live[0], "grid").distribution(observations, envs, list(range(4))).probs
    got = loaded.proposer().distribution(observations, envs, list(range(4))).probs
    np.testing.assert_allclose(got, expected, rtol=1e-6)
