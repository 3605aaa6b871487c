"""``RewardBudget``: how much the methods that learn from reward (RLFP, PPO) may spend in benches other than
sample-efficiency, by sample-efficiency's rule, so that the benches measure the very same runs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from sim2act.benchmarks.curves import scaled_budget, steps_needed
from sim2act.benchmarks.methods import Method, get_method
from sim2act.benchmarks.results import percent
from sim2act.benchmarks.setting import MethodSetting
from sim2act.errors import Sim2ActError
from sim2act.loop.progress import LoopProgress


@dataclass(frozen=True)
class RewardBudget:
    """Budget of the methods that learn from reward, relative to Sim2Act's simulator steps."""

    rl_factor: float | None = None
    """This many times the simulator steps Sim2Act needed (to ``target``, over the bench's seeds), stopped at
    ``target``, as sample-efficiency gives them (None: a fixed ``setting.rl_steps``)."""
    method_factors: dict[str, float] = field(default_factory=dict)
    """``rl_factor`` of particular methods where it differs."""
    target: float = 0.8
    """Held-out success at which, with ``rl_factor``, those methods stop."""

    def settings(self, setting: MethodSetting, methods: list[Method], seeds: int, work: Path,
                 progress: LoopProgress) -> dict[str, MethodSetting]:
        """Each method's setting; with ``rl_factor`` the reward learners' budget is scaled to Sim2Act's (run first)."""
        unknown = sorted(set(self.method_factors) - {method.name for method in methods})
        if unknown:
            names = ",".join(method.name for method in methods)
            raise Sim2ActError(f"--method-factors names {', '.join(unknown)}, not among the bench's methods ({names})")
        settings = {method.name: setting for method in methods}
        learners = [method for method in methods if method.learns_from_reward]
        if self.rl_factor is None or not learners:
            return settings
        if self.rl_factor <= 0 or min(self.method_factors.values(), default=1) <= 0 or not 0 < self.target <= 1:
            raise Sim2ActError("need RL factors > 0 and a target in (0, 1]")
        sim2act = get_method("sim2act")
        needed = steps_needed([sim2act.run(setting, seed, work, progress).curve for seed in range(seeds)], self.target)
        for method in learners:
            budget = scaled_budget(self.method_factors.get(method.name, self.rl_factor), needed)
            settings[method.name] = replace(setting, rl_steps=budget, rl_stop_at=self.target)
        return settings


def describe_budgets(budget: dict, spent: dict[str, int]) -> str:
    """One markdown sentence: the rule (a saved ``RewardBudget``) and each reward learner's budget."""
    rule = (f"{budget['rl_factor']:g}× the simulator steps Sim2Act needed (sample-efficiency's rule), stopped at "
            f"{percent(budget['target'])}% held-out success" if budget.get("rl_factor") else "the setting's rl_steps")
    budgets = ", ".join(f"{name} {steps:,}" for name, steps in spent.items())
    return f"Methods that learn from reward trained on at most {rule}: {budgets} simulator steps."
