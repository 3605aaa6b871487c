"""``sim2act run`` as a user runs it: a config file in, a report folder out; bad input is one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ENV = {**os.environ, "OMP_NUM_THREADS": "1"}
TINY = """
round0_proposer = "uniform"
rounds = 2
round0_episodes = 32
episodes_per_round = 16
round0_train_steps = 6
train_steps_per_round = 3
val_episodes = 8
test_episodes_per_round = 8
final_episodes = 8
gifs = 1
num_envs = 8
[policy]
d_model = 32
fusion_layers = 1
[train]
batch_size = 32
"""


def sim2act(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim2act", *args], capture_output=True, text=True, env=ENV, timeout=600)


def test_run_writes_a_report_and_a_rerun_resumes(tmp_path, sim2act_in_process):
    config = tmp_path / "tiny.toml"
    config.write_text(TINY)
    out = tmp_path / "run"
    first = sim2act("run", "--config", str(config), "--out", str(out))
    assert first.returncode == 0, first.stderr
    assert "report:" in first.stdout and "round 1" in first.stdout
    summary = json.loads((out / "report" / "summary.json").read_text())
    assert len(summary["rounds"]) == 2 and summary["env_steps"] > 0
    again = sim2act("run", "--config", str(config), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "report" / "summary.json").read_text())["rounds"] == summary["rounds"]

    other = tmp_path / "other.toml"
    other.write_text(TINY.replace("episodes_per_round = 16", "episodes_per_round = 24"))
    refused = sim2act_in_process("run", "--config", str(other), "--out", str(out))
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"error: --out {out} holds a run with another config (differs in: episodes_per_round); re-run with its config to resume it, or pick another --out"
    ]
    reseeded = sim2act_in_process("run", "--config", str(config), "--out", str(out), "--seed", "1")
    assert reseeded.returncode == 2 and "(differs in: seed)" in reseeded.stderr
    shared = sim2act_in_process("run", "--config", str(config), "--out", str(out), "--co-level", "GoToObj")
    assert shared.returncode == 2 and "(differs in: co_levels)" in shared.stderr


def test_bad_config_is_one_line(tmp_path, sim2act_in_process):
    missing = sim2act_in_process("run", "--config", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "run"))
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: --config") and len(missing.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


TINY_TABLETOP = """
domain = "tabletop"
level = "put-in-bowl"
prior_frames = 40
prior_steps = 3
prior_mode = "cells"
labels = "none"  # a prior trained for 3 steps rarely succeeds: keep every episode so there is something to train on
rounds = 2
round0_episodes = 6
episodes_per_round = 4
round0_train_steps = 3
train_steps_per_round = 2
val_episodes = 3
test_episodes_per_round = 3
final_episodes = 3
gifs = 1
num_envs = 3
[policy]
d_model = 32
fusion_layers = 1
[train]
batch_size = 8
"""


def test_tabletop_loop_runs_from_the_prior_to_the_report(tmp_path):
    config = tmp_path / "tabletop.toml"
    config.write_text(TINY_TABLETOP)
    out = tmp_path / "run"
    done = sim2act("run", "--domain", "tabletop", "--config", str(config), "--out", str(out))
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "report" / "summary.json").read_text())
    assert summary["preview_steps"] == 0 and summary["prior_env_steps"] > 0
    assert summary["simulator_steps"] == summary["env_steps"] + summary["prior_env_steps"]
    assert (out / "prior" / "prior.json").exists() and list((out / "report" / "gifs").glob("*.gif"))


def test_domain_picks_its_shipped_quick_config_and_a_mismatch_is_one_line(tmp_path, sim2act_in_process):
    from sim2act.loop.config import default_config_name

    assert default_config_name(None) == "quick" and default_config_name("grid") == "quick"
    assert default_config_name("tabletop") == "tabletop-quick" and default_config_name("nav3d") == "nav3d-quick"
    wrong = sim2act_in_process("run", "--domain", "tabletop", "--config", "quick", "--out", str(tmp_path / "run"))
    assert wrong.returncode == 2 and wrong.stderr.strip() == "error: --domain tabletop: --config quick is a 'grid' loop"
