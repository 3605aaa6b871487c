"""Decision Stacks' parts: the windows it trains on, and each module learning what it is for on synthetic latents."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sim2act.baselines.decision_stacks import DecisionStacksConfig
from sim2act.baselines.decision_stacks.modules import ActionModel, ObservationDiffusion, RewardModel
from sim2act.baselines.decision_stacks.windows import Windows
from sim2act.errors import Sim2ActError


def test_windows_follow_each_episode_and_mask_what_lies_past_its_end():
    episode_ids = np.array([7, 3, 7, 3, 7])  # two episodes, rows interleaved as shards may hold them
    steps = np.array([0, 0, 1, 1, 2])
    windows = Windows.of(episode_ids, steps, horizon=2)
    by_start = {int(rows[0]): (rows.tolist(), valid.tolist()) for rows, valid in zip(windows.rows, windows.valid)}
    assert by_start[0] == ([0, 2, 4], [True, True, True])
    assert by_start[2] == ([2, 4, 4], [True, True, False])  # the last frame repeated, masked
    assert by_start[1] == ([1, 3, 3], [True, True, False])
    assert by_start[3] == ([3, 3, 3], [True, False, False])
    assert len(windows) == 5 and windows.horizon == 2


LATENT, GOAL, H = 6, 4, 3


def _synthetic(batch: int, generator: torch.Generator):
    """Plans that walk from the current latent along the goal's direction: z_{t+k} = z_t + k·[goal, 0, 0]."""
    current = torch.randn(batch, LATENT, generator=generator)
    goal = torch.nn.functional.one_hot(torch.randint(0, GOAL, (batch,), generator=generator), GOAL).float()
    step = torch.cat([goal, torch.zeros(batch, LATENT - GOAL)], 1)
    plan = current[:, None] + torch.arange(1, H + 1)[None, :, None] * step[:, None]
    return current, goal, plan


def test_the_observation_model_learns_to_plan_toward_its_goal():
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = ObservationDiffusion(LATENT, GOAL, H, d=64, heads=4, layers=2, steps=10)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    for _ in range(400):
        current, goal, plan = _synthetic(128, generator)
        drop = torch.rand(128, generator=generator) < 0.2
        loss = model.loss(plan, torch.ones(128, H, dtype=torch.bool), current, goal, drop, generator)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    current, goal, plan = _synthetic(64, generator)
    sampled = model.sample(current, goal, guidance=1.0, generator=generator)
    error = (sampled - plan).pow(2).mean()
    assert error < 0.25 * plan.var(), (error, plan.var())  # far closer than the plans' own spread
    wrong_goal = model.sample(current, goal.roll(1, dims=1), guidance=1.0, generator=generator)
    assert (wrong_goal - plan).pow(2).mean() > 2 * error  # the goal steers the plan


def test_the_reward_model_finds_the_step_that_succeeds():
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    model = RewardModel(LATENT, GOAL, H, d=32, heads=4, layers=1)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)

    def batch(n):  # success where the frame's first coordinate is the largest
        frames = torch.randn(n, H + 1, LATENT, generator=generator)
        rewards = (frames.argmax(-1) == 0).float()
        return frames, rewards, torch.zeros(n, GOAL)

    for _ in range(300):
        frames, rewards, goal = batch(128)
        loss = model.loss(frames, rewards, torch.ones_like(rewards, dtype=torch.bool), goal)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    frames, rewards, goal = batch(256)
    predicted = model.predict(frames, goal)
    assert ((predicted > 0.5).float() == rewards).float().mean() > 0.85


def test_the_action_model_reads_the_action_off_the_planned_frames():
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(2)
    model = ActionModel(LATENT, GOAL, H, actions=LATENT, d=32, heads=4, layers=1)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)

    def batch(n):  # the action is the coordinate that grows from one frame to the next
        actions = torch.randint(0, LATENT, (n, H), generator=generator)
        frames = torch.zeros(n, H + 1, LATENT)
        frames[:, 0] = torch.randn(n, LATENT, generator=generator)
        for k in range(H):
            frames[:, k + 1] = frames[:, k] + 3 * torch.nn.functional.one_hot(actions[:, k], LATENT)
        return frames, torch.zeros(n, H + 1), actions, torch.zeros(n, GOAL)

    for _ in range(300):
        frames, rewards, actions, goal = batch(128)
        loss = model.loss(frames, rewards, actions, torch.ones(128, H + 1, dtype=torch.bool), goal)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    frames, rewards, actions, goal = batch(256)
    first = model.first_action_probabilities(frames, rewards, goal).argmax(-1)
    assert (first == actions[:, 0]).float().mean() > 0.9  # uniform: 1 in 6


def test_bad_config_is_a_one_line_error():
    with pytest.raises(Sim2ActError, match="needs a dataset"):
        DecisionStacksConfig().validated()
    with pytest.raises(Sim2ActError, match="multiple of heads"):
        DecisionStacksConfig(data="d", prior="p", d_model=30, heads=4).validated()
    with pytest.raises(Sim2ActError, match="goal_dropout"):
        DecisionStacksConfig(data="d", prior="p", goal_dropout=1.0).validated()


def test_a_folder_without_trained_modules_is_a_user_error(tmp_path):
    from sim2act.baselines.decision_stacks import DecisionStacksProposer

    with pytest.raises(Sim2ActError, match="no Decision Stacks run at .*action_model.pt"):
        DecisionStacksProposer(tmp_path)
