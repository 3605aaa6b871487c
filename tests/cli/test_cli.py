"""The real ``sim2act`` command line, run as a user would run it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def sim2act(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim2act", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_generate_then_inspect(tmp_path):
    out = tmp_path / "gotolocal"
    result = sim2act("generate", "--out", str(out), "--episodes", "20", "--shard-episodes", "10", "--proposer", "expert")
    assert result.returncode == 0, result.stderr
    assert re.search(r"generated 20 episodes, [\d,]+ steps .* success 100\.0% ->", result.stdout)
    result = sim2act("inspect", str(out))
    assert result.returncode == 0, result.stderr
    assert "success rate" in result.stdout and "100.0%" in result.stdout and "go to" in result.stdout
    sheet = out / "meta" / "contact_sheet.png"
    assert sheet.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Re-run on a finished, then a damaged, dataset: the dataset's own figures, and which shard was rebuilt.
    args = ("generate", "--out", str(out), "--episodes", "20", "--shard-episodes", "10", "--proposer", "expert")
    result = sim2act(*args)
    assert "nothing left to generate" in result.stdout and "holds 20 episodes" in result.stdout and "success 100.0%" in result.stdout
    shard = out / "data" / "shard-00001.parquet"
    shard.write_bytes(shard.read_bytes()[:500])
    result = sim2act(*args)
    assert result.returncode == 0 and "rebuilt damaged shard(s) 00001" in result.stdout
    assert "generated 10 episodes (+10 resumed)" in result.stdout


def test_generate_on_a_private_ray_cluster(tmp_path):
    pytest.importorskip("ray")
    args = ("--episodes", "12", "--shard-episodes", "4", "--num-envs", "2", "--seed", "5")
    ray = sim2act("generate", "--out", str(tmp_path / "ray"), *args, "--executor", "ray", "--workers", "2")
    assert ray.returncode == 0, ray.stderr
    steps = re.compile(r"generated 12 episodes, ([\d,]+) steps")
    assert steps.search(ray.stdout) and "Traceback" not in ray.stderr
    local = sim2act("generate", "--out", str(tmp_path / "local"), *args)
    assert steps.search(ray.stdout).group(1) == steps.search(local.stdout).group(1)


def test_envs_lists_the_registry():
    result = sim2act("envs")
    assert result.returncode == 0 and "sim2act/grid-GoToLocal-v0" in result.stdout


@pytest.fixture(scope="module")
def existing(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "existing"
    assert sim2act("generate", "--out", str(out), "--episodes", "4", "--num-envs", "2").returncode == 0
    return out


@pytest.mark.parametrize(
    "args, message",
    [
        (["generate", "--domain", "gird"], "unknown domain 'gird' (did you mean 'grid'?)"),
        (["generate", "--level", "GoToLocl"], "unknown grid level 'GoToLocl' (did you mean 'GoToLocal'?)"),
        (["generate", "--split", "tset"], "unknown split 'tset'"),
        (["generate", "--proposer", "unifrom"], "unknown proposer 'unifrom' (did you mean 'uniform'?)"),
        (["generate", "--alpha", "1.5"], "--alpha must lie in [0, 1]"),
        (["generate", "--episodes", "0"], "--episodes must be at least 1"),
        (["generate", "--proposer", "expert", "EXISTING"], "holds a dataset made with another config"),
        (["inspect", "MISSING"], "no dataset at"),
        (["generate", "--workers", "2"], "--address and --workers need --executor ray"),
        (["generate", "--executor", "slurm"], "unknown executor 'slurm'"),
        (["generate", "--executor", "ray", "--workers", "0"], "--workers must be at least 1"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(tmp_path, existing, args, message, sim2act_in_process):
    args = [a for a in args if a != "EXISTING"] + (["--episodes", "4", "--out", str(existing)] if "EXISTING" in args else [])
    if args[0] == "generate" and "--out" not in args:
        args += ["--out", str(tmp_path / "new")]
    args = [str(tmp_path / "missing") if a == "MISSING" else a for a in args]
    result = sim2act_in_process(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_corrupt_shard_is_named(tmp_path, existing):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(existing, copy)
    shard = copy / "data" / "shard-00000.parquet"
    shard.write_bytes(b"not parquet at all")
    result = sim2act("inspect", str(copy))
    assert result.returncode == 2 and f"corrupt or truncated shard {shard}" in result.stderr
    assert "Traceback" not in result.stderr


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    command = re.search(r"# set up and run the tests\n(.+)\n", readme).group(1).strip()
    assert command in (REPO / ".ci" / "run").read_text()


def test_export_to_lerobot(tmp_path, existing):
    pytest.importorskip("datasets")
    result = sim2act("export", str(existing), "--out", str(tmp_path / "lerobot"))
    assert result.returncode == 0, result.stderr
    assert re.search(r"exported 4 episodes, [\d,]+ frames, \d+ tasks as lerobot \(v3\.0\) ->", result.stdout)
    assert (tmp_path / "lerobot" / "meta" / "info.json").is_file() and not list(tmp_path.glob(".*.partial"))
    again = sim2act("export", str(existing), "--out", str(tmp_path / "lerobot"), "--format", "minary")
    assert again.returncode == 2 and again.stderr.startswith("error: unknown export format 'minary'")
