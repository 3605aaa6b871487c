"""Factory fixtures that build tiny real datasets with the real generator."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim2act.rollout.generation import GenerateConfig, generate

TINY = {"episodes": 12, "num_envs": 4, "shard_episodes": 4}


@pytest.fixture
def make_dataset(tmp_path: Path):
    """``make_dataset(name, **config)`` generates a small GoToLocal dataset and returns its folder."""

    def build(name: str = "dataset", **overrides) -> Path:
        out = tmp_path / name
        generate(GenerateConfig(**{**TINY, **overrides}), out)
        return out

    return build


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Tests run tiny models: one intra-op thread beats two oversubscribed ones on a 2-core machine."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
