"""Factory fixtures that build tiny real datasets with the real generator."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim2act.priors import PriorConfig, pretrain_prior
from sim2act.rollout.generation import GenerateConfig, generate

TINY = {"episodes": 12, "num_envs": 4, "shard_episodes": 4}

TINY_TABLETOP_PRIOR = PriorConfig(domain="tabletop", level="put-in-bowl", frames=40, steps=4, batch_size=16,
                                  hidden_size=16, layers=1, heads=2, projection_dim=16)

TINY_LOOP = """
domain = "grid"
level = "GoToLocal"
round0_proposer = "uniform"
rounds = 1
round0_episodes = 32
round0_train_steps = 6
val_episodes = 4
test_episodes_per_round = 4
final_episodes = 4
gifs = 0
num_envs = 8

[policy]
d_model = 32
fusion_layers = 1

[train]
batch_size = 32
"""

TINY_RELEASE = """
seed = 3

[[parts]]
domain = "grid"
loop = "tiny-loop.toml"
levels = ["GoToLocal", "PickupLoc"]
episodes = 12
level_episodes = { PickupLoc = 8 }
shard_episodes = 6
num_envs = 6
"""


@pytest.fixture
def make_dataset(tmp_path: Path):
    """``make_dataset(name, **config)`` generates a small GoToLocal dataset and returns its folder."""

    def build(name: str = "dataset", **overrides) -> Path:
        out = tmp_path / name
        generate(GenerateConfig(**{**TINY, **overrides}), out)
        return out

    return build


@pytest.fixture(scope="session")
def tabletop_prior(tmp_path_factory):
    """A tiny π0 pretrained on captioned tabletop frames (put-in-bowl)."""
    return pretrain_prior(TINY_TABLETOP_PRIOR, tmp_path_factory.mktemp("prior") / "tabletop").out


@pytest.fixture(scope="session")
def write_tiny_release():
    """``write_tiny_release(folder)`` writes a tiny release config (a seconds-long grid loop, two levels) and the loop
    config it names into ``folder``; returns the release config's path."""

    def write(folder: Path) -> Path:
        (folder / "tiny-loop.toml").write_text(TINY_LOOP)
        (folder / "tiny-release.toml").write_text(TINY_RELEASE)
        return folder / "tiny-release.toml"

    return write


@pytest.fixture(scope="session")
def tiny_release(tmp_path_factory, write_tiny_release):
    """A tiny release built once for the session: ``(out, config path, release record)``."""
    from sim2act.release import build_release, load_release_config

    config = write_tiny_release(tmp_path_factory.mktemp("configs"))
    out = tmp_path_factory.mktemp("release") / "release"
    return out, config, build_release(load_release_config(config), out)


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Tests run tiny models: one intra-op thread beats two oversubscribed ones on a 2-core machine."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
