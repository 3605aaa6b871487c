"""Env options (``--env key=value``) reach every env sim2act builds, and bad ones fail in one line."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from sim2act import features as F
from sim2act.cli import app
from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.data.reader import load_steps
from sim2act.envs import check_env_options, make, parse_env_options
from sim2act.errors import Sim2ActError
from sim2act.evaluation import evaluate_proposer
from sim2act.rollout.generation import GenerateConfig, generate

TINY = dict(episodes=4, num_envs=2, shard_episodes=2)
SMALL_TILES = {"tile_size": 4}
"""The grid's 7×7-cell view at 4 pixels per cell: 28×28 frames instead of 56×56."""


@pytest.mark.parametrize(
    "pairs, options",
    [
        (["tile_size=8"], {"tile_size": 8}),
        (["flag=true", "x=[1,2]", "ratio=0.5"], {"flag": True, "x": [1, 2], "ratio": 0.5}),
        (["render_mode=rgb_array", "name="], {"render_mode": "rgb_array", "name": ""}),
        (["expr=a=b", "tile_size=4", "tile_size=8"], {"expr": "a=b", "tile_size": 8}),
        ([], {}),
    ],
)
def test_parse_env_options(pairs, options):
    assert parse_env_options(pairs) == options


@pytest.mark.parametrize("pair", ["tile_size", "=8", " =8"])
def test_a_pair_without_key_or_equals_is_one_line(pair):
    with pytest.raises(Sim2ActError, match=f"--env {pair!r}: expected KEY=VALUE") as error:
        parse_env_options(["tile_size=8", pair])
    assert "\n" not in str(error.value)


def test_check_env_options_names_only_the_bad_option():
    check_env_options("grid", None, SMALL_TILES)
    with pytest.raises(Sim2ActError, match=r"takes no env option colour; it takes: tile_size, render_mode$"):
        check_env_options("grid", "GoToLocal", {"tile_size": 4, "colour": "red"})


@pytest.mark.parametrize("value", ["abc", 8.5, 0, True])
def test_an_option_value_of_the_wrong_type_or_range_is_one_line(value):
    with pytest.raises(Sim2ActError, match=f"tile_size must be an integer in \\[1, 32\\] pixels, got {value!r}"):
        make("grid", "GoToLocal", tile_size=value)


def test_generate_config_refuses_an_unknown_option_in_one_line():
    with pytest.raises(Sim2ActError, match="domain 'grid' takes no env option nonexistent") as error:
        GenerateConfig(env={"nonexistent": 1}).validated()
    assert "\n" not in str(error.value)


def test_generate_builds_its_envs_with_the_options_and_records_them(tmp_path):
    out = tmp_path / "small"
    summary = generate(GenerateConfig(env=SMALL_TILES, **TINY), out)
    card = load_card(DatasetLayout(out).card)
    assert card.features[F.RGB]["shape"] == [28, 28, 3]
    assert card.runs[0]["config"]["env"] == SMALL_TILES
    assert load_steps(out).num_rows == summary.executed_steps
    again = generate(GenerateConfig(env=SMALL_TILES, **TINY), out)  # the same config resumes: nothing left to do
    assert again.rollouts == 0 and again.resumed_episodes == TINY["episodes"]


def test_no_options_generate_what_they_always_did(tmp_path):
    plain, explicit = tmp_path / "plain", tmp_path / "explicit"
    generate(GenerateConfig(**TINY), plain)
    generate(GenerateConfig(env={}, **TINY), explicit)
    assert load_card(DatasetLayout(plain).card).runs[0]["config"]["env"] == {}
    assert load_steps(plain).equals(load_steps(explicit))


def test_a_card_written_before_env_options_resumes_and_appends(tmp_path):
    out = tmp_path / "old"
    generate(GenerateConfig(**TINY), out)
    info = DatasetLayout(out).card
    card = json.loads(info.read_text())
    del card["runs"][0]["config"]["env"]  # as cards were written before env options
    info.write_text(json.dumps(card))
    assert generate(GenerateConfig(**TINY), out).rollouts == 0
    appended = generate(GenerateConfig(iteration=1, **TINY), out, append=True)
    assert appended.rollouts == TINY["episodes"]


def test_appending_other_env_options_is_refused(tmp_path):
    out = tmp_path / "data"
    generate(GenerateConfig(**TINY), out)
    with pytest.raises(Sim2ActError, match="holds data of env options {}, not {'render_mode': 'rgb_array'}"):
        generate(GenerateConfig(iteration=1, env={"render_mode": "rgb_array"}, **TINY), out, append=True)


