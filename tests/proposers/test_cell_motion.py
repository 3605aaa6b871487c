"""π0 in a continuous mode: cells chosen by the prior's scores, then the domain's motion to them, step by step."""

import copy

import numpy as np
import pytest
from gymnasium import spaces

import sim2act.envs
from sim2act.actions.distributions import CandidateActions
from sim2act.envs import get_domain
from sim2act.errors import Sim2ActError
from sim2act.proposers import make_proposer
from sim2act.proposers.cell_motion import CellMotionProposer
from sim2act.proposers.cell_prior import CellPriorProposer
from sim2act.rollout.recorder import EpisodeRecorder

EE = {"action_mode": "ee_delta"}


def test_cells_mode_in_ee_delta_follows_a_motion_without_simulator_calls(tabletop_prior):
    env = EpisodeRecorder(sim2act.envs.make("tabletop", "put-in-bowl", **EE))
    observation, _ = env.reset(seed=0)
    proposer = make_proposer("prior", env.action_space, prior=str(tabletop_prior), prior_mode="cells",
                             domain="tabletop", env_options=EE)
    assert isinstance(proposer, CellMotionProposer)
    proposer.begin_episode(0, env)
    first = proposer.distribution([observation], [env], [0])
    assert isinstance(first, CandidateActions)
    action = first.sample(np.random.default_rng(0))[0]
    assert env.action_space.contains(action) and first.log_prob(action[None])[0] == 0.0
    motion = proposer._motions[0]
    for _ in range(5):
        observation, *_ = env.step(action)
        expected = copy.deepcopy(motion).act(observation)  # what the motion under way does next
        action = proposer.distribution([observation], [env], [0]).sample(np.random.default_rng(0))[0]
        np.testing.assert_array_equal(action, expected)
    assert proposer.preview_steps == 0
    env.close()


def test_the_choice_of_cells_is_a_function_of_the_frame(tabletop_prior):
    actions = []
    for _ in range(2):
        env = sim2act.envs.make("tabletop", "pick", **EE)
        observation, _ = env.reset(seed=3)
        proposer = make_proposer("prior", env.action_space, prior=str(tabletop_prior), prior_mode="cells",
                                 domain="tabletop", env_options=EE)
        proposer.begin_episode(0, env)
        actions.append(proposer.distribution([observation], [env], [0]).actions)
        env.close()
    np.testing.assert_array_equal(*actions)


def test_cell_motions_need_a_box_space(tabletop_prior):
    motions = get_domain("tabletop").cell_motions(EE)
    scorer = CellPriorProposer(spaces.MultiDiscrete([64, 64]), tabletop_prior, motions.cell_pixels, lambda text: (None, None))
    with pytest.raises(Sim2ActError, match="Box action space"):
        CellMotionProposer(spaces.Discrete(3), scorer, motions.start)
