"""The uniform proposer and the uniform distribution over an action space."""

import numpy as np
import pytest
from gymnasium import spaces

import sim2act.envs
from sim2act.actions.distributions import Categorical, UniformBox
from sim2act.actions.uniform import uniform_distribution
from sim2act.errors import Sim2ActError
from sim2act.proposers import make_proposer
from sim2act.proposers.uniform import UniformProposer


def test_uniform_distribution_per_space():
    discrete = uniform_distribution(spaces.Discrete(5), batch=3)
    assert isinstance(discrete, Categorical)
    np.testing.assert_allclose(discrete.probs, np.full((3, 5), 0.2))

    box = uniform_distribution(spaces.Box(-2.0, 2.0, (4,)), batch=3)
    assert isinstance(box, UniformBox)
    assert box.sample(np.random.default_rng(0)).shape == (3, 4)

    with pytest.raises(Sim2ActError, match="no uniform distribution"):
        uniform_distribution(spaces.Box(-np.inf, np.inf, (2,)), batch=1)


def test_uniform_proposer_on_grid_env():
    envs = [sim2act.envs.make("grid", "GoToLocal") for _ in range(3)]
    observations = [env.reset(seed=i)[0] for i, env in enumerate(envs)]
    proposer = make_proposer("uniform", envs[0].action_space)
    assert isinstance(proposer, UniformProposer) and proposer.name == "uniform"
    rng = np.random.default_rng(0)
    actions = np.concatenate([proposer.propose(observations, envs, [0, 1, 2], rng).actions for _ in range(500)])
    assert all(envs[0].action_space.contains(int(a)) for a in actions)
    np.testing.assert_allclose(np.bincount(actions, minlength=7) / len(actions), 1 / 7, atol=0.02)
