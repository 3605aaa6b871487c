"""``JointActions``: one index per whole action, and every kind of π0 distribution read as probabilities over them."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium import spaces

from sim2act.actions.distributions import CandidateActions, Categorical, JointCategorical, MultiCategorical
from sim2act.baselines.joint_actions import JointActions
from sim2act.errors import Sim2ActError


def test_joint_actions_index_every_action_once_and_round_trip():
    paired = JointActions(spaces.MultiDiscrete([3, 4]))
    assert paired.n == 12
    assert sorted(paired.index(paired.env_action(i)) for i in range(12)) == list(range(12))
    assert paired.index(np.array([2, 1])) == 9
    shifted = JointActions(spaces.Discrete(3, start=1))
    assert [shifted.env_action(i) for i in range(3)] == [1, 2, 3] and shifted.index(3) == 2
    with pytest.raises(Sim2ActError, match="Discrete"):
        JointActions(spaces.Box(-1, 1, (2,)))


def test_every_kind_of_pi0_distribution_becomes_joint_probabilities():
    paired = JointActions(spaces.MultiDiscrete([2, 3]))
    per_dim = np.array([[[0.25, 0.75, 0.0], [0.2, 0.3, 0.5]]])
    joint = paired.probabilities(MultiCategorical(per_dim))
    assert joint.shape == (1, 6) and np.isclose(joint.sum(), 1)
    assert np.isclose(joint[0, paired.index([1, 2])], 0.75 * 0.5)
    table = np.arange(6, dtype=float).reshape(1, 2, 3) / 15
    assert np.allclose(paired.probabilities(JointCategorical(table)), table.reshape(1, 6))
    candidates = CandidateActions(np.array([[[1, 2], [0, 0], [1, 2]]]), np.array([[0.5, 0.2, 0.3]]))
    from_candidates = paired.probabilities(candidates)
    assert np.isclose(from_candidates[0, paired.index([1, 2])], 0.8) and np.isclose(from_candidates[0, 0], 0.2)
    assert np.allclose(JointActions(spaces.Discrete(3)).probabilities(Categorical(np.array([[0.2, 0.3, 0.5]]))), [[0.2, 0.3, 0.5]])
