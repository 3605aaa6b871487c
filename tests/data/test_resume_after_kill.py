"""Kill a real ``sim2act generate`` with SIGKILL mid-run, re-run it, and compare with an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.data.reader import load_episodes, load_steps

ARGS = ["--level", "GoToLocal", "--episodes", "120", "--shard-episodes", "6", "--num-envs", "4", "--seed", "7"]


def run_generate(out, **popen):
    return subprocess.Popen(
        [sys.executable, "-m", "sim2act", "generate", "--out", str(out), *ARGS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **popen,
    )


def test_kill_9_then_rerun_equals_an_uninterrupted_run(tmp_path):
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    proc = run_generate(killed)
    layout = DatasetLayout(killed)
    deadline = time.monotonic() + 120
    while len(layout.committed_shards()) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    committed = layout.committed_shards()
    assert 3 <= len(committed) < 20, "the kill should land mid-run"
    load_steps(killed)  # whatever was left on disk is readable

    assert run_generate(killed).wait() == 0
    assert run_generate(clean).wait() == 0
    assert load_steps(killed).equals(load_steps(clean))
    assert load_episodes(killed).equals(load_episodes(clean))
    assert load_card(DatasetLayout(killed).card).shards == load_card(DatasetLayout(clean).card).shards
    assert not list(killed.rglob("*.tmp"))
