"""``kill -9`` of a real ``sim2act run`` during collection, training and evaluation, then the same command:
the run ends exactly as an uninterrupted one, with no episode lost or duplicated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sim2act.loop import load_ledger

from .test_reproducible_run import _hashes, _scores

CONFIG = """
round0_proposer = "uniform"
rounds = 2
round0_episodes = 96
episodes_per_round = 32
round0_train_steps = 160
train_steps_per_round = 20
val_episodes = 16
test_episodes_per_round = 64
final_episodes = 16
gifs = 0
num_envs = 8
[policy]
d_model = 32
fusion_layers = 1
[train]
batch_size = 32
"""


def _run(config: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim2act", "run", "--config", str(config), "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _round0(out: Path) -> dict:
    try:
        rounds = json.loads((out / "loop.json").read_text())["rounds"]
    except (OSError, ValueError, KeyError):
        return {}
    return rounds[0] if rounds else {}


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the run ended before the stage to kill it in"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_three_kills_then_the_same_command_end_as_an_uninterrupted_run(tmp_path):
    config = tmp_path / "tiny.toml"
    config.write_text(CONFIG)
    killed = tmp_path / "killed"
    stages = [
        ("collection", lambda: (killed / "data" / "meta" / "info.json").exists()),
        ("training", lambda: bool(list((killed / "policy" / "round-0" / "checkpoints").glob("step-*")))),
        ("evaluation", lambda: (killed / "eval" / "round-0" / "val" / "eval_info.json").exists()),
    ]
    for stage, ready in stages:
        _kill_when(_run(config, killed), ready)
        round0 = _round0(killed)
        if stage == "collection":
            assert not round0.get("collection"), "killed during collection"
        elif stage == "training":
            assert round0.get("collection") and not round0.get("checkpoint"), "killed during training"
        else:
            assert round0.get("checkpoint") and not round0.get("val"), "killed during evaluation"
    finish = _run(config, killed)
    assert finish.wait() == 0, finish.stderr.read().decode()[-2000:]
    clean = _run(config, tmp_path / "clean")
    assert clean.wait() == 0, clean.stderr.read().decode()[-2000:]
    assert _scores(load_ledger(killed)) == _scores(load_ledger(tmp_path / "clean"))
    assert _hashes(killed) == _hashes(tmp_path / "clean")
    assert not list(killed.rglob("*.tmp"))
