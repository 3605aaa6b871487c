"""JointCategorical: a categorical over (pick, place) pairs; sampling, log_prob, greedy, mixing with uniform."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium import spaces

from sim2act.actions.distributions import JointCategorical, Mixture, MultiCategorical, mix
from sim2act.actions.uniform import uniform_distribution


def _random_joint(batch: int, n: int, seed: int = 0) -> np.ndarray:
    probs = np.random.default_rng(seed).random((batch, n, n)) ** 3  # uneven, and far from factorising
    return probs / probs.sum((1, 2), keepdims=True)


def test_sampling_frequencies_match_the_joint():
    probs = np.array([[[0.1, 0.0, 0.2], [0.0, 0.4, 0.0], [0.05, 0.0, 0.25]]])
    dist = JointCategorical(np.repeat(probs, 20_000, 0))
    actions = dist.sample(np.random.default_rng(0))
    assert actions.shape == (20_000, 2) and actions.dtype == np.int64
    counts = np.zeros((3, 3))
    np.add.at(counts, (actions[:, 0], actions[:, 1]), 1)
    np.testing.assert_allclose(counts / len(actions), probs[0], atol=0.01)
    assert counts[probs[0] == 0].sum() == 0  # zero-probability pairs are never drawn


def test_rows_sample_their_own_joint():
    probs = np.zeros((2, 4, 4))
    probs[0, 1, 2] = probs[1, 3, 0] = 1.0
    actions = JointCategorical(probs).sample(np.random.default_rng(1))
    assert actions.tolist() == [[1, 2], [3, 0]]


def test_log_prob_reads_the_pair():
    probs = _random_joint(3, 5)
    actions = np.array([[0, 4], [2, 2], [4, 1]])
    expected = np.log(probs[[0, 1, 2], [0, 2, 4], [4, 2, 1]])
    np.testing.assert_allclose(JointCategorical(probs).log_prob(actions), expected)
    zero = np.zeros((1, 2, 2))
    zero[0, 0, 0] = 1.0
    assert JointCategorical(zero).log_prob(np.array([[1, 1]]))[0] == -np.inf


def test_greedy_picks_the_argmax_pair_and_shares_ties():
    probs = _random_joint(4, 6)
    probs[3] = 0.0
    probs[3, 1, 2] = probs[3, 4, 0] = 0.5
    greedy = JointCategorical(probs).greedy()
    for row in range(3):
        pair = np.unravel_index(probs[row].argmax(), (6, 6))
        assert greedy.probs[row][pair] == 1.0 and greedy.probs[row].sum() == 1.0
        assert greedy.sample(np.random.default_rng(row))[row].tolist() == list(pair)
    assert greedy.probs[3, 1, 2] == greedy.probs[3, 4, 0] == 0.5


def test_the_joint_of_independent_dimensions_is_their_outer_product():
    multi = MultiCategorical(np.array([[[0.2, 0.8, 0.0], [0.1, 0.3, 0.6]]]))
    joint = JointCategorical.independent(multi.probs, (2, 3))
    assert joint.probs.shape == (1, 2, 3)
    actions = np.array([[1, 2]])
    np.testing.assert_allclose(joint.log_prob(actions), multi.log_prob(actions))


@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.9, 1.0])
def test_mixing_with_the_uniform_collapses_into_one_exact_joint(alpha):
    n = 4
    policy = JointCategorical(_random_joint(2, n, seed=3))
    uniform = uniform_distribution(spaces.MultiDiscrete([n, n]), 2)
    assert isinstance(uniform, MultiCategorical)
    mixed = mix(policy, uniform, alpha)
    assert isinstance(mixed, JointCategorical)
    np.testing.assert_allclose(mixed.probs, alpha * policy.probs + (1 - alpha) / n**2)
    # The same numbers as the general Mixture, in either order.
    actions = np.array([[0, 3], [2, 1]])
    reference = Mixture(policy, uniform, alpha).log_prob(actions)
    np.testing.assert_allclose(mixed.log_prob(actions), reference)
    np.testing.assert_allclose(mix(uniform, policy, 1 - alpha).log_prob(actions), reference)


def test_a_general_mixture_samples_the_policy_at_rate_alpha():
    n, batch, alpha = 5, 20_000, 0.7
    probs = np.zeros((batch, n, n))
    probs[:, 1, 3] = 1.0
    uniform = uniform_distribution(spaces.MultiDiscrete([n, n]), batch)
    for dist in (Mixture(JointCategorical(probs), uniform, alpha), mix(JointCategorical(probs), uniform, alpha)):
        actions = dist.sample(np.random.default_rng(2))
        rate = np.mean((actions[:, 0] == 1) & (actions[:, 1] == 3))
        assert rate == pytest.approx(alpha + (1 - alpha) / n**2, abs=0.01)


def test_mismatched_shapes_stay_a_mixture():
    policy = JointCategorical(_random_joint(2, 4))
    other = MultiCategorical.uniform(2, [3, 3])  # classes the joint does not have
    assert isinstance(mix(policy, other, 0.5), Mixture)
    assert isinstance(mix(policy, JointCategorical(_random_joint(2, 3)), 0.5), Mixture)
