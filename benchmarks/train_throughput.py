"""Training throughput of the default grid policy, the machine's matmul rate, and the model-FLOPs utilisation.

    python benchmarks/train_throughput.py [--batch-size 256] [--steps 60] [--episodes 300]

Generates a small GoToLocal dataset (uniform proposer) in a temporary folder, then times the real
``sim2act train`` loop (data gathering, forward, BC + InfoNCE, backward, AdamW) after a warm-up.
Model FLOPs per step are counted with ``torch.utils.flop_counter`` on one training step; MFU is the
achieved model FLOP/s over a large fp32 matmul's FLOP/s on the same cores.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from sim2act.models import PolicyConfig
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.training import TrainConfig, train
from sim2act.training.batches import TrainingSteps
from sim2act.training.trainer import BatchOrder, initial_policy, step_losses


def matmul_gflops(size: int = 2048, repeats: int = 10) -> float:
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * size**3 * repeats / (time.perf_counter() - started) / 1e9


def flops_per_step(config: TrainConfig) -> float:
    """FLOPs of one training step (forward and backward) of the policy on a real batch."""
    policy = initial_policy(config)
    data = TrainingSteps(config.data, policy)
    batch = data.batch(BatchOrder(len(data), config.batch_size, 0).indices(0))
    with FlopCounterMode(display=False) as counter:
        step_losses(policy, batch, config).total.backward()
    return float(counter.get_total_flops())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=60, help="timed optimizer steps (after 10 warm-up steps)")
    parser.add_argument("--episodes", type=int, default=300, help="episodes in the generated dataset")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        generate(GenerateConfig(episodes=args.episodes, proposer="uniform", seed=0), data)
        base = TrainConfig(data=str(data), policy=PolicyConfig(), batch_size=args.batch_size, log_every=10**9)
        warm = train(TrainConfig(**{**vars(base), "steps": 10}), Path(tmp) / "warm")
        timed = train(TrainConfig(**{**vars(base), "steps": 10 + args.steps}), Path(tmp) / "warm", resume=True)
        step_flops = flops_per_step(base)
    samples_per_s = timed.samples_per_second
    gflops = matmul_gflops()
    achieved = step_flops * samples_per_s / args.batch_size / 1e9
    print(f"default grid policy, batch {args.batch_size}, {torch.get_num_threads()} threads")
    print(f"training throughput : {samples_per_s:,.0f} samples/s ({timed.steps - warm.steps} steps timed)")
    print(f"model FLOPs / sample: {step_flops / args.batch_size / 1e6:.1f} MFLOP (forward + backward)")
    print(f"fp32 matmul         : {gflops:,.0f} GFLOP/s")
    print(f"model FLOPs util.   : {achieved / gflops:.1%} ({achieved:,.1f} GFLOP/s achieved)")


if __name__ == "__main__":
    main()
