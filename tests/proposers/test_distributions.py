"""Categorical and UniformBox: sampling frequencies and log-probabilities."""

import warnings

import numpy as np

from sim2act.actions.distributions import Categorical, UniformBox


def test_categorical_frequencies_match_probs():
    probs = np.array([0.1, 0.0, 0.2, 0.3, 0.4])
    n = 100_000
    actions = Categorical(np.tile(probs, (n, 1))).sample(np.random.default_rng(0))
    assert actions.shape == (n,) and actions.dtype == np.int64
    counts = np.bincount(actions, minlength=len(probs))
    assert counts[1] == 0  # zero-probability actions are never drawn
    expected = n * probs[probs > 0]
    chi2 = ((counts[probs > 0] - expected) ** 2 / expected).sum()
    assert chi2 < 20  # 3 degrees of freedom: P(chi2 > 20) < 0.001


def test_categorical_rows_are_independent_distributions():
    dist = Categorical([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(dist.sample(np.random.default_rng(1)), [2, 0, 1])
    np.testing.assert_array_equal(Categorical.one_hot(np.array([2, 0, 1]), 3).probs, dist.probs)


def test_categorical_log_prob():
    dist = Categorical([[0.25, 0.75, 0.0], [0.5, 0.0, 0.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # log(0) must not warn
        log_p = dist.log_prob(np.array([1, 1]))
    np.testing.assert_allclose(log_p, [np.log(0.75), -np.inf])
    np.testing.assert_allclose(Categorical.uniform(2, 4).log_prob(np.array([0, 3])), [np.log(0.25)] * 2)


def test_uniform_box_samples_within_bounds():
    low, high = np.array([-1.0, 0.0, 2.0]), np.array([1.0, 0.5, 10.0])
    samples = UniformBox(low, high, batch=20_000).sample(np.random.default_rng(0))
    assert samples.shape == (20_000, 3) and samples.dtype == np.float32
    assert np.all(samples >= low) and np.all(samples <= high)
    np.testing.assert_allclose(samples.mean(axis=0), (low + high) / 2, atol=0.05)
    np.testing.assert_allclose(samples.std(axis=0), (high - low) / np.sqrt(12), rtol=0.03)


def test_uniform_box_log_prob():
    dist = UniformBox([-1.0, 0.0], [1.0, 3.0], batch=3)
    log_p = dist.log_prob(np.array([[0.0, 1.0], [1.0, 3.0], [0.0, 3.5]], np.float32))
    np.testing.assert_allclose(log_p, [-np.log(6.0), -np.log(6.0), -np.inf], rtol=1e-6)
