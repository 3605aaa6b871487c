"""``sim2act generate --labels`` and the label breakdown of ``sim2act inspect``, run as a user would."""

from __future__ import annotations

import re
import subprocess
import sys


def sim2act(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim2act", *args], capture_output=True, text=True, timeout=300)


def test_generate_with_labels_reports_kept_and_executed_then_inspect_breaks_labels_down(tmp_path):
    out = tmp_path / "both"
    result = sim2act("generate", "--out", str(out), "--episodes", "16", "--shard-episodes", "8", "--labels", "both")
    assert result.returncode == 0, result.stderr
    line = re.search(
        r"generated 16 episodes, ([\d,]+) steps in .* success [\d.]+%; labels both: "
        r"kept (\d+) episodes \((\d+) relabeled\), ([\d,]+) of ([\d,]+) steps ->",
        result.stdout,
    )
    assert line, result.stdout
    executed, kept, relabeled, kept_steps, executed_again = line.groups()
    assert executed == executed_again and int(kept_steps.replace(",", "")) < int(executed.replace(",", ""))
    assert 0 < int(relabeled) <= int(kept) <= 16

    result = sim2act("inspect", str(out), "--samples", "4")
    assert result.returncode == 0, result.stderr
    assert re.search(r"rollouts \(kept or not\)\s*│\s*16\b", result.stdout)
    assert re.search(rf"hindsight\s*│\s*{relabeled}\b", result.stdout)
    assert "executed steps (kept or not)" in result.stdout


def test_unknown_labels_end_with_one_error_line(tmp_path, sim2act_in_process):
    result = sim2act_in_process("generate", "--out", str(tmp_path / "x"), "--episodes", "2", "--labels", "hindsite")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: unknown --labels 'hindsite' (did you mean 'hindsight'?); known: none, success, hindsight, both"
    )
    assert not (tmp_path / "x").exists()


def test_shortcuts_where_the_domain_cannot_steer_end_with_one_error_line(tmp_path, sim2act_in_process):
    result = sim2act_in_process("generate", "--out", str(tmp_path / "x"), "--episodes", "2", "--labels", "both",
                                "--erase-loops", "--shortcuts")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: --shortcuts needs --erase-loops, --labels other than none and a domain that can steer ('grid' cannot)"
    )
    assert not (tmp_path / "x").exists()
