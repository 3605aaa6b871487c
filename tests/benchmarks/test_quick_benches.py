"""Every benchmark's ``--quick`` mode runs end to end on real (tiny) training runs and writes its results.

The benches share one results root, so the later ones reuse the method runs of the earlier ones
(equal settings, same run folder), as they do for a user.
"""

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from sim2act.benchmarks import BENCHMARKS, long_horizon, measured
from sim2act.benchmarks.budget import RewardBudget
from sim2act.benchmarks.results import RESULTS_JSON, RESULTS_MD, WORK
from sim2act.benchmarks.sample_efficiency import SampleEfficiencyConfig, run_sample_efficiency
from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.training.checkpoints import TRAIN_CONFIG


@pytest.fixture(scope="module")
def results_root(tmp_path_factory):
    return tmp_path_factory.mktemp("results")


@pytest.fixture(scope="module")
def sample_efficiency(results_root):
    return run_sample_efficiency(SampleEfficiencyConfig.quick(), results_root)


def test_sample_efficiency_measures_every_method_and_gives_rl_ten_times_sim2acts_steps(sample_efficiency, results_root):
    methods = sample_efficiency["methods"]
    assert list(methods) == ["sim2act", "ppo", "bc-expert"]
    ours = methods["sim2act"]["curves"][0]
    assert len(ours["points"]) == 2  # one per round
    counts = ours["extra_counts"]
    assert counts["preview_steps"] > 0 and 0 < counts["prior_env_steps"] < 300  # 300 frames, resets included
    # Every simulator call counts: the last point's simulator steps are executed + previewed + the prior's.
    assert ours["points"][-1]["simulator_steps"] == counts["executed_steps"] + counts["preview_steps"] + counts["prior_env_steps"]
    needed = sample_efficiency["sim2act_steps_needed"]
    assert needed >= ours["points"][0]["simulator_steps"] > ours["points"][0]["env_steps"]
    ppo = methods["ppo"]["curves"][0]
    assert ppo["budget"] == 10 * needed  # ten times Sim2Act's simulator steps, not its executed ones
    assert [p["env_steps"] for p in ppo["points"]] == sorted(p["env_steps"] for p in ppo["points"])
    assert ppo["points"][-1]["env_steps"] >= 10 * needed
    bc = methods["bc-expert"]["curves"][0]
    assert len(bc["points"]) == 2 and bc["points"][0]["env_steps"] < bc["points"][1]["env_steps"]
    for m in methods.values():
        assert all(0 <= p["success"] <= 1 for c in m["curves"] for p in c["points"])
        assert "diversity" in m["final"][0] and "mean_reward" in m["final"][0]
    folder = results_root / "sample-efficiency"
    assert json.loads((folder / RESULTS_JSON).read_text())["marks"] == sample_efficiency["marks"]
    markdown = (folder / RESULTS_MD).read_text()
    assert "simulator steps to target" in markdown and "ppo" in markdown and "903–1,114K episodes" in markdown
    assert (folder / "success_vs_simulator_steps.png").stat().st_size > 10_000


def test_a_finished_benchmark_resumes_without_training_again(sample_efficiency, results_root):
    runs = sorted((results_root / WORK).rglob("curve.json"))
    stamps = [p.stat().st_mtime_ns for p in runs]
    again = run_sample_efficiency(SampleEfficiencyConfig.quick(), results_root)
    assert [p.stat().st_mtime_ns for p in runs] == stamps
    assert again["methods"]["sim2act"]["curves"] == sample_efficiency["methods"]["sim2act"]["curves"]


def test_generalization_gives_reward_learners_the_sample_efficiency_budget_and_shares_their_runs(sample_efficiency, results_root):
    bench = BENCHMARKS["generalization"]
    before = sorted((results_root / WORK).rglob("curve.json"))
    config = bench.config.quick(methods="sim2act,ppo", budget=RewardBudget(rl_factor=10.0),
                                few_shot=replace(bench.config.quick().few_shot, episodes=()))
    results = bench.run(config, results_root)
    assert sorted((results_root / WORK).rglob("curve.json")) == before  # PPO's sample-efficiency run, not a new one
    assert results["rl_budgets"] == {"ppo": 10 * sample_efficiency["sim2act_steps_needed"]}
    assert all(cells[0]["episodes"] == 8 for cells in results["methods"]["ppo"].values())
    assert "10× the simulator steps Sim2Act needed" in (results_root / "generalization" / RESULTS_MD).read_text()


