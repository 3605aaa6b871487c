"""torch's deterministic kernels for a block: the same seed and machine give the same weights.

Why: with two intra-op threads, two ``sim2act train`` runs of the same config on the same data gave
different weights after 60 steps (one thread: identical), because some backward kernels (an indexed
accumulation among them) sum in thread order. With ``torch.use_deterministic_algorithms`` they take
their deterministic paths: identical weights, and 60 training steps took 8.6–8.8 s against 9.2–9.9 s
without (measured in one run on the 2 cores). Ops that have no deterministic kernel warn instead of
failing, and cuBLAS gets the workspace setting its deterministic mode requires.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def deterministic_torch() -> Iterator[None]:
    """Deterministic torch algorithms inside the block; the previous setting is restored after it."""
    before = torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled()
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before[0], warn_only=before[1])
