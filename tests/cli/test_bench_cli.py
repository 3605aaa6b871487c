"""``sim2act bench``: user mistakes end with one line and exit code 2, before anything runs."""

import pytest
from typer.testing import CliRunner

from sim2act.cli import app


@pytest.mark.parametrize(
    "args, message",
    [
        (["sample-efficiency", "--quick", "--methods", "sim2act,dqn"], "unknown method 'dqn'"),
        (["generalization", "--quick", "--variants", "GoToNowhere"], "unknown grid level 'GoToNowhere'"),
        (["long-horizon", "--quick", "--levels", " , "], "empty list"),
        (["ablations", "--quick", "--loop", "nope"], "--loop nope: no such file"),
        (["sample-efficiency", "--quick", "--split", "val"], "the loop measures test_unseen_composition"),
        (["sample-efficiency", "--quick", "--method-seeds", "ppo=0"], "need seeds >= 1 (for every method)"),
        (["sample-efficiency", "--quick", "--method-seeds", "ppo"], "--method-seeds: expected METHOD=SEEDS, got 'ppo'"),
        (["sample-efficiency", "--quick", "--method-seeds", "dqn=1"], "--method-seeds names dqn"),
        (["sample-efficiency", "--quick", "--method-factors", "ppo=0"], "RL factors > 0"),
        (["sample-efficiency", "--quick", "--method-factors", "sac"], "--method-factors: expected METHOD=FACTOR, got 'sac'"),
        (["sample-efficiency", "--quick", "--method-factors", "sac=1"], "--method-factors names sac"),
        (["sample-efficiency", "--quick", "--rl", "gradient_stepz=1"], "--rl: unknown RLConfig fields: gradient_stepz"),
        (["sample-efficiency", "--quick", "--rl", "n_steps=abc"], "--rl n_steps='abc': expected int"),
        (["sample-efficiency", "--quick", "--rl", "n_steps=0"], "n_steps"),
        (["sample-efficiency", "--quick", "--rlfp", "prior_kll=1"], "--rlfp: unknown RLFPConfig fields: prior_kll"),
        (["sample-efficiency", "--quick", "--rlfp", "prior_kl=-1"], "must not be negative"),
        (["sample-efficiency", "--quick", "--rlfp", "n_step=x"], "--rlfp n_step='x': expected int"),
        (["generalization", "--quick", "--few-shot", "10,many"], "--few-shot: episode counts must be whole numbers"),
        (["generalization", "--quick", "--few-shot", "-5"], "--few-shot: episode counts must be >= 0"),
        (["transfer", "--quick", "--few-shot-config", "roundz=2"], "--few-shot-config: unknown FewShotConfig fields: roundz"),
        (["transfer", "--quick", "--few-shot-config", "rounds=0"], "few-shot rounds must be >= 1"),
        (["transfer", "--quick", "--few-shot", "3", "--few-shot-config", "rounds=4"], "at most every episode budget [3]"),
        (["generalization", "--quick", "--few-shot-config", "episodes=[3]"], "give the budgets with --few-shot"),
        (["generalization", "--quick", "--few-shot-config", "lr=fast"], "--few-shot-config lr='fast': expected float"),
    ],
)
def test_bad_bench_input_is_one_line_and_exit_2(args, message, tmp_path):
    result = CliRunner().invoke(app, ["bench", *args, "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "runs").exists()
