"""π0's cell scoring: per-dimension softmax over the image's cells for the instruction's phrases, and previews of
the best few actions."""

import json

import numpy as np
import pytest
from gymnasium import spaces

import sim2act.envs
from sim2act.actions.distributions import CandidateActions, MultiCategorical
from sim2act.errors import Sim2ActError
from sim2act.proposers import make_proposer
from sim2act.proposers.cell_prior import CellPriorProposer, _most_likely
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.rollout.recorder import EpisodeRecorder

@pytest.fixture
def prior(tabletop_prior):
    return tabletop_prior


def tabletop_envs(n, level="put-in-bowl"):
    envs = [EpisodeRecorder(sim2act.envs.make("tabletop", level)) for _ in range(n)]
    return envs, [env.reset(seed=seed)[0] for seed, env in enumerate(envs)]


def test_the_prior_learns_phrases_at_regions_and_reports_it(prior):
    info = json.loads((prior / "prior.json").read_text())
    assert info["region_count"] > 0 and 0 < info["region_chance"] < 1 and 0 <= info["region_accuracy"] <= 1


def test_cells_mode_gives_a_softmax_per_dimension_without_simulator_calls(prior):
    envs, observations = tabletop_envs(2, "pick")
    proposer = make_proposer("prior", envs[0].action_space, prior=str(prior), prior_mode="cells", domain="tabletop")
    dist = proposer.distribution(observations, envs, [0, 1])
    assert isinstance(dist, MultiCategorical) and dist.probs.shape == (2, 2, 64)
    assert np.allclose(dist.probs.sum(-1), 1.0) and proposer.preview_steps == 0
    assert np.allclose(dist.probs[:, 1], 1 / 64)  # "pick up ..." names no place: any cell serves
    assert not np.allclose(dist.probs[:, 0], 1 / 64)
    assert dist.sample(np.random.default_rng(0)).shape == (2, 2)


def test_a_sequence_instruction_is_proposed_one_sub_goal_per_step(prior):
    envs, observations = tabletop_envs(1, "tower")
    proposer = make_proposer("prior", envs[0].action_space, prior=str(prior), prior_mode="cells", domain="tabletop")
    instruction = observations[0]["instruction"]
    first, second = sim2act.envs.get_domain("tabletop").grammar.subgoals(instruction)[:2]
    assert proposer.phrases(instruction, 0) == proposer.action_phrases(first)
    assert proposer.phrases(instruction, 1) == proposer.action_phrases(second)
    assert proposer.phrases(instruction, 99) == proposer.action_phrases(proposer.subgoals(instruction)[-1])
    proposer.begin_episode(0, envs[0])
    before = proposer.distribution(observations, envs, [0]).probs
    np.testing.assert_allclose(before, proposer.cell_probabilities(observations, [0]))
    proposer.executed(0, np.array([0, 0]))
    after = proposer.distribution(observations, envs, [0]).probs  # the same frame, the next sub-goal's phrases
    np.testing.assert_allclose(after, proposer.cell_probabilities(observations, [1]))
    assert not np.allclose(before, after)
    proposer.begin_episode(0, envs[0])
    np.testing.assert_allclose(proposer.distribution(observations, envs, [0]).probs, before)


def test_cells_and_previews_score_the_best_actions_and_leave_the_env_alone(prior):
    envs, observations = tabletop_envs(2)
    proposer = make_proposer("prior", envs[0].action_space, prior=str(prior), prior_mode="cells+preview",
                             prior_candidates=3, domain="tabletop")
    before = [env.unwrapped.data.qpos.copy() for env in envs]
    dist = proposer.distribution(observations, envs, [0, 1])
    assert isinstance(dist, CandidateActions) and dist.actions.shape == (2, 3, 2)
    assert np.allclose(dist.probs.sum(1), 1.0) and proposer.preview_steps == 6
    assert all(np.array_equal(b, env.unwrapped.data.qpos) for b, env in zip(before, envs))
    cells = proposer.cell_probabilities(observations)
    for row in range(2):  # the candidates are the three most likely under the cell scores
        joint = np.outer(cells[row, 0], cells[row, 1])
        best = np.sort(joint.reshape(-1))[-3:]
        chosen = [joint[a, b] for a, b in dist.actions[row]]
        assert np.allclose(sorted(chosen), best)


def test_beam_search_finds_the_most_likely_combinations():
    probs = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3]])
    assert _most_likely(probs, 2).tolist() == [[1, 0], [1, 2]]


def test_cell_scoring_is_refused_where_actions_name_no_cells(prior):
    with pytest.raises(Sim2ActError, match="needs a domain whose actions name cells"):
        make_proposer("prior", spaces.Discrete(7), prior=str(prior), prior_mode="cells", domain="grid")
    with pytest.raises(Sim2ActError, match="MultiDiscrete"):
        CellPriorProposer(spaces.Box(-1, 1, (4,)), prior, ((0.5, 0.5),), lambda text: (None,))
    with pytest.raises(Sim2ActError, match="prior-mode must be one of"):
        make_proposer("prior", spaces.Discrete(7), prior=str(prior), prior_mode="cell", domain="grid")


def test_generation_with_cell_scores_records_its_mode(prior, tmp_path):
    config = GenerateConfig(domain="tabletop", level="put-in-bowl", episodes=3, num_envs=3, proposer="prior",
                            prior=str(prior), prior_mode="cells", labels="both")
    summary = generate(config, tmp_path / "data")
    assert summary.rollouts == 3 and summary.preview_steps == 0 and summary.proposer == "prior(cells)"
    card = json.loads((tmp_path / "data" / "meta" / "info.json").read_text())
    assert card["runs"][0]["config"]["prior_mode"] == "cells"
    with pytest.raises(Sim2ActError, match="--prior-mode must be one of"):
        GenerateConfig(prior_mode="both").validated()
