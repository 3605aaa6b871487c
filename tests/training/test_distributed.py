"""``sim2act train`` under torchrun with 2 processes (gloo): the single-process result, rank 0 alone writing, resume."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from sim2act.errors import Sim2ActError
from sim2act.models import PolicyConfig
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.training import TrainConfig, train
from sim2act.training.distributed import Ranks

POLICY = ["--d-model", "32", "--fusion-layers", "1", "--memory", "2"]
SCHEDULE = ["--steps", "16", "--batch-size", "16", "--warmup-steps", "2", "--log-every", "4", "--checkpoint-every", "8",
            "--device", "cpu"]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ddp") / "bot"
    generate(GenerateConfig(proposer="expert", episodes=8, num_envs=4, shard_episodes=4), out)
    return out


def torchrun(data: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
               "-m", "sim2act", "train", "--data", str(data), "--out", str(out), *POLICY, *SCHEDULE, *extra]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "model.safetensors"))


def flat(folder: Path) -> torch.Tensor:
    return torch.cat([value.flatten() for _, value in sorted(weights(folder).items())])


def test_two_processes_train_what_one_does_and_resume_exactly(data, tmp_path):
    run = torchrun(data, tmp_path / "ddp")
    assert run.stdout.count("trained 16 steps") == 1  # rank 0 alone reports
    assert "256 samples" in run.stdout  # samples over both ranks: 16 steps x the global batch of 16
    assert len(list((tmp_path / "ddp" / "tensorboard").iterdir())) == 1  # and alone writes logs

    single = train(TrainConfig(data=str(data), policy=PolicyConfig(d_model=32, fusion_layers=1, memory=2), steps=16,
                               batch_size=16, warmup_steps=2, log_every=4, checkpoint_every=8, device="cpu"),
                   tmp_path / "single")
    ddp, one = flat(tmp_path / "ddp" / "checkpoints" / "step-0000016"), flat(single.checkpoint)
    moved = (one - flat(tmp_path / "single" / "checkpoints" / "step-0000008")).norm()
    # the global batch's gradient (InfoNCE over the gathered rows too): only float summation order differs, which
    # Adam's normalisation amplifies on near-zero gradients; measured 0.3% of the last 8 steps' movement
    assert (ddp - one).norm() < 0.01 * moved, ((ddp - one).norm(), moved)

    # a run killed after step 8: its last checkpoint is step 8; the same command with --resume ends where it would have
    checkpoints = tmp_path / "ddp" / "checkpoints"
    finished = weights(checkpoints / "step-0000016")
    shutil.rmtree(checkpoints / "step-0000016")
    (checkpoints / "last").unlink()
    (checkpoints / "last").symlink_to("step-0000008")
    torchrun(data, tmp_path / "ddp", "--resume")
    resumed = weights(checkpoints / "step-0000016")
    assert all(torch.equal(resumed[k], finished[k]) for k in finished)


def test_a_batch_that_does_not_split_over_the_ranks_is_one_line(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    with pytest.raises(Sim2ActError, match="--batch-size 15 does not split evenly over 2 processes"):
        Ranks.from_env().check_batch(15)
    monkeypatch.setenv("RANK", "2")
    with pytest.raises(Sim2ActError, match="rank 2 of world size 2"):
        Ranks.from_env()


def test_a_rank_takes_every_world_th_row():
    rows = torch.arange(8)
    assert Ranks(0, 2).rows(rows).tolist() == [0, 2, 4, 6] and Ranks(1, 2).rows(rows).tolist() == [1, 3, 5, 7]
    assert Ranks().rows(rows).tolist() == rows.tolist() and not Ranks().distributed
