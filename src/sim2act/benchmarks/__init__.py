"""The benchmark suite: Sim2Act against RL from scratch and expert BC, one command per benchmark.

``sim2act bench sample-efficiency | generalization | long-horizon | ablations [--quick]``; results go
to ``results/<bench>/`` (``results.json``, ``results.md``, plots), method runs to ``results/runs/``.
"""

from sim2act.benchmarks.registry import BENCHMARKS, Benchmark

__all__ = ["BENCHMARKS", "Benchmark"]
