"""``FiLMExtractor``: BabyAI-style image CNN conditioned on the instruction by FiLM."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from gymnasium import spaces

from sim2act.baselines import FiLMExtractor, TaskEnv


def _batch(space: spaces.Dict, instructions: np.ndarray, seed: int = 0) -> dict[str, torch.Tensor]:
    rng = np.random.default_rng(seed)
    batch = len(instructions)
    return {
        "image": torch.as_tensor(rng.random((batch, *space["image"].shape)), dtype=torch.float32),
        # stable-baselines3 hands Box entries over as floats
        "instruction": torch.as_tensor(instructions, dtype=torch.float32),
        "proprio": torch.as_tensor(rng.random((batch, *space["proprio"].shape)), dtype=torch.float32),
    }


def _instructions(space: spaces.Dict, rows: list[list[int]]) -> np.ndarray:
    ids = np.zeros((len(rows), space["instruction"].shape[0]), np.int64)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
    return ids


@pytest.mark.parametrize("cell_stem", ["conv", "factored"])
def test_output_shape_for_channels_last_and_channels_first_images(cell_stem):
    space = TaskEnv("grid", "GoToLocal").observation_space
    first = spaces.Dict({**space.spaces, "image": spaces.Box(0, 255, (3, 56, 56), np.uint8)})  # after VecTransposeImage
    ids = _instructions(space, [[2, 3, 4, 16, 29], [2, 5, 6, 17, 30, 31]])
    for obs_space in (space, first):
        extractor = FiLMExtractor(obs_space, features_dim=96, cell_stem=cell_stem)
        features = extractor(_batch(obs_space, ids))
        assert features.shape == (2, 96) and extractor.features_dim == 96 and torch.isfinite(features).all()


def test_features_depend_on_the_instruction_and_ignore_padding():
    space = TaskEnv("grid", "GoToLocal").observation_space
    torch.manual_seed(0)
    extractor = FiLMExtractor(space)
    same_image = _batch(space, _instructions(space, [[2, 3, 4, 16, 29]] * 2))
    same_image["instruction"][1, :5] = torch.tensor([2.0, 3, 4, 17, 30])
    features = extractor(same_image)
    assert not torch.allclose(features[0], features[1])
    short = extractor.encode_instruction(torch.tensor([[2, 3, 4, 16, 29, 0]]))
    padded = extractor.encode_instruction(torch.tensor([[2, 3, 4, 16, 29, 0, 0, 0, 0]]))
    batched = extractor.encode_instruction(torch.tensor([[2, 3, 4, 16, 29, 0, 0], [2, 3, 4, 16, 29, 5, 6]]))
    assert torch.allclose(short, padded, atol=1e-6) and torch.allclose(short[0], batched[0], atol=1e-6)
