"""``train_rlfp`` on the grid with a tiny real π0: what it counts, what it saves, and how it resumes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from sim2act.baselines.rlfp import RLFPConfig, RLFPProposer, load_rlfp, resumable_env_steps, train_rlfp
from sim2act.errors import Sim2ActError
from sim2act.evaluation import evaluate_proposer
from sim2act.priors import PriorConfig, pretrain_prior

TINY_PRIOR = PriorConfig(frames=200, steps=5, batch_size=32, hidden_size=16, layers=1, heads=2, projection_dim=16)
PRIOR_STEPS = 150
"""Stand-in for the env steps that collected π0's frames: counted from the first mark on."""


@pytest.fixture(scope="module")
def tiny_config(tmp_path_factory) -> RLFPConfig:
    prior = pretrain_prior(TINY_PRIOR, tmp_path_factory.mktemp("prior") / "grid").out
    return RLFPConfig(level="GoToLocal", prior=str(prior), simulator_steps=1500, prior_env_steps=PRIOR_STEPS, n_envs=2,
                      learning_starts=40, warm_start_episodes=2, batch_size=16, buffer_size=500, features_dim=16, channels=8,
                      updates_per_step=0.5, reuse_previews=True)


def test_marks_count_executed_steps_previews_and_the_priors_frames(tiny_config, tmp_path):
    seen = []

    def on_mark(env_steps, simulator_steps, proposer):
        assert isinstance(proposer, RLFPProposer)
        seen.append((env_steps, simulator_steps))

    run = train_rlfp(tiny_config, tmp_path / "run", marks=[0, 800, 1500], on_mark=on_mark)
    assert seen[0] == (0, PRIOR_STEPS)
    assert [s for _, s in seen] == sorted(s for _, s in seen) and seen[1][1] >= 800 and seen[2][1] >= 1500
    assert run.preview_steps > 0  # π0 previews the grid's actions: they are simulator steps
    assert seen[-1] == (run.env_steps, run.env_steps + run.preview_steps + PRIOR_STEPS)
    assert run.episodes == len(run.episode_successes) > 0
    loaded = load_rlfp(tmp_path / "run")
    report, _ = evaluate_proposer(loaded, "grid", ["GoToLocal"], "val", 2, num_envs=2)
    assert report.overall.episodes == 2 and loaded.preview_steps == 0
    with_prior = load_rlfp(tmp_path / "run", with_prior=True)  # as it acts in training: π0 previews, the critic picks
    report, _ = evaluate_proposer(with_prior, "grid", ["GoToLocal"], "val", 2, num_envs=2)
    assert report.overall.episodes == 2 and with_prior.preview_steps > 0


def test_an_interrupted_run_continues_from_its_last_checkpoint(tiny_config, tmp_path):
    out = tmp_path / "run"
    calls = []

    def killed_at_second_mark(env_steps, simulator_steps, proposer):
        calls.append(simulator_steps)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_rlfp(tiny_config, out, marks=[400, 900, 1500], on_mark=killed_at_second_mark)
    saved = resumable_env_steps(out, tiny_config)
    assert saved is not None and saved > 0  # the first mark's checkpoint
    assert resumable_env_steps(out, replace(tiny_config, entropy=0.5)) is None  # another config starts afresh
    respelled = replace(tiny_config, prior=str(Path(tiny_config.prior).parent / ".." / Path(tiny_config.prior).parent.name / "grid"))
    assert resumable_env_steps(out, respelled) == saved  # π0's folder however its path is spelled
    continued = []
    run = train_rlfp(tiny_config, out, marks=[400, 900, 1500], on_mark=lambda e, s, p: continued.append((e, s)), resume=True)
    assert continued[0][0] > saved and len(continued) == 2  # the marks after the checkpoint, none before it again
    assert continued[-1][1] >= 1500 and run.env_steps == continued[-1][0]
    other = train_rlfp(replace(tiny_config, seed=1), tmp_path / "other", marks=[], resume=True)  # no checkpoint: from 0
    assert other.env_steps > 0


def test_a_run_killed_while_writing_a_checkpoint_continues_from_the_one_before(tiny_config, tmp_path, monkeypatch):
    import sim2act.baselines.rlfp.train as train_module

    out, written, save = tmp_path / "run", [], train_module.save_buffers

    def killed_in_the_second(path, replay, successes):
        written.append(path)
        if len(written) == 2:
            path.write_bytes(b"half a buffer")
            raise KeyboardInterrupt
        save(path, replay, successes)

    monkeypatch.setattr(train_module, "save_buffers", killed_in_the_second)
    with pytest.raises(KeyboardInterrupt):
        train_rlfp(tiny_config, out, marks=[400, 900, 1500])
    first = resumable_env_steps(out, tiny_config)
    assert first is not None and first > 0  # the first mark's checkpoint, still whole
    monkeypatch.undo()
    continued = []
    train_rlfp(tiny_config, out, marks=[400, 900, 1500], on_mark=lambda e, s, p: continued.append(e), resume=True)
    assert len(continued) == 2 and continued[0] > first  # from the first mark on, not from the start
    assert [p.name for p in out.glob("buffers*")] == [f"buffers-{continued[-1]}.npz"]  # the earlier marks' removed
    assert [p.name for p in out.glob("checkpoint*.pt")] == [f"checkpoint-{continued[-1]}.pt"]


def test_loading_a_folder_without_an_agent_is_a_user_error(tmp_path):
    with pytest.raises(Sim2ActError, match="no RLFP agent"):
        load_rlfp(tmp_path)


def test_without_the_policy_prior_pi0_never_previews(tiny_config, tmp_path):
    config = replace(tiny_config, prior_kl=0.0, warm_start_episodes=0, q_filter=False, simulator_steps=400)
    run = train_rlfp(config, tmp_path / "run")
    assert run.preview_steps == 0 and run.env_steps == 400 - PRIOR_STEPS


def test_the_same_config_trains_the_same_actor_whatever_the_process_ran_before(tiny_config, tmp_path):
    config = replace(tiny_config, simulator_steps=400)
    train_rlfp(config, tmp_path / "first")
    torch.rand(1000)  # another run (a bench's previous variant) drew from torch's global generator
    train_rlfp(config, tmp_path / "second")
    first, second = (load_rlfp(tmp_path / name).net.state_dict() for name in ("first", "second"))
    assert first.keys() == second.keys() and all(torch.equal(first[k], second[k]) for k in first)
