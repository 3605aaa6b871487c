"""A short real PPO run shared by the baseline tests, a Box-action domain for SAC and a MultiDiscrete one for PPO."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

from sim2act.baselines import RLConfig, RLRun, train_rl
from sim2act.baselines.task_env import TaskEnv
from sim2act.envs import get_domain
from sim2act.envs.grid import GridEnv
from sim2act.envs.registry import _DOMAINS
from sim2act.evaluation import evaluate_proposer
from sim2act.evaluation.report import EvalReport
from sim2act.proposers.base import Proposer

TINY_PPO = RLConfig(level="GoToLocal", total_env_steps=200, n_envs=2, n_steps=16, batch_size=16, n_epochs=1, features_dim=32, device="cpu")
MARKS = (0, 50, 100, 150, 10_000)


@dataclass
class PPORun:
    out: Path
    run: RLRun
    marks: list[tuple[int, Proposer]] = field(default_factory=list)
    report: EvalReport | None = None
    """``evaluate_proposer`` of the proposer at mark 100, on 3 val episodes."""


@pytest.fixture(scope="session")
def ppo_run(tmp_path_factory) -> PPORun:
    out = tmp_path_factory.mktemp("ppo") / "run"
    result = PPORun(out, run=None)  # type: ignore[arg-type]

    def on_mark(env_steps: int, proposer: Proposer) -> None:
        result.marks.append((env_steps, proposer))
        if len(result.marks) == 3:
            result.report, _ = evaluate_proposer(proposer, "grid", ["GoToLocal"], "val", 3, num_envs=2, label="ppo@100")

    result.run = train_rl(TINY_PPO, out, marks=MARKS, on_mark=on_mark)
    return result


class ArgmaxActions(gym.Wrapper):
    """The grid with a Box action space: the largest of seven scores picks the discrete action."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.action_space = spaces.Box(-1.0, 1.0, (env.action_space.n,), np.float32)

    def step(self, action):
        return self.env.step(int(np.argmax(action)))


def _grid_behind(wrapper: type[gym.Wrapper], name: str, monkeypatch) -> str:
    """Register, for one test, a domain ``name``: the grid with ``wrapper`` around its envs."""
    domain = replace(get_domain("grid"), name=name, build=lambda level, **kwargs: wrapper(GridEnv(level, **kwargs)))
    monkeypatch.setitem(_DOMAINS, name, domain)
    return name


@pytest.fixture
def box_grid(monkeypatch) -> str:
    """A domain ``boxgrid`` (the grid behind ``ArgmaxActions``), registered for this test only."""
    return _grid_behind(ArgmaxActions, "boxgrid", monkeypatch)


class PairedActions(gym.Wrapper):
    """The grid with a ``MultiDiscrete([7, 3])`` action space (``pick_place``'s kind): the first choice acts."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.action_space = spaces.MultiDiscrete([env.action_space.n, 3])

    def step(self, action):
        return self.env.step(int(action[0]))


@pytest.fixture
def paired_grid(monkeypatch) -> str:
    """A domain ``pairedgrid`` (the grid behind ``PairedActions``), registered for this test only."""
    return _grid_behind(PairedActions, "pairedgrid", monkeypatch)


@pytest.fixture(scope="module")
def grid_frames():
    """16 GoToLocal reset frames as one ``TaskEnv`` batch, with the observation space (the RLFP agents' tests)."""
    env = TaskEnv("grid", "GoToLocal", seed=3)
    observations = [env.reset()[0] for _ in range(16)]
    space = env.observation_space
    env.close()
    return space, {key: np.stack([o[key] for o in observations]) for key in observations[0]}