def test_generalization_reuses_the_runs_and_measures_every_split_and_variant(sample_efficiency, results_root):
    bench = BENCHMARKS["generalization"]
    before = len(list((results_root / WORK).rglob("curve.json")))
    config = bench.config.quick()
    results = bench.run(config, results_root)
    assert len(list((results_root / WORK).rglob("curve.json"))) == before
    assert results["columns"] == [
        "GoToLocal · train", "GoToLocal · test_unseen_layout", "GoToLocal · test_unseen_composition",
        "GoToLocalS6N4 · test_unseen_layout",
    ]
    assert results["few_shot_columns"] == ["GoToLocalS6N4 · test_unseen_layout · few-shot 4"]
    for method in ("sim2act", "bc-expert"):
        for column in results["columns"] + results["few_shot_columns"]:
            assert results["methods"][method][column][0]["episodes"] == 8
        # The few-shot round executed 4 episodes on the variant (at least one step each) and kept its own run.
        (spent,) = results["few_shot_simulator_steps"][method][results["few_shot_columns"][0]]
        assert spent >= 4
        rounds = list((results_root / WORK / method).glob(f"*/seed-0/few-shot/GoToLocalS6N4/{config.few_shot.folder_name(4)}/data/meta/info.json"))
        assert len(rounds) == 1
        # and fine-tuned on those episodes with the method's own training data replayed in every batch
        (fine_tune,) = rounds[0].parents[2].glob(f"policy/{TRAIN_CONFIG}")
        replayed = json.loads(fine_tune.read_text())["replay"]
        assert replayed and Path(replayed).is_dir() and Path(replayed) != rounds[0].parents[1]
    assert "few-shot 4" in (results_root / "generalization" / RESULTS_MD).read_text()
    assert (results_root / "generalization" / "generalization.png").exists()
    # the run's own π0, measured zero-shot beside the policy (bc-expert has none)
    assert set(results["methods"]["sim2act π0"]) == set(results["columns"]) and "bc-expert π0" not in results["methods"]
    assert all(cells[0]["episodes"] == 8 for cells in results["methods"]["sim2act π0"].values())


def test_an_interrupted_generalization_bench_keeps_its_cells_and_measures_only_the_rest(sample_efficiency, results_root,
                                                                                       tmp_path, monkeypatch):
    bench = BENCHMARKS["generalization"]
    config = bench.config.quick(methods="sim2act", few_shot=replace(bench.config.quick().few_shot, episodes=()))
    out = tmp_path / "results"
    shutil.copytree(results_root / WORK, out / WORK)  # the trained runs, none of the measured cells
    for cells in (out / WORK).rglob("measured"):
        shutil.rmtree(cells)
    evaluate, calls = measured.evaluate_proposer, []

    def stopped_after_three(*args, **kwargs):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(args[3])
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(measured, "evaluate_proposer", stopped_after_three)
    with pytest.raises(KeyboardInterrupt):
        bench.run(config, out)
    partial = json.loads((out / "generalization" / RESULTS_JSON).read_text())
    assert partial["complete"] is False and sum(len(cells) for cells in partial["methods"].values()) == 3
    assert "**Partial**" in (out / "generalization" / RESULTS_MD).read_text()

    calls.clear()
    monkeypatch.setattr(measured, "evaluate_proposer", lambda *a, **k: calls.append(a[3]) or evaluate(*a, **k))
    results = bench.run(config, out)
    assert len(calls) == 2 * len(results["columns"]) - 3  # the policy's and π0's cells, less the three kept
    assert results["complete"] and "**Partial**" not in (out / "generalization" / RESULTS_MD).read_text()
    for name, cells in partial["methods"].items():
        for column, kept in cells.items():
            assert results["methods"][name][column] == kept


def test_a_few_shot_round_collected_by_the_runs_prior(sample_efficiency, results_root):
    bench = BENCHMARKS["generalization"]
    config = bench.config.quick()
    config = replace(config, few_shot=replace(config.few_shot, proposer="prior"))
    results = bench.run(config, results_root)
    (column,) = results["few_shot_columns"]
    assert column == "GoToLocalS6N4 · test_unseen_layout · few-shot 4 collected by π0"
    assert results["methods"]["sim2act"][column][0]["episodes"] == 8 and column not in results["methods"]["bc-expert"]
    (spent,) = results["few_shot_simulator_steps"]["sim2act"][column]
    assert spent > 4  # executed steps and π0's previews
    (data,) = (results_root / WORK / "sim2act").glob(f"*/seed-0/few-shot/GoToLocalS6N4/{config.few_shot.folder_name(4)}/data")
    assert load_card(DatasetLayout(data).card).runs[0]["config"]["proposer"] == "prior"


