"""A two-round loop end to end on tiny budgets, and its resume."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest

from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.errors import Sim2ActError
from sim2act.loop import LoopConfig, LoopFolder, load_ledger, run_loop, write_report
from sim2act.models import PolicyConfig

TINY = LoopConfig(
    round0_proposer="uniform",
    rounds=2,
    round0_episodes=48,
    episodes_per_round=16,
    round0_train_steps=8,
    train_steps_per_round=4,
    val_episodes=8,
    test_episodes_per_round=8,
    final_episodes=8,
    gifs=1,
    num_envs=8,
    policy=PolicyConfig(d_model=32, fusion_layers=1),
    train={"batch_size": 32},
    policy_temperature=0.8,
    retries=1,
)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("loop") / "run"
    return out, run_loop(TINY, out)


def test_two_rounds_collect_train_and_measure(finished_run):
    out, ledger = finished_run
    assert [r.round for r in ledger.rounds] == [0, 1]
    assert ledger.stopped.startswith("rounds")
    first, second = ledger.rounds
    assert first.collection.proposer == "uniform" and second.collection.proposer == "mixture(policy,0.9)"
    # round 0 is never retried; round 1's rollouts with its retries: test_round_1_retries_each_failed_first_attempt_once
    assert first.collection.rollouts == 48
    assert 0 < first.collection.kept_episodes <= 48
    # every executed step counts, kept or not
    assert first.collection.env_steps > first.collection.kept_steps
    card = load_card(DatasetLayout(out / "data").card)
    assert card.counts["executed_steps"] == ledger.env_steps
    assert [run["config"]["iteration"] for run in card.runs] == [0, 1]
    # π_θ proposes, and is measured, at the loop's temperature
    assert [run["config"]["policy_temperature"] for run in card.runs] == [1.0, 0.8]
    assert [run["config"]["retries"] for run in card.runs] == [0, 1]
    for evaluation in (out / "eval").glob("round-*/*/eval_info.json"):
        assert json.loads(evaluation.read_text())["config"]["policy_temperature"] == 0.8, evaluation
    # round 1 fine-tunes round 0's weights
    train_config = json.loads((out / "policy" / "round-1" / "train_config.json").read_text())
    assert train_config["init_policy"] == first.checkpoint
    assert set(second.held_out) == {"test_unseen_composition", "test_unseen_layout"}
    assert set(ledger.final) == {"test_unseen_composition", "test_unseen_layout"}
    assert ledger.best_round in (0, 1)


def test_round_1_retries_each_failed_first_attempt_once(finished_run, tmp_path):
    from sim2act.loop.rounds import _generation

    _, ledger = finished_run
    config = TINY.validated()
    assert _generation(config, 0, "", ledger, config.level, 48).retries == 0
    assert _generation(config, 1, "", ledger, config.level, 16).retries == 1
    plain = run_loop(replace(TINY, retries=0), tmp_path / "plain").rounds[1].collection  # the same first attempts
    failed = plain.rollouts - plain.successes
    assert plain.rollouts == 16 and failed > 0
    assert ledger.rounds[1].collection.rollouts == 16 + failed


def test_report_folder(finished_run):
    out, ledger = finished_run
    report = write_report(ledger, LoopFolder(out))
    for name in ("report.md", "report.html", "summary.json", "success_vs_simulator_steps.png"):
        assert (report / name).is_file()
    assert len(list((report / "gifs").glob("*.gif"))) == 1
    summary = json.loads((report / "summary.json").read_text())
    assert summary["env_steps"] == ledger.env_steps and len(summary["rounds"]) == 2


def test_a_finished_run_resumes_to_the_same_ledger(finished_run):
    out, ledger = finished_run
    assert run_loop(TINY, out) == ledger == load_ledger(out)


def test_interrupted_run_resumes_at_the_first_unfinished_stage(tmp_path, finished_run):
    out, ledger = finished_run
    ledger_path = out / "loop.json"
    saved = ledger_path.read_text()
    try:
        partial = load_ledger(out)
        partial.rounds[1].val = None  # as if killed while evaluating round 1
        partial.rounds[1].held_out = {}
        partial.stopped, partial.final, partial.best_round = None, {}, None
        partial.save(out)
        resumed = run_loop(TINY, out)
        assert resumed.rounds[1].collection == ledger.rounds[1].collection
        assert resumed.rounds[1].checkpoint == ledger.rounds[1].checkpoint
        assert resumed.rounds[1].val is not None and resumed.final
    finally:
        ledger_path.write_text(saved)


def test_another_config_is_refused(finished_run):
    out, _ = finished_run
    with pytest.raises(Sim2ActError, match="another config .*alpha"):
        run_loop(LoopConfig(**{**TINY.__dict__, "alpha": 0.8}), out)


def test_a_bad_env_option_value_is_refused_before_the_run_folder_is_written(tmp_path):
    """Option names are checked without building; a bad value surfaces when an env is built, and that must come
    before the ledger, or the corrected command would find a run "with another config" in its folder."""
    out = tmp_path / "run"
    with pytest.raises(Sim2ActError, match="actions must be one of all, move, move-back, got 'walk'"):
        run_loop(replace(TINY, domain="nav3d", level="goto", env={"actions": "walk"}), out)
    assert not out.exists()


def test_more_rounds_carry_a_finished_run_on_and_keep_its_old_final(tmp_path, finished_run):
    out, ledger = finished_run
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    same = run_loop(replace(TINY, rounds=1), copy)  # a stop it has passed: nothing reruns
    assert same.rounds == ledger.rounds and same.final == ledger.final and load_ledger(copy).config["rounds"] == 1

    longer = run_loop(replace(TINY, rounds=3), copy)
    assert longer.rounds[:2] == ledger.rounds and longer.rounds[2].done
    assert longer.stopped.startswith("rounds: all 3") and set(longer.final) == set(ledger.final)
    assert (copy / "eval" / "round-final-after-round-1").is_dir() and (copy / "eval" / "round-final").is_dir()
    assert load_ledger(copy) == longer


def test_fewer_rounds_stop_a_run_reopened_between_rounds(tmp_path, finished_run):
    out, ledger = finished_run
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    reopened = load_ledger(copy)
    reopened.stopped, reopened.final, reopened.best_round = None, {}, None  # as if killed after --rounds 3 reopened it
    reopened.config = {**reopened.config, "rounds": 3}
    reopened.save(copy)
    stopped = run_loop(TINY, copy)
    assert stopped.rounds == ledger.rounds and stopped.stopped.startswith("rounds: all 2")
    assert set(stopped.final) == set(ledger.final)


def test_a_foreign_folder_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(Sim2ActError, match="not empty and holds no sim2act run"):
        run_loop(TINY, tmp_path)


def test_round0_with_the_pretrained_prior_counts_previews_and_frames(tmp_path):
    config = LoopConfig(
        **{**TINY.__dict__, "round0_proposer": "prior", "prior_frames": 200, "prior_steps": 4, "rounds": 1, "round0_episodes": 16}
    )
    ledger = run_loop(config, tmp_path / "run")
    collection = ledger.rounds[0].collection
    assert collection.proposer == "prior" and collection.rollouts == 16
    # Each newly seen state previews all 7 actions; a state the episode returns to reuses its scores.
    assert collection.env_steps < collection.preview_steps <= 7 * collection.env_steps
    assert collection.preview_steps % 7 == 0
    assert ledger.prior["pretrained"] and ledger.prior["frames"] == 200
    assert (tmp_path / "run" / "prior" / "prior.json").is_file()


def test_co_levels_share_each_rounds_episodes_and_the_policy_is_measured_on_the_level(tmp_path):
    config = replace(TINY, rounds=1, round0_episodes=25, co_levels=["GoToObj"], final_episodes=4, gifs=0)
    ledger = run_loop(config, tmp_path / "run")
    card = load_card(DatasetLayout(tmp_path / "run" / "data").card)
    assert [(run["config"]["level"], run["config"]["episodes"]) for run in card.runs] == [("GoToLocal", 13), ("GoToObj", 12)]
    assert ledger.rounds[0].collection.rollouts == 25
    assert card.counts["executed_steps"] == ledger.env_steps
    info = json.loads((LoopFolder(tmp_path / "run").evaluation("final", "test_unseen_layout") / "eval_info.json").read_text())
    assert info["config"]["levels"] == ["GoToLocal"]


def test_a_loop_on_ray_collects_the_data_of_a_local_one(tmp_path, finished_run):
    pytest.importorskip("ray")
    from sim2act.data.reader import load_steps
    from sim2act.rollout.executors import ExecutorConfig, make_executor

    out, ledger = finished_run
    with make_executor(ExecutorConfig("ray", workers=2)) as executor:  # round 1 ships round 0's π_θ to the actors
        on_ray = run_loop(TINY, tmp_path / "ray", executor=executor)
    counts = lambda run: [replace(r.collection, seconds=0) for r in run.rounds]  # noqa: E731
    assert counts(on_ray) == counts(ledger) and len(on_ray.rounds) == 2
    assert load_steps(LoopFolder(tmp_path / "ray").data).equals(load_steps(LoopFolder(out).data))
