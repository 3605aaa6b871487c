"""``sim2act pretrain-prior`` and ``sim2act generate --proposer prior``, run as a user would run them."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from sim2act.cli import app

TINY = ["--frames", "120", "--steps", "3", "--batch-size", "16", "--hidden-size", "16", "--layers", "1"]


def sim2act(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim2act", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def prior(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "prior"
    result = sim2act("pretrain-prior", "--out", str(out), *TINY)
    assert result.returncode == 0, result.stderr
    assert re.search(r"pretrained on 120 frames .* 3 steps \(48 frames seen.* held-out retrieval [\d.]+% \(chance [\d.]+%\) ->", result.stdout)
    assert json.loads((out / "prior.json").read_text())["steps"] == 3
    return out


def test_generate_with_the_prior_reports_preview_steps(prior, tmp_path):
    result = sim2act(
        "generate", "--out", str(tmp_path / "data"), "--episodes", "2", "--num-envs", "2", "--proposer", "prior", "--prior", str(prior)
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"generated 2 episodes, [\d,]+ steps .*\) \+ [\d,]+ preview steps \([\d,]+/s\), success", result.stdout)


@pytest.mark.parametrize(
    "args,message",
    [
        (["generate", "--out", "{tmp}/d", "--proposer", "prior"], "the 'prior' proposer needs --prior PATH"),
        (["generate", "--out", "{tmp}/d", "--prior-temperature", "0.1"], "proposer 'uniform' takes no option --prior-temperature"),
        (["generate", "--out", "{tmp}/d", "--proposer", "prior", "--prior", "{tmp}/missing"], "no usable CLIP checkpoint"),
        (["pretrain-prior", "--out", "{tmp}/p", "--frames", "0"], "--frames must be at least"),
        (["pretrain-prior", "--out", "{tmp}/p", "--domain", "gird"], "unknown domain 'gird' (did you mean 'grid'?)"),
        (["pretrain-prior", "--out", "{tmp}"], "holds no sim2act prior"),
    ],
)
def test_bad_input_is_one_line(tmp_path, args, message):
    """In-process (the same app and error wrapper as the installed command, without a Python start-up each)."""
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(app, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and message in result.stderr and result.stderr.count("\n") == 1
    assert (tmp_path / "keep.txt").read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
