import json

from PIL import Image

from sim2act.loop import LoopConfig, LoopFolder, write_report
from sim2act.loop.ledger import Collection, HeldOut, Ledger


def finished_ledger(**fields) -> Ledger:
    ledger = Ledger(config=LoopConfig(**fields).validated().to_dict(), prior={"path": "priors/grid", "frames": 5000, "env_steps": 4800})
    for r, (comp, layout) in enumerate([(0.42, 0.5), (0.81, 0.85), (0.86, 0.9)]):
        record = ledger.round(r)
        record.collection = Collection("uniform" if r == 0 else "mixture(policy,0.9)", 100, 80, 40, 2000, 5000, 0, 30, 2.0)
        record.checkpoint = f"runs/x/policy/round-{r}/checkpoints/step-0000100"
        record.train_steps = 100
        record.val = HeldOut(layout, layout - 0.05, layout + 0.05, 200)
        record.held_out = {
            "test_unseen_composition": HeldOut(comp, comp - 0.05, comp + 0.05, 200),
            "test_unseen_layout": HeldOut(layout, layout - 0.05, layout + 0.05, 200),
        }
    ledger.best_round, ledger.stopped = 2, "rounds: all 3 rounds done"
    ledger.final = {"test_unseen_composition": HeldOut(0.85, 0.82, 0.88, 500)}
    return ledger


def test_report_has_every_figure(tmp_path):
    folder = LoopFolder(tmp_path)
    out = write_report(finished_ledger(), folder, seconds=12.0)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["env_steps"] == 15000 and summary["prior_frames"] == 5000
    # Every simulator call counts: executed steps, previews (none here) and the prior's 4,800 collection steps.
    assert summary["simulator_steps"] == 15000 + 4800 and summary["prior_env_steps"] == 4800
    assert summary["simulator_steps_to_80pct_test_unseen_composition"] == 10000 + 4800  # reached after round 1
    assert summary["env_steps_to_80pct_test_unseen_composition"] == 10000
    assert [r["cumulative_simulator_steps"] for r in summary["rounds"]] == [9800, 14800, 19800]
    assert summary["paths"]["best_checkpoint"].endswith("round-2/checkpoints/step-0000100")
    markdown = (out / "report.md").read_text()
    assert "| 1 | mixture(policy,0.9) | 100 | 80 (40) | 5,000 | 0 | 14,800 |" in markdown
    assert "Simulator steps to reach 80% on test_unseen_composition: 14,800 (10,000 of them executed)" in markdown
    assert "<table>" in (out / "report.html").read_text()
    assert "temperature" not in markdown
    cool = write_report(finished_ledger(policy_temperature=0.5), LoopFolder(tmp_path / "cool"), seconds=1.0)
    assert "π_θ samples its actions at temperature 0.5, collecting and evaluated." in (cool / "report.md").read_text()
    with Image.open(out / "success_vs_simulator_steps.png") as image:
        assert image.size[0] > 300


def test_not_reaching_the_target_says_so(tmp_path):
    ledger = finished_ledger()
    for record in ledger.rounds:
        record.held_out["test_unseen_composition"] = HeldOut(0.3, 0.2, 0.4, 200)
    out = write_report(ledger, LoopFolder(tmp_path))
    assert json.loads((out / "summary.json").read_text())["simulator_steps_to_80pct_test_unseen_composition"] is None
    assert "not reached" in (out / "report.md").read_text()


def test_the_plot_takes_a_perfect_round_whose_stored_high_bound_rounded_below_it(tmp_path):
    from sim2act.loop.plot import plot_success_curve

    perfect = {"success": 1.0, "low": 0.987, "high": 0.9999999999999999, "episodes": 300}
    rows = [{"cumulative_simulator_steps": 1000, "held_out": {"test_unseen_composition": perfect}}]
    out = plot_success_curve(rows, tmp_path / "curve.png", "perfect")
    assert out.stat().st_size > 0


def test_a_ledger_from_before_prior_steps_were_counted_counts_its_frames():
    """An upper bound: each pretraining frame cost at most one env step (resets make it fewer)."""
    ledger = Ledger(config={}, prior={"path": "priors/grid", "frames": 5000})
    assert ledger.prior_env_steps == 5000 and ledger.simulator_steps == 5000
