"""The methods a benchmark compares, by name: ``sim2act``, ``ppo``, ``sac``, ``rlfp``, ``decision-stacks``, ``bc-expert``.

A method trains from scratch on one seed and returns its held-out success curve plus a way to act
with what it learned, so every benchmark measures every method with the same evaluation code.
New methods register themselves with ``register_method``.
"""

from sim2act.benchmarks.methods import bc_expert, decision_stacks, rl_from_scratch, rlfp, sim2act_loop  # noqa: F401  (registers them)
from sim2act.benchmarks.methods.registry import METHODS, Method, MethodRun, get_method, parse_methods, register_method

__all__ = ["METHODS", "Method", "MethodRun", "get_method", "parse_methods", "register_method"]
