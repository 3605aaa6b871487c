"""The same loop config and seed on the same machine: byte-identical data, checkpoints, scores and summary."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, replace

import pytest
import torch

from sim2act.loop import LoopFolder, run_loop
from sim2act.loop.report import write_report
from sim2act.models import PolicyConfig

from .test_run_loop import TINY

# The default policy width and a batch of 128: below that size torch's kernels stay single-threaded and
# the run-to-run difference (thread-order sums) does not show.
REPRODUCED = replace(
    TINY, round0_proposer="prior", prior_frames=120, prior_steps=3, gifs=0, round0_train_steps=12,
    policy=PolicyConfig(), train={"batch_size": 128},
)


def _scores(ledger) -> dict:
    """The ledger without wall-clock times and with run-relative paths."""
    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if "seconds" not in k and k not in ("path", "checkpoint")}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return clean(asdict(ledger))


def _hashes(root) -> dict[str, str]:
    """sha256 of every dataset shard, policy checkpoint and prior weight file, by path in the run folder."""
    files = [*root.glob("data/**/*.parquet"), *root.glob("policy/**/model.safetensors"), *root.glob("prior/*.safetensors")]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(files)}


@pytest.fixture
def two_threads():
    """Two intra-op threads, as `sim2act run` has on this machine: where thread-order sums would show."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_two_runs_of_the_same_config_are_byte_identical(tmp_path, two_threads):
    first, second = LoopFolder(tmp_path / "first"), LoopFolder(tmp_path / "second")
    a, b = run_loop(REPRODUCED, first.root), run_loop(REPRODUCED, second.root)
    assert _scores(a) == _scores(b)
    hashes = _hashes(first.root)
    assert any("policy/" in name for name in hashes) and any(name.startswith("data/") for name in hashes)
    assert hashes == _hashes(second.root)
    write_report(a, first, seconds=1.0)
    write_report(b, second, seconds=2.0)
    summary = (first.report / "summary.json").read_bytes()
    assert summary == (second.report / "summary.json").read_bytes()
    assert str(tmp_path) not in summary.decode()