def test_long_horizon_counts_sub_goals(results_root):
    bench = BENCHMARKS["long-horizon"]
    results = bench.run(bench.config.quick(methods="bc-expert"), results_root)
    (row,) = results["rows"]
    assert row["level"] == "GoToSeqS5R2" and row["mean_subgoals"] > 1  # some GoToSeq tasks have one clause
    assert 0 <= row["subgoal_share"] <= 1
    assert row["longest_solved_subgoals"] == 0 or row["longest_solved_steps"] > 0
    assert row["simulator_steps"] > 0  # the demonstrations' executed steps
    table = (results_root / "long-horizon" / RESULTS_MD).read_text()
    assert "sub-goals done" in table and f"| {row['simulator_steps']:,} |" in table


def test_long_horizon_reads_back_a_measured_row_instead_of_measuring_it_again(results_root, monkeypatch):
    bench = BENCHMARKS["long-horizon"]
    first = bench.run(bench.config.quick(methods="bc-expert"), results_root)
    assert first["complete"] and list(results_root.rglob("measured/long-horizon/*.json"))

    def never(*args, **kwargs):
        raise AssertionError("a measured row was measured again")

    monkeypatch.setattr(long_horizon, "evaluate_proposer", never)
    assert bench.run(bench.config.quick(methods="bc-expert"), results_root)["rows"] == first["rows"]


def test_ablations_share_the_full_runs_prior(sample_efficiency, results_root):
    bench = BENCHMARKS["ablations"]
    results = bench.run(bench.config.quick(), results_root)
    variants = [r["variant"] for r in results["rows"]]
    assert variants[0].startswith("full") and "λ = 0 (no contrastive term)" in variants and "π0 = uniform" in variants
    full, no_contrastive = results["rows"][0], results["rows"][variants.index("λ = 0 (no contrastive term)")]
    assert full["curve"] == sample_efficiency["methods"]["sim2act"]["curves"][0]["points"]
    # It loaded the full run's prior, and is charged the env steps that collected that prior's frames.
    assert no_contrastive["extra_counts"]["prior_env_steps"] == full["extra_counts"]["prior_env_steps"] > 0
    uniform = results["rows"][variants.index("π0 = uniform")]
    assert uniform["extra_counts"]["preview_steps"] == 0 and uniform["extra_counts"]["prior_env_steps"] == 0
    assert (results_root / "ablations" / "ablations.png").exists()


def test_a_baselines_own_ablations_share_its_full_run_and_measure_both_held_out_splits(sample_efficiency, results_root,
                                                                                     monkeypatch):
    import sim2act.benchmarks.methods.decision_stacks as method_module

    trained, train = [], method_module.train_decision_stacks
    monkeypatch.setattr(method_module, "train_decision_stacks", lambda *a, **k: trained.append(train(*a, **k)) or trained[-1])
    bench = BENCHMARKS["ablations"]
    quick = bench.config.quick()
    setting = replace(quick.setting, decision_stacks={"train_steps": 20, "d_model": 32, "horizon": 4, "batch_size": 32})
    config = replace(quick, method="decision-stacks", only=("no guidance",), episodes=4, setting=setting)
    results = bench.run(config, results_root)
    assert [r["variant"] for r in results["rows"]] == ["full (guidance w 1.5, horizon 4)", "no guidance (w 0)"]
    loop = sample_efficiency["methods"]["sim2act"]["curves"][0]["points"][-1]
    for row in results["rows"]:
        assert row["simulator_steps"] == loop["simulator_steps"]  # offline on the loop's data: its spend, not more
        assert [row["final"][split]["episodes"] for split in ("test_unseen_composition", "test_unseen_layout")] == [4, 4]
    assert "# Ablations of decision-stacks" in (results_root / "ablations" / RESULTS_MD).read_text()
    assert len(list((results_root / WORK / "decision-stacks").rglob("measured/ablations/*.json"))) == 4  # 2 variants × 2 splits
    assert trained[-1].reused_from is not None and trained[-1].steps == 0  # no guidance: the full variant's modules


