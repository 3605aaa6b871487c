"""RL from scratch and RLFP in the benches: they stop at the target, an interrupted run continues from its last mark,
and a run folder whose checkpoint another config made starts afresh, its curve with it (no mark logged twice)."""

from __future__ import annotations

from dataclasses import replace

from sim2act.baselines.sb3_training import checkpoint_steps
from sim2act.benchmarks.curves import Curve
from sim2act.benchmarks.methods import get_method
from sim2act.benchmarks.setting import quick_setting
from sim2act.loop.progress import LoopProgress


def test_ppo_stops_at_the_target_and_a_stopped_run_continues_where_it_left_off(tmp_path):
    method, out = get_method("ppo"), tmp_path / "ppo"
    out.mkdir()
    setting = quick_setting(rl_stop_at=0.0).resolved()  # any success reaches 0%: stop at the first mark
    first = method.train(setting, 0, out, LoopProgress())
    (point,) = first.curve.points
    assert point.env_steps == checkpoint_steps(out) < setting.rl_steps
    # The same folder under a budget it has not reached: the run continues from its checkpoint and log.
    rest = method.train(replace(setting, rl_stop_at=None), 0, out, LoopProgress())
    assert rest.curve.points[0] == point and len(rest.curve.points) == 2
    assert rest.curve.points[1].env_steps >= setting.rl_steps
    # A run that has reached its target is read back, not trained again.
    again = method.train(setting, 0, out, LoopProgress())
    assert again.curve.points[0] == point
    # Another config in the same folder cannot continue that checkpoint: it starts afresh, and so does its curve.
    other = method.train(replace(setting, rl_stop_at=None, rl={**setting.rl, "learning_rate": 1e-3}), 0, out, LoopProgress())
    _assert_marks_once(other.curve, setting.rl_evaluations)


def test_rlfp_pretrains_its_prior_counts_it_and_continues_a_stopped_run(tmp_path):
    method, out = get_method("rlfp"), tmp_path / "rlfp"
    out.mkdir()
    setting = quick_setting(rl_steps=3000, rl_stop_at=0.0, rlfp={"learning_starts": 50, "batch_size": 16, "features_dim": 16}).resolved()
    first = method.train(setting, 0, out, LoopProgress())
    (point,) = first.curve.points  # any success reaches 0%: it stops at its first mark
    counts = first.curve.extra_counts
    assert 0 < counts["prior_env_steps"] <= setting.loop.prior_frames  # π0's frames are its simulator steps too
    assert point.simulator_steps == counts["executed_steps"] + counts["preview_steps"] + counts["prior_env_steps"]
    assert 0 < counts["preview_steps"] < 7 * counts["executed_steps"]  # the grid's exact state keys: previews reused
    rest = method.train(replace(setting, rl_stop_at=None), 0, out, LoopProgress())
    assert rest.curve.points[0] == point and rest.curve.points[-1].simulator_steps >= setting.rl_steps
    assert rest.make_proposer().name == "rlfp"
    other = method.train(replace(setting, rl_stop_at=None, rlfp={**setting.rlfp, "entropy": 0.5}), 0, out, LoopProgress())
    _assert_marks_once(other.curve, setting.rl_evaluations)


def _assert_marks_once(curve: Curve, marks: int) -> None:
    steps = [p.env_steps for p in curve.points]
    assert len(steps) == marks and steps == sorted(set(steps)), steps
