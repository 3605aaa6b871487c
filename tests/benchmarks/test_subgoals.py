"""Sub-goals: a sequenced instruction's clauses, each checked alone by BabyAI's verifier on a replay."""

from dataclasses import replace

import numpy as np
import pytest

import sim2act.envs
from sim2act.benchmarks.subgoals import subgoal_outcome
from sim2act.envs import get_domain
from sim2act.envs.grid.instructions import subgoals
from sim2act.errors import Sim2ActError
from sim2act.proposers.expert import ExpertProposer
from sim2act.rollout.collect import collect
from sim2act.rollout.recorder import EpisodeRecorder
from sim2act.tasks import TaskSampler


def test_clauses_keep_their_wording_and_must_be_instructions():
    assert subgoals("open a door and pick up the red key after you go to a ball") == [
        "open a door", "pick up the red key", "go to a ball"
    ]
    with pytest.raises(Sim2ActError):
        subgoals("go to the red ball, then dance")


def test_the_bot_completes_every_sub_goal_and_a_truncated_run_completes_fewer():
    level = "GoToSeqS5R2"
    envs = [EpisodeRecorder(sim2act.envs.make("grid", level))]
    proposer = ExpertProposer(envs[0].action_space, "grid")
    grid = get_domain("grid")
    episodes = collect(envs, proposer, TaskSampler("grid", level, "train", 0), range(3), np.random.default_rng(0))
    replay = sim2act.envs.make("grid", level)
    for episode in episodes:
        assert episode.succeeded
        outcome = subgoal_outcome(episode, grid, replay)
        assert outcome.total == len(subgoals(episode.task.instruction)) >= 2
        assert outcome.completed == outcome.total
    first = episodes[0]
    cut_before_the_end = first.actions[: len(first) // 3]
    partial = subgoal_outcome(replace(first, actions=cut_before_the_end), grid, replay)
    assert partial.completed < partial.total


def test_a_domain_without_a_sub_goal_splitter_is_refused_in_one_line():
    grid = get_domain("grid")
    with pytest.raises(Sim2ActError, match="no sub-goal splitter"):
        subgoal_outcome(None, replace(grid, replay=None), None)
