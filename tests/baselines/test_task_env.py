"""``TaskEnv``: a sim2act env over one task split, in fixed-shape arrays for stable-baselines3."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

from sim2act.baselines import InstructionEncoder, TaskEnv
from sim2act.baselines.task_env import INFO_TASK
from sim2act.errors import Sim2ActError
from sim2act.tasks import belongs_to, get_split


@pytest.mark.parametrize("split", ["train", "test_unseen_composition"])
def test_task_env_passes_check_env_and_stays_in_its_split(split):
    env = TaskEnv("grid", "GoToLocal", split, seed=5)
    check_env(env, skip_render_check=True)
    sb3_check_env(env, warn=False)
    env.reset(seed=5)
    for _ in range(6):
        obs, info = env.reset()
        task = info[INFO_TASK]
        assert belongs_to(get_split(split), "grid", task.seed, task.instruction)
        assert task.split == split and env.observation_space.contains(obs)
    env.close()


def test_observation_carries_image_instruction_ids_and_proprio():
    env = TaskEnv("grid", "GoToLocal")
    obs, info = env.reset(seed=0)
    assert set(obs) == {"image", "instruction", "proprio"}
    assert obs["image"].shape == (56, 56, 3) and obs["image"].dtype == np.uint8
    ids = obs["instruction"]
    encoder = InstructionEncoder("grid")
    expected = encoder.tokenizer.encode([info[INFO_TASK].instruction])[0][0].numpy()
    assert ids.dtype == np.int64 and ids.shape == (encoder.max_length,)
    assert ids[: len(expected)].tolist() == expected.tolist() and not ids[len(expected) :].any()
    obs, reward, terminated, truncated, info = env.step(2)
    assert isinstance(reward, float) and "success" in info and "achieved" in info
    assert obs["instruction"].tolist() == ids.tolist()


def test_seeded_reset_restarts_the_task_sequence_and_plain_reset_moves_on():
    env = TaskEnv("grid", "GoToLocal")
    first = [env.reset(seed=3)[1][INFO_TASK]] + [env.reset()[1][INFO_TASK] for _ in range(3)]
    again = [env.reset(seed=3)[1][INFO_TASK]] + [env.reset()[1][INFO_TASK] for _ in range(3)]
    assert first == again and len({t.seed for t in first}) == 4
    assert env.reset(seed=4)[1][INFO_TASK] != first[0]


def test_unknown_split_is_a_user_error():
    with pytest.raises(Sim2ActError, match="unknown split 'tain'"):
        TaskEnv("grid", "GoToLocal", "tain")
