"""``evaluate``: roll a trained checkpoint out on a split and write its report and GIFs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim2act.errors import Sim2ActError
from sim2act.evaluation import EvalConfig, evaluate
from sim2act.models import PolicyConfig
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.training import TrainConfig, resolve_policy_folder, train


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("evaluate")
    generate(GenerateConfig(proposer="expert", episodes=8, num_envs=4, shard_episodes=4), root / "data")
    config = TrainConfig(
        data=str(root / "data"), policy=PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2),
        steps=10, batch_size=16, log_every=10, device="cpu",
    )
    train(config, root / "run")
    return root / "run"


def test_evaluate_writes_report_and_gif(run_dir, tmp_path):
    out = tmp_path / "eval"
    report = evaluate(EvalConfig(checkpoint=str(run_dir), split="val", episodes=4, num_envs=2, gifs=1), out)
    assert report.episodes == 4 and report.split == "val" and report.levels == ["GoToLocal"]
    assert report.checkpoint == str(resolve_policy_folder(run_dir))
    info = json.loads((out / "eval_info.json").read_text())
    assert info["episodes"] == 4 and info["split"] == "val" and info["levels"] == ["GoToLocal"]
    overall = info["overall"]
    assert overall["episodes"] == 4 and 0.0 <= overall["success_rate"] <= 1.0
    assert overall["ci_low"] <= overall["success_rate"] <= overall["ci_high"]
    assert info["by_level"]["GoToLocal"]["episodes"] == 4 and info["env_steps"] >= 4
    gifs = list((out / "gifs").iterdir())
    assert len(gifs) == 1 and gifs[0].read_bytes()[:6] in (b"GIF87a", b"GIF89a")
    assert gifs[0].name.startswith("episode-000-") and (out / "eval.md").read_text().startswith("# Evaluation of")


def test_same_seed_gives_the_same_report(run_dir):
    config = EvalConfig(checkpoint=str(run_dir), split="val", episodes=2, num_envs=2, greedy=True)
    a, b = evaluate(config), evaluate(config)
    assert a.overall == b.overall and a.env_steps == b.env_steps


def test_evaluate_on_a_level_it_never_trained_on(run_dir, tmp_path):
    report = evaluate(
        EvalConfig(checkpoint=str(run_dir), split="val", episodes=2, num_envs=2, levels=("GoToRedBallGrey",)), tmp_path / "e"
    )
    assert report.levels == ["GoToRedBallGrey"] and report.episodes == 2
    assert set(report.by_level) == {"GoToRedBallGrey"} and 0.0 <= report.overall.success_rate <= 1.0
    assert not (tmp_path / "e" / "gifs").exists()  # gifs=0 by default


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"split": "tset"}, "unknown split 'tset'"),
        ({"episodes": 0}, "--episodes and --num-envs must be at least 1"),
        ({"levels": ("GoToLocl",)}, "unknown grid level"),
        ({"policy_temperature": 0.0}, "--policy-temperature must be > 0"),
    ],
)
def test_bad_eval_config_is_a_user_error(run_dir, tmp_path, overrides, message):
    with pytest.raises(Sim2ActError, match=message):
        evaluate(EvalConfig(**{"checkpoint": str(run_dir), "episodes": 2, "num_envs": 2, **overrides}), tmp_path / "e")
    assert not (tmp_path / "e").exists()


def test_missing_checkpoint_is_a_user_error(tmp_path):
    with pytest.raises(Sim2ActError, match="no checkpoint at"):
        evaluate(EvalConfig(checkpoint=str(tmp_path / "missing"), episodes=1, num_envs=1))
    (tmp_path / "empty").mkdir()
    with pytest.raises(Sim2ActError, match="neither a policy folder"):
        evaluate(EvalConfig(checkpoint=str(tmp_path / "empty"), episodes=1, num_envs=1))
