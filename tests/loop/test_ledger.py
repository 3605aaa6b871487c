import pytest

from sim2act.errors import Sim2ActError
from sim2act.loop import LoopConfig
from sim2act.loop.ledger import Collection, HeldOut, Ledger, load_ledger
from sim2act.loop.rounds import best_round, stopping_reason


def collection(env_steps: int) -> Collection:
    return Collection("uniform", 10, 8, 5, 100, env_steps, 70, 3, 1.0)


def ledger_with(vals: list[float], env_steps: int = 1000) -> Ledger:
    ledger = Ledger(config={})
    for r, v in enumerate(vals):
        record = ledger.round(r)
        record.collection = collection(env_steps)
        record.checkpoint = f"ckpt-{r}"
        record.val = HeldOut(v, v - 0.05, v + 0.05, 200)
    return ledger


def test_round_trip(tmp_path):
    ledger = ledger_with([0.5, 0.7])
    ledger.prior = {"path": "p", "frames": 123}
    ledger.rounds[1].held_out["test_unseen_layout"] = HeldOut(0.6, 0.5, 0.7, 100)
    ledger.final = {"test_unseen_layout": HeldOut(0.6, 0.5, 0.7, 100)}
    ledger.best_round = 1
    ledger.save(tmp_path)
    assert load_ledger(tmp_path) == ledger
    assert load_ledger(tmp_path).cumulative(1) == {
        "env_steps": 2000, "preview_steps": 140, "prior_frames": 123, "prior_env_steps": 123, "simulator_steps": 2263,
    }


def test_corrupt_ledger_is_one_clear_error(tmp_path):
    (tmp_path / "loop.json").write_text("{")
    with pytest.raises(Sim2ActError, match="corrupt loop ledger"):
        load_ledger(tmp_path)


def test_stops_when_validation_saturates():
    config = LoopConfig(rounds=10, patience=2, min_improvement=0.01)
    assert stopping_reason(ledger_with([0.5, 0.7, 0.705]), config) is None
    assert stopping_reason(ledger_with([0.5, 0.7, 0.705, 0.69]), config).startswith("saturated")


def test_stops_at_the_ceiling_that_no_later_round_can_beat():
    config = LoopConfig(rounds=10, patience=3, ceiling=0.99)
    assert stopping_reason(ledger_with([0.5, 0.98]), config) is None
    assert stopping_reason(ledger_with([0.5, 0.995]), config) == "ceiling: validation success 99.5% reached 99.0%"
    assert stopping_reason(ledger_with([1.0]), LoopConfig(rounds=10)) is None  # no ceiling unless configured
    with pytest.raises(Sim2ActError, match="ceiling must lie in"):
        LoopConfig(ceiling=1.5).validated()


def test_stops_at_the_budget_and_after_the_last_round():
    assert stopping_reason(ledger_with([0.1, 0.2], env_steps=600), LoopConfig(env_step_budget=1000)).startswith("budget")
    assert stopping_reason(ledger_with([0.1, 0.2]), LoopConfig(rounds=2)).startswith("rounds")


def test_best_round_prefers_the_later_on_ties():
    assert best_round(ledger_with([0.5, 0.8, 0.8, 0.6])) == 2


def test_resuming_a_run_removes_temp_files_of_a_killed_writer(tmp_path):
    from sim2act.loop.rounds import LoopFolder, _open

    config = LoopConfig().validated()
    folder = LoopFolder(tmp_path / "run")
    _open(folder, config)
    stale = folder.evaluation(0, "val") / ".eval.md.12345.tmp"
    stale.parent.mkdir(parents=True)
    stale.write_text("half a report")
    kept = folder.evaluation(0, "val") / "eval.md"
    kept.write_text("a whole report")
    _open(folder, config)
    assert not stale.exists() and kept.read_text() == "a whole report"


def test_rounds_fine_tune_by_default_and_retrain_from_scratch_by_epochs_when_asked():
    from sim2act.loop.rounds import _train_steps

    ledger = ledger_with([0.5, 0.6, 0.7])  # every round kept 100 steps
    config = LoopConfig(round0_train_steps=30, train_steps_per_round=20)
    assert _train_steps(config, 0, ledger) == (30, None)
    assert _train_steps(config, 2, ledger) == (20, "ckpt-1")
    by_epochs = LoopConfig(train_epochs=20, train={"batch_size": 50})
    assert _train_steps(by_epochs, 0, ledger) == (40, None)  # 20 passes over 100 kept steps, 50 a batch
    assert _train_steps(by_epochs, 2, ledger) == (120, None)  # all three rounds' 300 steps, from scratch
    with pytest.raises(Sim2ActError, match="train_epochs must be positive, got 0"):
        LoopConfig(train_epochs=0).validated()
