"""``sim2act release`` as a user runs it: a tiny release built, then a bad config refused in one line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def sim2act(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim2act", *args], capture_output=True, text=True, cwd=cwd, timeout=300,
                          check=False)


def test_a_tiny_release_through_the_command_line(tmp_path, write_tiny_release):
    write_tiny_release(tmp_path)
    result = sim2act("release", "--config", "tiny-release.toml", "--out", "release", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"released [\d,]+ triplets in 2 levels -> release/README\.md", result.stdout)
    assert "grid/PickupLoc: 8 episodes" in result.stdout
    assert (tmp_path / "release" / "grid-PickupLoc" / "lerobot" / "meta" / "info.json").is_file()


def test_a_missing_config_is_one_line(tmp_path):
    result = sim2act("release", "--config", "nowhere.toml", "--out", "release", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "nowhere.toml: no such file" in result.stderr
    assert not (tmp_path / "release").exists()
