"""``Method.run``: a corrupt finished-run file is a one-line error; a method that cannot run a setting leaves nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim2act.benchmarks.curves import Curve, CurvePoint
from sim2act.benchmarks.methods.registry import CURVE_JSON, Method, MethodRun, get_method
from sim2act.benchmarks.setting import MethodSetting, quick_setting
from sim2act.errors import Sim2ActError
from sim2act.loop.progress import LoopProgress


class NeverTrains(Method):
    name = "never-trains"

    def train(self, setting, seed, out, progress):
        raise AssertionError("a run folder holding curve.json is read, not trained again")

    def proposer_for(self, artifact):
        raise AssertionError("not called")


@pytest.mark.parametrize(
    "text",
    [
        '{"curve": {"method": "never-trains", "seed": 0, "poi',  # truncated
        "not json at all",
        '{"artifact": "x"}',  # no curve
        '{"curve": {"method": "m", "seed": 0, "points": [{"env_steps": 1}], "budget": 1}, "artifact": "x"}',
        '{"curve": {"method": "m", "seed": 0, "points": [], "budget": 1, "bogus": 2}, "artifact": "x"}',
        '{"curve": {"method": "m", "seed": 0, "points": [], "budget": 1}}',  # no artifact
        '[1, 2]',
        '{"curve": [1], "artifact": "x"}',
    ],
)
def test_a_corrupt_curve_json_is_a_one_line_error_naming_the_file(tmp_path: Path, text: str):
    method, setting = NeverTrains(), MethodSetting()
    done = method.run_folder(tmp_path, setting, 0) / CURVE_JSON
    done.parent.mkdir(parents=True)
    done.write_text(text)
    with pytest.raises(Sim2ActError) as error:
        method.run(setting, 0, tmp_path, LoopProgress())
    message = str(error.value)
    assert str(done) in message and "\n" not in message and "delete it" in message


def test_a_finished_curve_json_is_read_back(tmp_path: Path):
    method, setting = NeverTrains(), MethodSetting()
    done = method.run_folder(tmp_path, setting, 3) / CURVE_JSON
    done.parent.mkdir(parents=True)
    point = {"env_steps": 10, "success": 0.5, "low": 0.2, "high": 0.8, "episodes": 8}
    curve = {"method": "never-trains", "seed": 3, "points": [point], "budget": 10}
    done.write_text(json.dumps({"curve": curve, "artifact": "model.zip"}))
    run = method.run(setting, 3, tmp_path, LoopProgress())
    assert run.artifact == "model.zip" and run.curve.spent == 10 and run.curve.points[0].success == 0.5


def test_a_sim2act_curve_saved_before_simulator_steps_were_counted_is_rebuilt(tmp_path: Path):
    class CountsPreviews(NeverTrains):
        calls_simulator_beyond_steps = True

        def train(self, setting, seed, out, progress):
            curve = Curve(self.name, seed, [CurvePoint(10, 0.5, 0.2, 0.8, 8, simulator_steps=250)], budget=10)
            return MethodRun(curve, "model.zip", lambda: None)

    method, setting = CountsPreviews(), MethodSetting()
    done = method.run_folder(tmp_path, setting, 0) / CURVE_JSON
    done.parent.mkdir(parents=True)
    point = {"env_steps": 10, "success": 0.5, "low": 0.2, "high": 0.8, "episodes": 8}
    done.write_text(json.dumps({"curve": {"method": method.name, "seed": 0, "points": [point], "budget": 10},
                                "artifact": "model.zip"}))
    assert method.run(setting, 0, tmp_path, LoopProgress()).curve.spent == 250
    assert json.loads(done.read_text())["curve"]["points"][0]["simulator_steps"] == 250


def test_methods_have_no_uses_expert_attribute():
    assert not hasattr(Method, "uses_expert") and not hasattr(get_method("bc-expert"), "uses_expert")


def test_sac_on_the_grid_is_refused_before_its_run_folder_is_made(tmp_path: Path):
    work = tmp_path / "work"
    with pytest.raises(Sim2ActError) as error:
        get_method("sac").run(quick_setting(), 0, work, LoopProgress())
    assert "Box" in str(error.value) and "\n" not in str(error.value)
    assert not work.exists() or not any(work.iterdir())


def test_ppo_passes_the_action_space_check_on_the_grid():
    get_method("ppo").check(quick_setting())


def test_a_missing_or_corrupt_final_evaluation_is_one_line(tmp_path):
    from sim2act.benchmarks.methods.sim2act_loop import final_evaluation
    from sim2act.evaluation.report import EVAL_INFO
    from sim2act.loop import LoopFolder

    folder = LoopFolder(tmp_path)
    with pytest.raises(Sim2ActError, match="missing or corrupt evaluation"):
        final_evaluation(folder, "test_unseen_composition")
    path = folder.evaluation("final", "test_unseen_composition") / EVAL_INFO
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(Sim2ActError, match="missing or corrupt evaluation"):
        final_evaluation(folder, "test_unseen_composition")
