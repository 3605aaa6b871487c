"""Data-parallel training under ``torchrun``: one process per rank, gloo on CPU, nccl on GPU.

``torchrun --nproc-per-node N -m sim2act train ...`` sets ``RANK``/``WORLD_SIZE``/``LOCAL_RANK``; ``Ranks.from_env``
reads them (a plain run is rank 0 of 1 and needs no process group). Rank r takes rows ``r::N`` of each global
batch, DistributedDataParallel averages the gradients, and ``gather_rows`` lets the InfoNCE term see the whole
global batch: every rank computes the same loss over the gathered rows, and the gather's backward sums the
gradients each rank's copy sends to a row, so after DDP's average every parameter gets the gradient a single
process would compute on the whole batch. Only rank 0 writes checkpoints and logs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from sim2act.errors import Sim2ActError


@dataclass(frozen=True)
class Ranks:
    """This process's place among the training processes."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @classmethod
    def from_env(cls) -> Ranks:
        """The ranks ``torchrun`` sets in the environment (rank 0 of 1 without it)."""
        try:
            ranks = cls(int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1")),
                        int(os.environ.get("LOCAL_RANK", "0")))
        except ValueError:
            raise Sim2ActError("RANK, WORLD_SIZE and LOCAL_RANK must be integers (set by torchrun)") from None
        if ranks.world < 1 or not 0 <= ranks.rank < ranks.world:
            raise Sim2ActError(f"rank {ranks.rank} of world size {ranks.world}: not a valid torchrun environment")
        return ranks

    @property
    def distributed(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        """Whether this process writes checkpoints, logs and the progress display."""
        return self.rank == 0

    def device(self, device: torch.device) -> torch.device:
        """Each rank on its own GPU (``LOCAL_RANK``); CPU ranks share the CPU."""
        if self.distributed and device.type == "cuda":
            return torch.device("cuda", self.local_rank)
        return device

    def start(self, device: torch.device) -> None:
        """Join the process group (nccl for GPUs, gloo for the CPU); nothing to do for one process."""
        if self.distributed and not dist.is_initialized():
            if device.type == "cuda":
                torch.cuda.set_device(device)
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")

    def stop(self) -> None:
        if self.distributed and dist.is_initialized():
            dist.destroy_process_group()

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    def rows(self, indices: torch.Tensor) -> torch.Tensor:
        """This rank's rows of a global batch."""
        return indices[self.rank :: self.world]

    def check_batch(self, batch_size: int) -> None:
        if batch_size % self.world:
            raise Sim2ActError(
                f"--batch-size {batch_size} does not split evenly over {self.world} processes: pick a multiple of {self.world}"
            )

    def mean(self, values: dict[str, float]) -> dict[str, float]:
        """Each metric averaged over the ranks (for logs: every rank saw other rows)."""
        if not self.distributed or not values:
            return values
        names = sorted(values)
        tensor = torch.tensor([values[n] for n in names], dtype=torch.float64)
        if dist.get_backend() == "nccl":
            tensor = tensor.cuda()
        dist.all_reduce(tensor)
        return {n: float(v) / self.world for n, v in zip(names, tensor.tolist())}


class _GatherRows(torch.autograd.Function):
    """All ranks' rows concatenated in rank order; backward sums the gradients of the rows over the ranks."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> torch.Tensor:
        parts = [torch.empty_like(tensor) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, tensor.contiguous())
        ctx.rows = tensor.shape[0]
        return torch.cat(parts)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.contiguous().clone()
        dist.all_reduce(grad)
        rank = dist.get_rank()
        return grad[rank * ctx.rows : (rank + 1) * ctx.rows]


def gather_rows(tensor: torch.Tensor) -> torch.Tensor:
    """The global batch's rows of ``tensor`` (differentiable); the tensor itself in a single process."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return tensor
    return _GatherRows.apply(tensor)
