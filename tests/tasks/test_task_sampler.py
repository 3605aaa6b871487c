"""TaskSampler: split-respecting, order-independent task draws."""

import pytest

import sim2act.envs
from sim2act.envs import get_domain
from sim2act.envs.grid.language import compositions
from sim2act.errors import Sim2ActError
from sim2act.tasks import SPLITS, TaskSampler, belongs_to


@pytest.fixture(scope="module")
def env():
    return sim2act.envs.make("grid", "GoToLocal")


@pytest.mark.parametrize("split", SPLITS)
def test_tasks_belong_to_their_split(env, split):
    sampler = TaskSampler("grid", "GoToLocal", split, seed=0)
    for index in range(8):
        task, obs, info = sampler.reset(env, index)
        assert task.split == split and task.level == "GoToLocal" and task.domain == "grid"
        assert SPLITS[split].owns_seed(task.seed)
        assert belongs_to(SPLITS[split], "grid", task.seed, task.instruction)
        assert task.instruction == obs["instruction"] == info["instruction"]


def test_unseen_composition_tasks_name_a_held_out_composition(env):
    sampler = TaskSampler("grid", "GoToLocal", "test_unseen_composition", seed=1)
    for index in range(10):
        task, _, _ = sampler.reset(env, index)
        assert compositions(task.instruction) & get_domain("grid").grammar.held_out


def test_same_episode_index_gives_same_task_in_any_order():
    forward = TaskSampler("grid", "GoToLocal", "train", seed=7)
    backward = TaskSampler("grid", "GoToLocal", "train", seed=7)
    env_a, env_b = sim2act.envs.make("grid", "GoToLocal"), sim2act.envs.make("grid", "GoToLocal")
    indices = range(6)
    tasks_a = {i: forward.reset(env_a, i)[0] for i in indices}
    tasks_b = {i: backward.reset(env_b, i)[0] for i in reversed(indices)}
    assert tasks_a == tasks_b
    assert len({t.seed for t in tasks_a.values()}) == len(indices)

    other_seed = TaskSampler("grid", "GoToLocal", "train", seed=8)
    assert [other_seed.reset(env_a, i)[0].seed for i in indices] != [tasks_a[i].seed for i in indices]


def test_level_without_held_out_instructions_cannot_fill_that_split():
    env = sim2act.envs.make("grid", "GoToRedBallGrey")
    sampler = TaskSampler("grid", "GoToRedBallGrey", "test_unseen_composition", seed=0, max_attempts=50)
    with pytest.raises(Sim2ActError, match=r"'GoToRedBallGrey'.*test_unseen_composition.*50"):
        sampler.reset(env, 0)


def test_unknown_split_raises():
    with pytest.raises(Sim2ActError, match="'heldout'"):
        TaskSampler("grid", "GoToLocal", "heldout", seed=0)


def test_a_domain_without_held_out_pairs_has_no_composition_split_and_says_so(monkeypatch):
    from dataclasses import replace

    import pytest

    from sim2act.envs import registry
    from sim2act.errors import Sim2ActError

    grid = registry._DOMAINS["grid"]
    monkeypatch.setitem(registry._DOMAINS, "grid", replace(grid, grammar=replace(grid.grammar, held_out=frozenset())))
    with pytest.raises(Sim2ActError, match="declares no held-out compositions"):
        TaskSampler("grid", "GoToLocal", "test_unseen_composition", seed=0)
