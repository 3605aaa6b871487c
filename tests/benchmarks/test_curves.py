"""Curves hold their last measurement between points; steps to target and its lower bound."""

import pytest

from sim2act.benchmarks.curves import Curve, CurvePoint, aggregate_at, mean_curve, steps_to_target
from sim2act.benchmarks.sample_efficiency import log_marks, mark_labels


def curve(seed, points, budget=1000):
    return Curve("m", seed, [CurvePoint(s, v, v, v, 10) for s, v in points], budget=budget)


def test_a_curve_holds_its_last_measurement_until_it_ends_and_knows_when_it_reached_the_target():
    c = curve(0, [(100, 0.2), (300, 0.85), (600, 0.7)])
    assert c.success_at(50) is None
    assert c.success_at(299) == 0.2 and c.success_at(300) == 0.85 and c.success_at(600) == 0.7
    assert c.success_at(601) is None and c.spent == 600
    assert c.steps_to(0.8) == 300 and c.steps_to(0.9) is None and c.best() == 0.85


def test_steps_to_target_over_seeds_reports_a_lower_bound_when_a_seed_falls_short():
    both = [curve(0, [(100, 0.9)]), curve(1, [(100, 0.5), (300, 0.8)])]
    result = steps_to_target(both, 0.8)
    low, high = result.pop("interval")
    assert result == {"seeds": 2, "reached": 2, "mean": 200, "std": 100, "lower_bound": None, "best_success": 0.9}
    # Student's t with one degree of freedom: 200 ± 12.706 * 141.4 / sqrt(2).
    assert (low, high) == pytest.approx((200 - 1270.6, 200 + 1270.6), abs=0.1)
    short = [curve(0, [(100, 0.9)]), curve(1, [(500, 0.5)], budget=5000)]
    result = steps_to_target(short, 0.8)
    assert result["reached"] == 1 and result["lower_bound"] == 500  # the steps it spent, not its allowance


def test_mean_and_std_at_marks_use_the_seeds_measured_by_then():
    rows = aggregate_at([curve(0, [(100, 0.4), (200, 0.6)]), curve(1, [(120, 0.8), (250, 0.6)])], [50, 100, 200, 250])
    assert rows[0] is None
    assert rows[1] == (0.4, 0.0)
    assert rows[2] == pytest.approx((0.7, 0.1))
    assert rows[3] == (0.6, 0.0)  # the first seed ended at 200


def test_the_mean_curve_holds_each_seed_and_stops_at_the_shortest_seed():
    rows = mean_curve([curve(0, [(100, 0.4), (200, 0.6)]), curve(1, [(120, 0.8), (250, 0.6)])])
    assert [x for x, _, _ in rows] == [120, 200]  # at 100 the second seed had no measurement yet
    assert rows[0][1] == pytest.approx(0.6) and rows[1][1] == pytest.approx(0.7)
    low, high = rows[1][2]
    assert low < 0.7 < high
    assert mean_curve([curve(0, [(100, 0.4)])]) == [(100, 0.4, None)]


def test_log_marks_end_at_the_largest_budget():
    assert log_marks(50_000, 1) == [50_000]
    marks = log_marks(50_000, 5)
    assert marks[-1] == 50_000 and marks == sorted(marks) and len(marks) == 5


def test_the_lower_bound_counts_only_the_seeds_that_fell_short():
    # seed 0 reached the target late (after 900 steps); seed 1 stopped short at 400: the bound is 400
    curves = [curve(0, [(100, 0.1), (900, 0.9)]), curve(1, [(400, 0.5)])]
    result = steps_to_target(curves, 0.8)
    assert result["reached"] == 1 and result["mean"] == 900
    assert result["lower_bound"] == 400
    short = [curve(0, [(700, 0.1)]), curve(1, [(900, 0.9)]), curve(2, [(300, 0.2)])]
    assert steps_to_target(short, 0.8)["lower_bound"] == 700
    assert steps_to_target([curve(0, [(900, 0.9)])], 0.8)["lower_bound"] is None


def test_mark_labels_tell_apart_marks_that_round_alike():
    assert mark_labels([9_500, 131_760, 131_820]) == ["9.5K", "131,760", "131,820"]
    assert mark_labels([1_000, 2_500]) == ["1.0K", "2.5K"]
