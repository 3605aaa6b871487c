"""Every benchmark by name: its config class and its run function."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim2act.benchmarks.ablations import AblationsConfig, run_ablations
from sim2act.benchmarks.generalization import GeneralizationConfig, run_generalization
from sim2act.benchmarks.long_horizon import LongHorizonConfig, run_long_horizon
from sim2act.benchmarks.sample_efficiency import SampleEfficiencyConfig, run_sample_efficiency
from sim2act.benchmarks.transfer import TransferConfig, run_transfer


@dataclass(frozen=True)
class Benchmark:
    name: str
    config: type
    """Its config dataclass (with a ``quick()`` constructor for ``--quick``)."""
    run: Callable[..., dict[str, Any]]
    """``run(config, out, progress)``: runs it, writes ``out/<name>/``, returns the results."""
    full_runtime: str
    """Expected wall-clock time of the full benchmark on a 2-core CPU, as measured or estimated in the README."""


BENCHMARKS: dict[str, Benchmark] = {
    b.name: b
    for b in (
        Benchmark("sample-efficiency", SampleEfficiencyConfig, run_sample_efficiency, "about 1.5 h per seed"),
        Benchmark("generalization", GeneralizationConfig, run_generalization, "about 15 min once sample-efficiency ran"),
        Benchmark("long-horizon", LongHorizonConfig, run_long_horizon, "about 45 min"),
        Benchmark("ablations", AblationsConfig, run_ablations, "about 1 h once sample-efficiency ran"),
        Benchmark("transfer", TransferConfig, run_transfer, "about 1 h per level with and without randomisation"),
    )
}
