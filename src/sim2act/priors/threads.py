"""Run the prior's small forward passes on a set number of torch threads, then restore the old count.

The prior's batches are small (a step's previews: tens of 56×56 frames through a 64-wide ViT). On
the 2-core development machine, shared with other jobs, one intra-op thread scored such a batch in
35 ms and two threads in 130-160 ms (OpenMP workers spinning against the other load), and a
pretraining step took 0.4 s on one thread against 0.6-1.1 s on two.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Use ``threads`` intra-op threads inside the block (None: leave torch's setting alone)."""
    if threads is None or threads == torch.get_num_threads():
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)
