"""Held-out success against simulator steps: one curve per method and seed, and their mean ± std at fixed marks.

Simulator steps count every call of the simulator a method made to learn: executed steps, and for
Sim2Act also π0's preview steps and the steps that collected the prior's pretraining frames (RL and
expert BC only execute: the bot plans on privileged state). A method is measured where it can be
(the loop after each round, PPO at its evaluation marks, expert BC after each amount of
demonstrations). Between two measurements a curve holds its last value, so every method is read at
the same marks without inventing points it never reached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import mean, pstdev
from typing import Any

from sim2act.evaluation.metrics import mean_interval


@dataclass
class CurvePoint:
    """One measurement: held-out success after ``steps`` simulator steps (``env_steps`` of them executed)."""

    env_steps: int
    """Executed env steps spent so far (training data, roll-outs; not evaluation roll-outs)."""
    success: float
    """Success rate on the benchmark's held-out split."""
    low: float
    """Lower end of the 95% Wilson interval."""
    high: float
    """Upper end of the 95% Wilson interval."""
    episodes: int
    """Evaluation episodes behind ``success``."""
    simulator_steps: int | None = None
    """Every simulator step spent so far (executed, previewed, the prior's); None: the executed ones are all."""

    @property
    def steps(self) -> int:
        """Simulator steps spent so far: the x of every curve, table and ratio."""
        return self.env_steps if self.simulator_steps is None else self.simulator_steps


@dataclass
class Curve:
    """One method's run with one seed."""

    method: str
    seed: int
    points: list[CurvePoint]
    budget: int
    """Steps the method was allowed (its own unit: executed env steps for the loop and RL, demos' steps for BC)."""
    extra_counts: dict[str, int] = field(default_factory=dict)
    """What its simulator steps are made of, shown beside them (executed, preview and prior steps)."""
    final: dict[str, Any] = field(default_factory=dict)
    """The last evaluation's full summary: success, reward, completion time, behavioural diversity."""

    def steps_to(self, target: float) -> int | None:
        """Simulator steps of the first measurement at or above ``target``; None when never reached."""
        return next((p.steps for p in self.points if p.success >= target), None)

    def success_at(self, steps: int) -> float | None:
        """The last measured success at or before ``steps`` simulator steps; None before the first measurement
        and after the last one (the method did not run that long)."""
        if not self.points or steps > self.spent:
            return None
        measured = [p.success for p in self.points if p.steps <= steps]
        return measured[-1] if measured else None

    @property
    def spent(self) -> int:
        """Simulator steps of the last measurement: what the method used in the end."""
        return self.points[-1].steps if self.points else 0

    def best(self) -> float:
        return max((p.success for p in self.points), default=0.0)


def mean_curve(curves: list[Curve]) -> list[tuple[int, float, tuple[float, float] | None]]:
    """(simulator steps, mean success, its 95% t-interval over seeds) wherever a seed was measured, up to the
    shortest seed's spend (each seed holding its last value in between)."""
    if not curves:
        return []
    end = min(c.spent for c in curves)
    xs = sorted({p.steps for c in curves for p in c.points if p.steps <= end})
    rows = []
    for x in xs:
        values = [v for v in (c.success_at(x) for c in curves) if v is not None]
        if len(values) == len(curves):
            rows.append((x, mean(values), mean_interval(values)))
    return rows


def mean_std(values: list[float]) -> tuple[float, float] | None:
    """Mean and population standard deviation; None for no values."""
    return (mean(values), pstdev(values)) if values else None


def aggregate_at(curves: list[Curve], marks: list[int]) -> list[tuple[float, float] | None]:
    """Mean ± std over seeds at each mark, over the seeds measured by then (None when none is)."""
    rows = []
    for mark in marks:
        values = [v for v in (c.success_at(mark) for c in curves) if v is not None]
        rows.append(mean_std(values))
    return rows


def steps_to_target(curves: list[Curve], target: float) -> dict[str, Any]:
    """Simulator steps to ``target`` over seeds: mean, std and 95% t-interval of the seeds that reached it, and
    how many did.

    The seeds that never reached it give a lower bound: the most env steps any of them spent (None when
    every seed reached it, ``reached`` == ``seeds``).
    """
    reached = [s for s in (c.steps_to(target) for c in curves) if s is not None]
    short = [c.spent for c in curves if c.steps_to(target) is None]
    return {
        "seeds": len(curves),
        "reached": len(reached),
        "mean": mean(reached) if reached else None,
        "std": pstdev(reached) if reached else None,
        "interval": mean_interval(reached),
        "lower_bound": max(short) if short else None,
        "best_success": max((c.best() for c in curves), default=0.0),
    }


def steps_needed(curves: list[Curve], target: float) -> int:
    """Simulator steps a method needed: the slowest seed's steps to the target, or its whole spend when not reached."""
    return max(c.steps_to(target) or c.spent for c in curves)


def scaled_budget(factor: float, needed: int) -> int:
    """An RL method's budget: ``factor`` times the simulator steps Sim2Act needed, rounded up.

    >>> scaled_budget(10.0, 46_296), scaled_budget(1.0, 46_296)
    (462960, 46296)
    """
    return max(1, math.ceil(factor * needed))

