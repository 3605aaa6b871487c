"""PolicyProposer over real envs (distributions, greedy, per-slot windows) and BinnedBox."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from gymnasium import spaces

from sim2act import envs as sim_envs
from sim2act import features as F
from sim2act.actions.distributions import BinnedBox, Categorical, ChunkedBinnedBox, MultiCategorical
from sim2act.envs.grid.vocabulary import VOCABULARY
from sim2act.errors import Sim2ActError
from sim2act.models import PolicyConfig, PolicySpec, build_policy, load_policy, save_policy
from sim2act.models.action_head import MultiDiscreteHead
from sim2act.proposers.policy import PolicyProposer, action_space_of, sharpen

SPEC = PolicySpec(
    domain="grid",
    image_shape=(56, 56, 3),
    proprio_size=13,
    action_space={"type": "discrete", "n": 7, "names": list(range(7))},
    levels=("GoToLocal",),
    vocabulary=VOCABULARY,
)


@pytest.fixture(scope="module")
def policy():
    torch.manual_seed(0)
    return build_policy(SPEC, PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=3))


@pytest.fixture
def envs():
    made = [sim_envs.make("grid", "GoToLocal") for _ in range(2)]
    yield made
    for env in made:
        env.close()


def reset(envs, seeds):
    return [env.reset(seed=seed)[0] for env, seed in zip(envs, seeds)]


def test_distribution_rows_are_probabilities(policy, envs):
    proposer = PolicyProposer(policy)
    observations = reset(envs, [1, 2])
    for slot, env in enumerate(envs):
        proposer.begin_episode(slot, env)
    dist = proposer.distribution(observations, envs, [0, 1])
    assert isinstance(dist, Categorical) and dist.probs.shape == (2, 7)
    assert (dist.probs >= 0).all() and np.allclose(dist.probs.sum(1), 1.0)
    proposal = proposer.propose(observations, envs, [0, 1], np.random.default_rng(0))
    assert proposal.actions.shape == (2,) and all(envs[0].action_space.contains(int(a)) for a in proposal.actions)
    # Steps with the proposed actions keep working and keep each slot's own window.
    observations = [env.step(int(a))[0] for env, a in zip(envs, proposal.actions)]
    dist = proposer.distribution(observations, envs, [0, 1])
    assert np.allclose(dist.probs.sum(1), 1.0)


def test_greedy_gives_one_hot_rows_on_the_most_likely_action(policy, envs):
    observations = reset(envs, [3, 4])
    sampled = PolicyProposer(policy).distribution(observations, envs, [0, 1])
    greedy = PolicyProposer(policy, greedy=True).distribution(observations, envs, [0, 1])
    assert set(np.unique(greedy.probs)) <= {0.0, 1.0} and (greedy.probs.sum(1) == 1.0).all()
    assert (greedy.probs.argmax(1) == sampled.probs.argmax(1)).all()
    actions = PolicyProposer(policy, greedy=True).propose(observations, envs, [0, 1], np.random.default_rng(0)).actions
    assert (actions == sampled.probs.argmax(1)).all()


def test_sharpen_divides_the_logits_by_the_temperature():
    probs = np.array([[0.5, 0.3, 0.2, 0.0], [0.25, 0.25, 0.25, 0.25]])
    assert sharpen(probs, 1.0) is probs
    half = sharpen(probs, 0.5)
    assert np.allclose(half[0], np.array([0.25, 0.09, 0.04, 0.0]) / 0.38)  # p² renormalised; an impossible action stays so
    assert np.allclose(half[1], 0.25)  # a flat row stays flat
    assert np.allclose(sharpen(probs, 2.0)[0, :3], np.sqrt([0.5, 0.3, 0.2]) / np.sqrt([0.5, 0.3, 0.2]).sum())
    assert np.allclose(sharpen(np.array([[1e-300, 1.0]]), 0.01), [[0.0, 1.0]])  # no overflow at low temperatures


def test_a_cooler_policy_samples_its_likelier_actions_more_often(policy, envs):
    observations = reset(envs, [3, 4])
    plain = PolicyProposer(policy).distribution(observations, envs, [0, 1]).probs
    cool = PolicyProposer(policy, temperature=0.5).distribution(observations, envs, [0, 1]).probs
    assert np.allclose(cool, plain**2 / (plain**2).sum(1, keepdims=True))
    assert (cool.max(1) > plain.max(1)).all() and (cool.argmax(1) == plain.argmax(1)).all()


@pytest.mark.parametrize("temperature", [0.0, -1.0, float("nan")])
def test_a_temperature_not_above_zero_is_refused(policy, temperature):
    with pytest.raises(Sim2ActError, match="--policy-temperature must be > 0"):
        PolicyProposer(policy, temperature=temperature)


def test_begin_episode_resets_the_window(policy, envs):
    memory = policy.config.memory
    proposer = PolicyProposer(policy)
    observations = reset(envs, [5, 6])
    proposer.distribution(observations, envs, [0, 1])
    for _ in range(2):  # fill slot 0's window with later frames
        observations = [envs[0].step(2)[0], envs[1].step(0)[0]]
        proposer.distribution(observations, envs, [0, 1])
    assert len(proposer._frames[0]) == memory
    new_first = envs[0].reset(seed=7)[0]
    proposer.begin_episode(0, envs[0])
    dist = proposer.distribution([new_first], [envs[0]], [0])
    prepared = policy.prepare_frames(torch.from_numpy(new_first[F.RGB][None]))[0]
    window = list(proposer._frames[0])
    assert len(window) == memory and all(torch.equal(frame, prepared) for frame in window)
    assert all(torch.equal(p, torch.as_tensor(new_first[F.PROPRIO])) for p in proposer._proprio[0])
    # The same distribution as a proposer that never saw the old episode.
    fresh = PolicyProposer(policy).distribution([new_first], [envs[0]], [0])
    np.testing.assert_allclose(dist.probs, fresh.probs, rtol=1e-6)
    # Slot 1 was not reset: it still holds its own, older frames.
    assert not all(torch.equal(frame, prepared) for frame in proposer._frames[1])


def test_a_box_policy_proposes_binned_box_actions_within_bounds(envs):
    spec = PolicySpec(domain="grid", image_shape=(56, 56, 3), proprio_size=13,
                      action_space={"type": "box", "low": [-1.0, 0.0], "high": [1.0, 2.0]}, vocabulary=VOCABULARY)
    torch.manual_seed(0)
    policy = build_policy(spec, PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2, action_bins=8))
    space = action_space_of(policy)
    assert space.shape == (2,)
    proposer = PolicyProposer(policy)
    observations = reset(envs, [8, 9])
    proposal = proposer.propose(observations, envs, [0, 1], np.random.default_rng(0))
    assert isinstance(proposal.distribution, BinnedBox) and proposal.distribution.probs.shape == (2, 2, 8)
    assert proposal.actions.shape == (2, 2) and all(space.contains(a) for a in proposal.actions)
    assert np.isfinite(proposal.distribution.log_prob(proposal.actions)).all()


def test_a_chunked_policy_follows_its_chunk_and_a_foreign_action_ends_it(envs):
    spec = PolicySpec(domain="grid", image_shape=(56, 56, 3), proprio_size=13,
                      action_space={"type": "box", "low": [-1.0, 0.0], "high": [1.0, 2.0]}, vocabulary=VOCABULARY)
    torch.manual_seed(0)
    policy = build_policy(spec, PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2, action_bins=8, action_chunk=3))
    assert policy.head.linear.out_features == 3 * 2 * 8
    proposer, rng = PolicyProposer(policy), np.random.default_rng(0)
    observations = reset(envs, [8, 9])
    first = proposer.propose(observations, envs, [0, 1], rng)
    assert isinstance(first.distribution, ChunkedBinnedBox) and first.distribution.chunks.shape == (2, 3, 2)
    assert np.isfinite(first.distribution.log_prob(first.actions)).all()
    chunk = first.distribution.chunks.copy()
    proposer.executed(0, first.actions[0])  # slot 0 follows its chunk
    proposer.executed(1, np.array([0.0, 0.0], np.float32) + 0.123)  # slot 1 executed something else: no chunk
    second = proposer.propose(observations, envs, [0, 1], rng)
    assert np.array_equal(second.actions[0], chunk[0, 1]) and second.distribution.planned.keys() == {0}
    assert second.distribution.log_prob(second.actions)[0] == 0.0
    proposer.executed(0, second.actions[0])
    third = proposer.propose(observations, envs, [0], rng)
    assert np.array_equal(third.actions[0], chunk[0, 2])
    proposer.executed(0, third.actions[0])
    fourth = proposer.propose(observations, envs, [0], rng)  # the chunk is spent: the policy looks again
    assert not fourth.distribution.planned
    proposer.begin_episode(0, envs[0])
    assert not proposer.propose(observations, envs, [0], rng).distribution.planned


def test_action_chunks_are_for_box_actions_only():
    with pytest.raises(Sim2ActError, match="action_chunk 2: action chunks are for Box action spaces, not 'discrete' ones"):
        build_policy(SPEC, PolicyConfig(d_model=32, heads=2, fusion_layers=1, action_chunk=2))


def test_a_multi_discrete_policy_proposes_one_class_per_dimension(envs, tmp_path):
    spec = PolicySpec(domain="grid", image_shape=(56, 56, 3), proprio_size=13,
                      action_space={"type": "multi_discrete", "nvec": [3, 5]}, vocabulary=VOCABULARY)
    torch.manual_seed(0)
    policy = build_policy(spec, PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2))
    assert isinstance(policy.head, MultiDiscreteHead) and action_space_of(policy) == spaces.MultiDiscrete([3, 5])
    proposer = PolicyProposer(load_policy(save_policy(policy, tmp_path / "ckpt")))
    proposal = proposer.propose(reset(envs, [8, 9]), envs, [0, 1], np.random.default_rng(0))
    probs = proposal.distribution.probs
    assert isinstance(proposal.distribution, MultiCategorical) and probs.shape == (2, 2, 5)
    assert (probs[:, 0, 3:] == 0).all() and np.allclose(probs.sum(-1), 1.0)  # dimension 0 has 3 classes
    assert all(proposer.action_space.contains(a) for a in proposal.actions)
    actions = torch.as_tensor(proposal.actions)
    assert policy.embed_actions(actions).shape == (2, 32)
    logits = policy.head(torch.zeros(2, 32))
    assert torch.isfinite(policy.head.log_prob(logits, actions)).all()


def test_binned_box_samples_inside_bounds():
    low, high = np.array([-1.0, 0.0, 5.0]), np.array([1.0, 0.5, 10.0])
    probs = np.random.default_rng(0).dirichlet(np.ones(4), size=(1000, 3))
    samples = BinnedBox(probs, low, high).sample(np.random.default_rng(1))
    assert samples.shape == (1000, 3) and samples.dtype == np.float32
    assert ((samples >= low) & (samples <= high)).all()
    # Samples are bin centres.
    centres = low + (np.arange(4)[:, None] + 0.5) / 4 * (high - low)
    assert all(np.isclose(samples[:, d][:, None], centres[:, d][None]).any(1).all() for d in range(3))


def test_binned_box_log_prob_finite_inside_and_minus_inf_outside():
    low, high = np.array([-1.0, 0.0]), np.array([1.0, 4.0])
    probs = np.full((3, 2, 4), 0.25)
    dist = BinnedBox(probs, low, high)
    inside = np.array([[0.0, 1.0], [-1.0, 0.0], [1.0, 4.0]])  # interior and both corners
    log_p = dist.log_prob(inside)
    assert np.isfinite(log_p).all()
    np.testing.assert_allclose(log_p, -np.log(2.0) - np.log(4.0))  # uniform density 1 / area
    outside = np.array([[1.5, 1.0], [0.0, -0.1], [-2.0, 5.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (dist.log_prob(outside) == -np.inf).all()
    # A zero-probability bin inside the Box is -inf too, without a warning.
    one_hot = np.zeros((2, 2, 4))
    one_hot[:, :, 0] = 1.0  # all mass on the first bin of each dimension
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = BinnedBox(one_hot, low, high).log_prob(np.array([[-0.9, 0.1], [0.9, 3.9]]))
    assert np.isfinite(scores[0]) and scores[1] == -np.inf
