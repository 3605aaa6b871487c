"""The tabletop end to end as a user runs it: expert ``generate`` → ``train`` → ``eval --gifs`` → ``inspect``."""

from __future__ import annotations

import json

from tests.cli.test_train_eval_cli import TINY_TRAIN, sim2act


def test_expert_data_trains_a_pick_place_policy_that_evaluates(tmp_path):
    data, policy, evaluation = tmp_path / "data", tmp_path / "policy", tmp_path / "eval"
    generated = sim2act("generate", "--domain", "tabletop", "--level", "put-in-bowl", "--proposer", "expert",
                        "--episodes", "6", "--num-envs", "2", "--out", str(data))
    assert generated.returncode == 0, generated.stderr
    trained = sim2act("train", "--data", str(data), "--out", str(policy), *TINY_TRAIN)
    assert trained.returncode == 0, trained.stderr
    saved = json.loads(next(policy.glob("checkpoints/step-*/policy.json")).read_text())
    assert saved["config"]["action_head"] == "pick_place"  # the domain's default for pick_place cells
    evaluated = sim2act("eval", "--checkpoint", str(policy), "--out", str(evaluation), "--episodes", "2",
                        "--num-envs", "2", "--gifs", "1", "--split", "test_unseen_composition")
    assert evaluated.returncode == 0, evaluated.stderr
    info = json.loads((evaluation / "eval_info.json").read_text())
    assert info["overall"]["episodes"] == 2 and list(evaluation.glob("gifs/*.gif"))
    inspected = sim2act("inspect", str(data), "--samples", "4")
    assert inspected.returncode == 0 and (data / "meta" / "contact_sheet.png").is_file()


def test_a_bad_tabletop_option_is_one_line(tmp_path, sim2act_in_process):
    result = sim2act_in_process("generate", "--domain", "tabletop", "--episodes", "1", "--env", "action_mode=joint",
                     "--out", str(tmp_path / "d"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["error: unknown action mode 'joint'; known: pick_place, ee_delta"]
