"""alpha * proposer + (1 - alpha) * Uniform: the distributions and the proposer."""

import numpy as np
import pytest

import sim2act.envs
from sim2act.actions.distributions import Categorical, Mixture, UniformBox, mix
from sim2act.errors import Sim2ActError
from sim2act.proposers import MixtureProposer, make_proposer
from sim2act.proposers.expert import ExpertProposer


def test_mix_of_categoricals_is_one_categorical():
    p = Categorical([[0.7, 0.2, 0.1, 0.0], [0.0, 0.0, 0.0, 1.0]])
    u = Categorical.uniform(2, 4)
    mixed = mix(p, u, 0.3)
    assert isinstance(mixed, Categorical)
    np.testing.assert_allclose(mixed.probs, 0.3 * p.probs + 0.7 * u.probs)
    np.testing.assert_allclose(mixed.probs.sum(axis=1), 1.0)


def test_mixture_of_boxes_samples_first_at_rate_alpha():
    n, alpha = 20_000, 0.3
    # A near point mass far outside the second distribution's support tells the two parts apart.
    first = UniformBox([5.0, 5.0], [5.001, 5.001], batch=n)
    second = UniformBox([-1.0, -1.0], [1.0, 1.0], batch=n)
    mixture = mix(first, second, alpha)
    assert isinstance(mixture, Mixture)
    samples = mixture.sample(np.random.default_rng(0))
    assert samples.shape == (n, 2)
    from_first = samples[:, 0] > 2
    assert np.all(samples[from_first] >= 5.0) and np.all(np.abs(samples[~from_first]) <= 1.0)
    assert abs(from_first.mean() - alpha) < 0.015  # ~4.6 standard deviations


def test_mixture_log_prob():
    first = UniformBox([5.0], [7.0], batch=3)
    second = UniformBox([-1.0], [1.0], batch=3)
    log_p = Mixture(first, second, 0.25).log_prob(np.array([[6.0], [0.0], [3.0]], np.float32))
    np.testing.assert_allclose(log_p, [np.log(0.25 / 2), np.log(0.75 / 2), -np.inf])


@pytest.mark.parametrize("alpha", [0.3, 0.8])
def test_mixed_bot_is_followed_at_rate_alpha_plus_uniform_share(alpha):
    envs = [sim2act.envs.make("grid", "GoToLocal") for _ in range(8)]
    proposer = MixtureProposer(ExpertProposer(envs[0].action_space, "grid"), alpha)
    assert proposer.name == f"mixture(expert,{alpha:g})"
    rng = np.random.default_rng(0)
    next_seed, observations = 0, [None] * len(envs)

    def start(slot):
        nonlocal next_seed
        observations[slot], _ = envs[slot].reset(seed=next_seed)
        proposer.begin_episode(slot, envs[slot])
        next_seed += 1

    for slot in range(len(envs)):
        start(slot)
    agreed = advised = 0
    while advised < 2000:
        proposal = proposer.propose(observations, envs, list(range(len(envs))), rng)
        probs = proposal.distribution.probs
        for slot, action in enumerate(proposal.actions):
            # The bot's row is one-hot; a uniform row means it gave up (e.g. a random toggle opened a box).
            if probs[slot].max() > 1 / 7 + 1e-9:
                np.testing.assert_allclose(probs[slot].max(), alpha + (1 - alpha) / 7)
                advised += 1
                agreed += action == probs[slot].argmax()
            observations[slot], _, terminated, truncated, _ = envs[slot].step(int(action))
            proposer.executed(slot, int(action))
            if terminated or truncated:
                start(slot)
    assert abs(agreed / advised - (alpha + (1 - alpha) / 7)) < 0.045  # ~4 standard deviations


def test_mixture_alpha_must_lie_in_unit_interval():
    space = sim2act.envs.make("grid", "GoToLocal").action_space
    for alpha in (-0.1, 1.5):
        with pytest.raises(Sim2ActError, match="alpha"):
            make_proposer("uniform", space, alpha)
        with pytest.raises(Sim2ActError, match="alpha"):
            MixtureProposer(make_proposer("uniform", space), alpha)
    assert isinstance(make_proposer("expert", space, 0.5, domain="grid"), MixtureProposer)
    assert isinstance(make_proposer("expert", space, 1.0, domain="grid"), ExpertProposer)


def test_unknown_proposer_is_named_with_a_suggestion():
    space = sim2act.envs.make("grid", "GoToLocal").action_space
    with pytest.raises(Sim2ActError, match=r"unknown proposer 'uniforn'.*did you mean 'uniform'"):
        make_proposer("uniforn", space)