def test_a_method_may_run_other_seeds_than_the_rest(sample_efficiency, results_root):
    config = SampleEfficiencyConfig.quick(methods="sim2act,bc-expert", method_seeds={"bc-expert": 2})
    results = run_sample_efficiency(config, results_root)
    assert [len(m["curves"]) for m in results["methods"].values()] == [1, 2]
    assert "Seeds per method: sim2act 1, bc-expert 2" in (results_root / "sample-efficiency" / RESULTS_MD).read_text()


def test_decision_stacks_learns_offline_from_the_loops_own_data_at_its_spend(sample_efficiency, results_root, tmp_path):
    from sim2act.baselines.decision_stacks import DecisionStacksProposer
    from sim2act.benchmarks.methods import get_method
    from sim2act.loop.progress import LoopProgress

    setting = replace(SampleEfficiencyConfig.quick().setting,
                      decision_stacks={"train_steps": 20, "d_model": 32, "horizon": 4, "batch_size": 32}).resolved()
    run = get_method("decision-stacks").run(setting, 0, results_root / WORK, LoopProgress())
    (point,) = run.curve.points
    loop = sample_efficiency["methods"]["sim2act"]["curves"][0]["points"][-1]  # the same loop run, not a second one
    assert (point.env_steps, point.simulator_steps) == (loop["env_steps"], loop["simulator_steps"])
    assert point.episodes == setting.eval_episodes and 0 <= point.success <= 1
    assert isinstance(run.make_proposer(), DecisionStacksProposer)
    again = get_method("decision-stacks").run(setting, 0, results_root / WORK, LoopProgress())
    assert again.curve.points == run.curve.points  # read back, not trained again
    from sim2act.baselines.decision_stacks import DecisionStacksConfig, train_decision_stacks
    from sim2act.baselines.decision_stacks.train import CONFIG_FILE, module_file
    from sim2act.validation import config_from_dict

    model = tmp_path / "model"
    shutil.copytree(run.artifact, model)
    config = config_from_dict(DecisionStacksConfig, json.loads((model / CONFIG_FILE).read_text()))
    stamps = [(model / module_file(m)).stat().st_mtime_ns for m in ("observation", "reward", "action")]
    assert train_decision_stacks(config, model).steps == 0  # finished: nothing trained, no frames encoded
    assert [(model / module_file(m)).stat().st_mtime_ns for m in ("observation", "reward", "action")] == stamps
    other = train_decision_stacks(replace(config, train_steps=3), model)  # another config: its own modules
    assert other.steps > 0 and set(other.losses) == {"observation", "reward", "action"}
    torch.rand(1000)  # what the process drew before must not change the weights
    train_decision_stacks(replace(config, train_steps=3), tmp_path / "again")
    for m in ("observation", "reward", "action"):
        weights, again = (torch.load(folder / module_file(m), weights_only=True) for folder in (model, tmp_path / "again"))
        assert weights.keys() == again.keys() and all(torch.equal(weights[k], again[k]) for k in weights)

    # the guidance weight changes how the modules act, not what they learn: no retraining for it
    other_config = replace(config, train_steps=3)
    stamps = [(model / module_file(m)).stat().st_mtime_ns for m in ("observation", "reward", "action")]
    assert train_decision_stacks(replace(other_config, guidance=0.5), model).steps == 0
    assert [(model / module_file(m)).stat().st_mtime_ns for m in ("observation", "reward", "action")] == stamps
    assert DecisionStacksProposer(model).config.guidance == 0.5
    unguided = train_decision_stacks(replace(other_config, guidance=0.0), tmp_path / "unguided",
                                     reuse_from=[tmp_path / "absent", model])
    assert (unguided.steps, unguided.reused_from) == (0, str(model))
    for m in ("observation", "reward", "action"):
        assert (tmp_path / "unguided" / module_file(m)).read_bytes() == (model / module_file(m)).read_bytes()
    assert DecisionStacksProposer(tmp_path / "unguided").config.guidance == 0.0
    shorter = train_decision_stacks(replace(other_config, horizon=2), tmp_path / "shorter", reuse_from=[model])
    assert shorter.reused_from is None and shorter.steps > 0  # another horizon learns other modules
