"""``sim2act release`` as a user runs it: a tiny release built, then a bad config refused in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def sim2act(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim2act", *args], capture_output=True, text=True, cwd=cwd, timeout=300,
                          check=False)


def test_the_command_line_resumes_a_finished_release_and_sums_it_up(tiny_release):
    out, config, state = tiny_release
    result = sim2act("release", "--config", str(config), "--out", str(out), cwd=out.parent)
    assert result.returncode == 0, result.stderr
    triplets = sum(level["counts"]["steps"] for level in state["levels"].values())
    assert f"released {triplets:,} triplets in 2 levels -> {out / 'README.md'}" in result.stdout
    assert "grid/PickupLoc: 8 episodes" in result.stdout and "nothing" not in result.stderr


def test_a_missing_config_is_one_line(tmp_path):
    result = sim2act("release", "--config", "nowhere.toml", "--out", "release", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "nowhere.toml: no such file" in result.stderr
    assert not (tmp_path / "release").exists()
