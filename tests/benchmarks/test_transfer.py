"""``sim2act bench transfer --quick``: a tiny Sim2Act run in MuJoCo, measured there and in the PyBullet twin, then adapted."""

from __future__ import annotations

import json
from dataclasses import replace

from sim2act.benchmarks import BENCHMARKS, measured
from sim2act.benchmarks.results import RESULTS_MD, WORK
from sim2act.benchmarks.transfer import TransferConfig, run_transfer
from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout


def test_a_policy_is_measured_in_both_simulators_and_adapted_on_twin_episodes(tmp_path, monkeypatch):
    assert BENCHMARKS["transfer"].config is TransferConfig
    results = run_transfer(TransferConfig.quick(episodes=4), tmp_path)
    (row,) = results["rows"]
    assert row["level"] == "put-in-bowl" and row["randomize"] is False and results["twin"] == {"simulator": "pybullet"}
    assert row["home"]["episodes"] == row["twin"]["episodes"] == 4
    (adapted,) = row["few_shot"]
    assert adapted["episodes"] == 4 and adapted["twin_steps"] >= 4 and adapted["twin"]["episodes"] == 4
    (data,) = (tmp_path / WORK).rglob(f"transfer/{TransferConfig.quick().few_shot.folder_name(4)}/data")
    card = load_card(DatasetLayout(data).card)
    assert card.runs[-1]["config"]["env"]["simulator"] == "pybullet"  # the adaptation round ran in the twin
    markdown = (tmp_path / "transfer" / RESULTS_MD).read_text()
    assert "# Transfer to the twin simulator" in markdown and "simulator=pybullet" in markdown
    assert json.loads((tmp_path / "transfer" / "results.json").read_text())["rows"][0]["seed"] == 0
    assert (tmp_path / "transfer" / "transfer.png").stat().st_size > 5_000
    # The same run adapted on twin episodes that its π0 collects (the loop is reused, not retrained).
    by_prior = replace(TransferConfig.quick(episodes=4), few_shot=replace(TransferConfig.quick().few_shot, proposer="prior"))
    (row,) = run_transfer(by_prior, tmp_path)["rows"]
    assert row["few_shot"][0]["twin"]["episodes"] == 4
    (data,) = (tmp_path / WORK).rglob(f"transfer/{by_prior.few_shot.folder_name(4)}/data")
    assert load_card(DatasetLayout(data).card).runs[-1]["config"]["proposer"] == "prior"
    assert "collected by the run's π0" in (tmp_path / "transfer" / RESULTS_MD).read_text()
    # Run again, every cell is read back from the run folders: nothing is evaluated a second time, and the
    # π0-collected round's cell is its own, not the first round's.
    rows = run_transfer(by_prior, tmp_path)["rows"]

    def never(*args, **kwargs):
        raise AssertionError("a measured cell was measured again")

    monkeypatch.setattr(measured, "evaluate_proposer", never)
    assert run_transfer(by_prior, tmp_path)["rows"] == rows
    assert run_transfer(TransferConfig.quick(episodes=4), tmp_path)["rows"] == results["rows"]