def test_evaluate_proposer_builds_its_envs_with_the_options():
    from gymnasium.spaces import Discrete

    from sim2act.proposers import make_proposer

    proposer = make_proposer("uniform", Discrete(7), 1.0, domain="grid")
    report, episodes = evaluate_proposer(proposer, "grid", ["GoToLocal"], "val", 2, num_envs=2, env_options=SMALL_TILES)
    assert report.config["env"] == SMALL_TILES
    assert {e.observations[F.RGB].shape[1:] for e in episodes} == {(28, 28, 3)}
    with pytest.raises(Sim2ActError, match="takes no env option colour"):
        evaluate_proposer(proposer, "grid", ["GoToLocal"], "val", 2, env_options={"colour": "red"})


def test_evaluate_uses_the_policy_env_options_and_the_override(tmp_path):
    from sim2act.evaluation import EvalConfig, evaluate
    from sim2act.models import PolicyConfig
    from sim2act.training import TrainConfig, train

    # tile_size 8 is the grid's default: the policy's frames fit, and the card still records the option.
    generate(GenerateConfig(proposer="expert", env={"tile_size": 8}, **TINY), tmp_path / "data")
    policy = PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2)
    train(TrainConfig(data=str(tmp_path / "data"), policy=policy, steps=2, batch_size=8, log_every=2, device="cpu"),
          tmp_path / "run")
    config = EvalConfig(checkpoint=str(tmp_path / "run"), split="val", episodes=2, num_envs=2)
    assert evaluate(config).config["env"] == {"tile_size": 8}
    with pytest.raises(Sim2ActError, match=r"renders \(28, 28, 3\) frames"):
        evaluate(replace(config, env=SMALL_TILES))


def test_prior_frames_and_rl_envs_take_the_options():
    from sim2act.baselines import RLConfig, TaskEnv
    from sim2act.priors import PriorConfig
    from sim2act.priors.frames import collect_frames

    config = PriorConfig(frames=20, env=SMALL_TILES).validated()
    assert config.patch_size == 4 and collect_frames(config).frames.shape == (20, 28, 28, 3)
    with pytest.raises(Sim2ActError, match="takes no env option colour"):
        PriorConfig(env={"colour": "red"}).validated()
    env = TaskEnv("grid", "GoToLocal", env_options=SMALL_TILES)
    assert env.observation_space["image"].shape == (28, 28, 3)
    env.close()
    with pytest.raises(Sim2ActError, match="takes no env option colour"):
        RLConfig(env={"colour": "red"}).validated()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--env", "bad"], "--env 'bad': expected KEY=VALUE"),
        (["--env", "colour=red"], "domain 'grid' takes no env option colour"),
    ],
)
def test_cli_generate_with_a_bad_env_option_is_one_line(tmp_path, args, message):
    result = CliRunner().invoke(app, ["generate", "--out", str(tmp_path / "d"), *args])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and message in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output and not (tmp_path / "d").exists()


def test_cli_generate_passes_env_options(tmp_path):
    out = tmp_path / "d"
    args = ["generate", "--out", str(out), "--episodes", "2", "--num-envs", "2", "--env", "tile_size=4"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    card = load_card(DatasetLayout(out).card)
    assert card.runs[0]["config"]["env"] == SMALL_TILES and card.features[F.RGB]["shape"] == [28, 28, 3]


@pytest.mark.parametrize(
    "command", [["eval", "--checkpoint", "c", "--out", "o"], ["run"], ["pretrain-prior", "--out", "p"]]
)
def test_every_command_parses_env_options(tmp_path, command):
    result = CliRunner().invoke(app, [*command, "--env", "tile_size"])
    assert result.exit_code == 2 and result.stderr == "error: --env 'tile_size': expected KEY=VALUE\n"


def test_bench_settings_pass_env_options_without_moving_existing_runs():
    from sim2act.benchmarks.methods import get_method
    from sim2act.benchmarks.setting import MethodSetting

    plain, small = MethodSetting().resolved(), MethodSetting(env=SMALL_TILES).resolved()
    for name in ("sim2act", "ppo", "bc-expert"):
        method = get_method(name)
        fingerprint = method.fingerprint(plain)  # as before env options, so earlier runs keep their folders
        assert "env" not in fingerprint and "env" not in fingerprint.get("loop", {})
        assert method.fingerprint(small) != method.fingerprint(plain)
    with pytest.raises(Sim2ActError, match="takes no env option colour"):
        MethodSetting(env={"colour": "red"}).resolved()
