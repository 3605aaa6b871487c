"""``RLProposer`` and its Box-action distribution; sim2act's evaluation measuring an RL model."""

from __future__ import annotations

import numpy as np
import torch
from stable_baselines3.common.distributions import SquashedDiagGaussianDistribution

from sim2act.baselines import GaussianActions
from sim2act.evaluation import evaluate_proposer, write_evaluation


def test_evaluate_proposer_measures_an_rl_model_like_a_policy(ppo_run, tmp_path):
    report = ppo_run.report
    assert report.episodes == 3 and report.split == "val" and report.checkpoint == "ppo@100"
    assert 0.0 <= report.overall.success_rate <= 1.0 and report.levels == ["GoToLocal"]
    assert report.by_level["GoToLocal"].episodes == 3 and report.env_steps >= 3
    assert report.config["proposer"] == "ppo"

    proposer = ppo_run.marks[-1][1]
    again, episodes = evaluate_proposer(proposer, "grid", ["GoToLocal"], "val", 2, seed=3, num_envs=2)
    same, _ = evaluate_proposer(proposer, "grid", ["GoToLocal"], "val", 2, seed=3, num_envs=2)
    assert again.overall == same.overall and again.env_steps == same.env_steps and len(episodes) == 2
    write_evaluation(again, episodes, tmp_path, gifs=1)
    assert (tmp_path / "eval_info.json").is_file() and len(list((tmp_path / "gifs").iterdir())) == 1


def test_squashed_gaussian_matches_stable_baselines3():
    rng = np.random.default_rng(0)
    mean, log_std = rng.normal(size=(4, 3)), rng.normal(scale=0.3, size=(4, 3))
    ours = GaussianActions(mean, np.exp(log_std), -np.ones(3), np.ones(3), squashed=True)
    actions = ours.sample(rng)
    theirs = SquashedDiagGaussianDistribution(3).proba_distribution(torch.tensor(mean), torch.tensor(log_std))
    expected = theirs.log_prob(torch.tensor(actions, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(ours.log_prob(actions), expected, atol=1e-3)
    deterministic = GaussianActions(mean, np.exp(log_std), -np.ones(3), np.ones(3), squashed=True, deterministic=True)
    np.testing.assert_allclose(deterministic.sample(rng), np.tanh(mean), atol=1e-6)


def test_gaussian_actions_stay_within_the_bounds():
    rng = np.random.default_rng(1)
    low, high = np.array([0.0, -2.0]), np.array([1.0, 2.0])
    for squashed in (True, False):
        dist = GaussianActions(rng.normal(size=(64, 2)) * 3, np.full((64, 2), 2.0), low, high, squashed)
        actions = dist.sample(rng)
        assert actions.dtype == np.float32 and np.all(actions >= low) and np.all(actions <= high)
        assert np.isfinite(dist.log_prob(actions)).all()
