"""3D navigation end to end as a user runs it: expert ``generate`` → ``train`` → ``eval --gifs``, and a tiny loop."""

from __future__ import annotations

import json

from tests.cli.test_train_eval_cli import TINY_TRAIN, sim2act

TINY_NAV3D = """
domain = "nav3d"
level = "goto"
prior_frames = 60
prior_steps = 3
labels = "none"  # a prior trained for 3 steps rarely succeeds: keep every episode so there is something to train on
rounds = 2
round0_episodes = 4
episodes_per_round = 3
round0_train_steps = 3
train_steps_per_round = 2
val_episodes = 2
test_episodes_per_round = 2
final_episodes = 2
gifs = 1
num_envs = 2
[env]
image_size = 32
[policy]
d_model = 32
fusion_layers = 1
[train]
batch_size = 8
"""


def test_expert_data_trains_a_policy_that_evaluates_on_held_out_pairs(tmp_path):
    data, policy, evaluation = tmp_path / "data", tmp_path / "policy", tmp_path / "eval"
    generated = sim2act("generate", "--domain", "nav3d", "--level", "goto", "--proposer", "expert", "--episodes", "6",
                        "--num-envs", "2", "--env", "image_size=32", "--out", str(data))
    assert generated.returncode == 0, generated.stderr
    trained = sim2act("train", "--data", str(data), "--out", str(policy), *TINY_TRAIN)
    assert trained.returncode == 0, trained.stderr
    evaluated = sim2act("eval", "--checkpoint", str(policy), "--out", str(evaluation), "--episodes", "2",
                        "--num-envs", "2", "--gifs", "1", "--split", "test_unseen_composition")
    assert evaluated.returncode == 0, evaluated.stderr
    info = json.loads((evaluation / "eval_info.json").read_text())
    assert info["overall"]["episodes"] == 2 and list(evaluation.glob("gifs/*.gif"))


def test_nav3d_loop_counts_previews_and_the_priors_frames(tmp_path):
    config = tmp_path / "nav3d.toml"
    config.write_text(TINY_NAV3D)
    out = tmp_path / "run"
    done = sim2act("run", "--domain", "nav3d", "--config", str(config), "--out", str(out))
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "report" / "summary.json").read_text())
    assert summary["preview_steps"] > 0 and summary["prior_env_steps"] > 0
    assert summary["simulator_steps"] == summary["env_steps"] + summary["preview_steps"] + summary["prior_env_steps"]
    assert list((out / "report" / "gifs").glob("*.gif"))
