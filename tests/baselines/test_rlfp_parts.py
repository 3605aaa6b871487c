"""RLFP's parts: the buffers, DrQ's shifts and the learning rule."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from sim2act.baselines.rlfp import RLFPConfig
from sim2act.baselines.rlfp.agent import FoundationActorCritic
from sim2act.baselines.rlfp.buffer import NStepReplay, SuccessBuffer, load_buffers, save_buffers, unprefixed
from sim2act.baselines.rlfp.inputs import random_shift
from sim2act.errors import Sim2ActError


def _obs(value: int) -> dict[str, np.ndarray]:
    return {"image": np.full((2, 2, 3), value, np.uint8), "instruction": np.array([1, value], np.int64)}


def test_n_step_returns_discount_by_how_the_window_ended():
    replay = NStepReplay(capacity=16, n_step=3, gamma=0.5)
    prior = np.full(4, 0.25)
    for t in range(4):  # slot 0: four steps, the last terminates; slot 1 interleaved, truncated after two
        replay.add(0, _obs(t), t, reward=1.0, next_obs=_obs(t + 1), terminated=t == 3, truncated=False, prior=prior)
        if t < 2:
            replay.add(1, _obs(10 + t), 0, reward=2.0, next_obs=_obs(11 + t), terminated=False, truncated=t == 1, prior=prior)
    rows = replay.ring.state("")
    by_start = {(int(o[0]), int(a)): (r, d, int(n[0])) for o, a, r, d, n in zip(
        rows["obs/instruction"][:, 1:], rows["action"], rows["return"], rows["discount"], rows["next/instruction"][:, 1:])}
    assert len(replay) == 6
    assert by_start[(0, 0)] == (1 + 0.5 + 0.25, 0.125, 3)  # three steps, bootstrap from o_3
    assert by_start[(1, 1)] == (1 + 0.5 + 0.25, 0.0, 4)  # ends at the termination: no bootstrap
    assert by_start[(3, 3)] == (1.0, 0.0, 4)
    assert by_start[(10, 0)] == (2 + 1.0, 0.25, 12)  # truncated after two steps: bootstrap, γ²
    assert by_start[(11, 0)] == (2.0, 0.5, 12)


def test_success_buffer_keeps_only_successful_episodes_and_both_buffers_survive_a_save(tmp_path):
    successes = SuccessBuffer(capacity=8)
    for t in range(3):
        successes.add(0, _obs(t), t, done=t == 2, success=t == 2)
    for t in range(2):
        successes.add(1, _obs(20 + t), 5, done=t == 1, success=False)
    assert len(successes) == 3
    replay = NStepReplay(capacity=4, n_step=1, gamma=0.9)
    for t in range(6):  # more than its capacity: the oldest go
        replay.add(0, _obs(t), t, 0.0, _obs(t + 1), False, False, np.full(2, 0.5))
    save_buffers(tmp_path / "b.npz", replay, successes)
    replay2, successes2 = NStepReplay(4, 1, 0.9), SuccessBuffer(8)
    load_buffers(tmp_path / "b.npz", replay2, successes2)
    assert len(replay2) == 4 and len(successes2) == 3
    assert sorted(replay2.ring.state("")["action"]) == [2, 3, 4, 5]
    replay2.add(0, _obs(9), 9, 0.0, _obs(10), False, False, np.full(2, 0.5))  # writes over the oldest (2)
    assert sorted(replay2.ring.state("")["action"]) == [3, 4, 5, 9]
    batch = replay2.sample(5, np.random.default_rng(0))
    assert unprefixed(batch, "obs/")["image"].shape == (5, 2, 2, 3)


def test_random_shift_crops_a_padded_copy_and_zero_leaves_images_alone():
    images = torch.arange(2 * 6 * 6 * 1, dtype=torch.float32).reshape(2, 6, 6, 1)
    generator = torch.Generator().manual_seed(0)
    assert random_shift(images, 0, generator) is images
    shifted = random_shift(images, 2, generator)
    assert shifted.shape == images.shape
    padded = torch.nn.functional.pad(images.permute(0, 3, 1, 2), (2, 2, 2, 2), mode="replicate")[:, 0]
    for b in range(2):  # each crop is a window of its own padded image
        windows = [padded[b, i:i + 6, j:j + 6] for i in range(5) for j in range(5)]
        assert any(torch.equal(shifted[b, :, :, 0], w) for w in windows)


def _batch(frames: dict, actions: np.ndarray, returns: np.ndarray, prior: np.ndarray) -> dict:
    return {**{f"obs/{k}": v for k, v in frames.items()}, **{f"next/{k}": v for k, v in frames.items()},
            "action": actions, "return": returns.astype(np.float32), "discount": np.zeros(len(actions), np.float32),
            "prior": prior.astype(np.float16)}


TINY = RLFPConfig(prior="unused", features_dim=32, channels=8, learning_rate=3e-3, entropy=0.001)


@pytest.mark.parametrize("cell_stem", ["conv", "factored"])
def test_the_actor_learns_the_rewarded_action_against_a_prior_that_points_elsewhere(grid_frames, cell_stem):
    space, frames = grid_frames
    agent = FoundationActorCritic(space, 7, replace(TINY, prior_kl=0.05, success_kl=0.0, cell_stem=cell_stem), cell_pixels=8)
    rng = np.random.default_rng(0)
    prior = np.tile(np.eye(7)[0] * 0.9 + 0.1 / 7, (16, 1))  # π0 favours action 0; reward comes only from action 2
    for _ in range(150):
        actions = rng.integers(0, 7, 16)
        agent.update(_batch(frames, actions, (actions == 2) * 1.0, prior), None)
    pi, q = agent.policy_and_q(frames)
    assert (q.argmax(1) == 2).all()
    assert pi[:, 2].mean() > 0.8


def test_with_no_reward_the_actor_follows_the_prior_and_the_success_buffer(grid_frames):
    space, frames = grid_frames
    rng = np.random.default_rng(1)
    prior = np.tile(np.eye(7)[4] * 0.9 + 0.1 / 7, (16, 1))
    follower = FoundationActorCritic(space, 7, replace(TINY, prior_kl=1.0, success_kl=0.0), cell_pixels=8)
    imitator = FoundationActorCritic(space, 7, replace(TINY, prior_kl=0.0, success_kl=1.0), cell_pixels=8)
    successes = {**{f"obs/{k}": v for k, v in frames.items()}, "action": np.full(16, 5)}
    for _ in range(100):
        batch = _batch(frames, rng.integers(0, 7, 16), np.zeros(16), prior)
        follower.update(batch, None)
        imitator.update(batch, successes)
    assert follower.policy_and_q(frames)[0][:, 4].mean() > 0.6
    assert imitator.policy_and_q(frames)[0][:, 5].mean() > 0.8


def test_bad_config_is_a_one_line_error():
    with pytest.raises(Sim2ActError, match="needs a prior"):
        RLFPConfig().validated()
    with pytest.raises(Sim2ActError, match="prior_kl"):
        RLFPConfig(prior="p", prior_kl=-1).validated()
    with pytest.raises(Sim2ActError, match="gamma"):
        RLFPConfig(prior="p", gamma=1.5).validated()
    with pytest.raises(Sim2ActError, match="unknown cell stem 'patchy'"):
        RLFPConfig(prior="p", cell_stem="patchy").validated()


def test_the_q_filter_is_exactly_the_distribution_of_the_critics_choice():
    from sim2act.baselines.rlfp.q_filter import q_filtered

    rng = np.random.default_rng(0)
    actor, prior = rng.dirichlet(np.ones(5), 2), rng.dirichlet(np.ones(5), 2)
    q = np.array([[0.3, 1.0, 1.0, -2.0, 0.5], [1.0, 1.0, 1.0, 1.0, 1.0]])  # ties: the actor's sample stays
    exact = q_filtered(actor, prior, q)
    assert np.allclose(exact.sum(1), 1) and np.allclose(exact[1], actor[1])
    draws = 200_000
    a1 = np.array([rng.choice(5, draws, p=actor[0]), rng.choice(5, draws, p=prior[0])])
    won = np.where(q[0, a1[1]] > q[0, a1[0]], a1[1], a1[0])
    assert np.allclose(np.bincount(won, minlength=5) / draws, exact[0], atol=0.005)
