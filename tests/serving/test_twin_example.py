"""The robot-side example, for real: a MuJoCo-trained tabletop policy served over loopback drives the PyBullet twin."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sim2act.evaluation import evaluate_proposer
from sim2act.models import PolicyConfig, load_policy
from sim2act.proposers.policy import PolicyProposer
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.serving import PolicyHost, PolicyServer, ServeConfig
from sim2act.training import TrainConfig, resolve_policy_folder, train

EXAMPLE = Path(__file__).parents[2] / "examples" / "drive_twin_over_server.py"


@pytest.fixture(scope="module")
def tabletop_checkpoint(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("twin-serve")
    generate(GenerateConfig(domain="tabletop", level="pick", proposer="expert", episodes=8, num_envs=4, shard_episodes=4),
             root / "data")
    config = TrainConfig(data=str(root / "data"), policy=PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=1),
                         steps=10, batch_size=16, log_every=10, device="cpu")
    train(config, root / "run")
    return resolve_policy_folder(root / "run")


def test_the_example_driving_the_twin_over_the_server_matches_in_process_evaluation_there(tabletop_checkpoint):
    spec = importlib.util.spec_from_file_location("drive_twin_over_server", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    episodes, seed = 3, 2
    with PolicyServer(PolicyHost(tabletop_checkpoint, greedy=True), ServeConfig(port=0)).running() as server:
        outcomes = example.drive(f"ws://127.0.0.1:{server.port}", "pick", episodes, "val", seed)
    proposer = PolicyProposer(load_policy(tabletop_checkpoint), greedy=True)
    report, recorded = evaluate_proposer(proposer, "tabletop", ["pick"], "val", episodes, seed=seed, num_envs=1,
                                         env_options={"simulator": "pybullet"})
    recorded = sorted(recorded, key=lambda e: e.episode_id)
    assert outcomes == [(e.succeeded, len(e)) for e in recorded]
    assert sum(s for s, _ in outcomes) / episodes == report.overall.success_rate
