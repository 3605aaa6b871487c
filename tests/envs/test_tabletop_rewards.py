"""The RL baselines' reward: the verifier's success, plus potential-based distance shaping on request."""

import numpy as np
import pytest

import sim2act.envs
from sim2act.envs.tabletop import rewards
from sim2act.envs.tabletop.expert import TabletopExpert
from sim2act.errors import Sim2ActError


def expert_episode(env, seed):
    env.reset(seed=seed)
    expert, last, steps = TabletopExpert(env), None, []
    while (action := expert.act(last)) is not None:
        _, reward, terminated, truncated, info = env.step(action)
        steps.append((reward, info["success"]))
        last = action
        if terminated or truncated:
            break
    return steps


@pytest.mark.parametrize("level", ["put-in-bowl", "stack", "tower"])
def test_shaping_telescopes_and_leaves_success_as_the_sparse_reward(level):
    sparse, shaped = (sim2act.envs.make("tabletop", level, reward=r) for r in ("success", "shaped"))
    plain = expert_episode(sparse, seed=2)
    shaped.reset(seed=2)
    start = rewards.potential(shaped.unwrapped)
    dense = expert_episode(shaped, seed=2)
    assert [s for _, s in plain] == [s for _, s in dense] and plain[-1][1]
    assert [r for r, _ in plain] == [float(s) for _, s in plain]
    shaping = sum(r for r, _ in dense) - sum(r for r, _ in plain)
    assert np.isclose(shaping, rewards.potential(shaped.unwrapped) - start)  # F = Φ(s') − Φ(s), summed
    assert shaping > 0  # the expert moves the subject to its goal


def test_a_bad_reward_option_is_one_line():
    with pytest.raises(Sim2ActError, match="reward must be one of success, shaped"):
        sim2act.envs.make("tabletop", "pick", reward="dense")
