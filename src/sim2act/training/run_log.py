"""Training metrics: running means, TensorBoard scalars (``losses/…``, ``charts/…``) and log lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from sim2act.progress import Progress


class RunLog:
    """Averages metrics between flushes; each flush writes TensorBoard scalars and one log line."""

    def __init__(
        self, tensorboard_dir: Path | None, progress: Progress,
        reduce: Callable[[dict[str, float]], dict[str, float]] = lambda metrics: metrics,
    ) -> None:
        """``tensorboard_dir`` None writes no scalars (a rank other than 0); ``reduce`` averages metrics over ranks."""
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(str(tensorboard_dir)) if tensorboard_dir is not None else None
        self.progress, self.reduce = progress, reduce
        self.sums: dict[str, torch.Tensor] = {}
        self.count = 0
        self.last: dict[str, float] = {}

    def add(self, **metrics: torch.Tensor) -> None:
        for name, value in metrics.items():
            value = value.detach().float()
            self.sums[name] = self.sums[name] + value if name in self.sums else value
        self.count += 1

    def flush(self, step: int, total: int, samples: int, lr: float, samples_per_s: float) -> None:
        m = self.reduce({name: float(total_ / self.count) for name, total_ in self.sums.items()})
        self.sums, self.count, self.last = {}, 0, m
        if self.writer is None:
            return
        for name, tag in (("bc", "losses/bc"), ("con", "losses/con"), ("aux", "losses/auxiliary"), ("loss", "losses/total"),
                          ("accuracy", "charts/accuracy"), ("grad_norm", "charts/grad_norm"), ("view", "losses/view"),
                          ("view_accuracy", "charts/view_accuracy"), ("map", "losses/map"),
                          ("map_accuracy", "charts/map_accuracy")):
            if name in m:
                self.writer.add_scalar(tag, m[name], step)
        self.writer.add_scalar("charts/learning_rate", lr, step)
        self.writer.add_scalar("charts/samples_per_s", samples_per_s, step)
        aux = f", aux {m['aux']:.3f}" if m.get("aux") else ""
        aux += f", view {m['view']:.3f} ({m['view_accuracy']:.0%})" if "view" in m else ""
        aux += f", map {m['map']:.3f} ({m['map_accuracy']:.0%})" if "map" in m else ""
        self.progress.log(
            f"step {step}/{total} · samples {samples:,} · loss {m['loss']:.3f} (bc {m['bc']:.3f}, con {m['con']:.3f}{aux}) · "
            f"acc {m['accuracy']:.1%} · grad {m['grad_norm']:.2f} · lr {lr:.1e} · {samples_per_s:,.0f} samples/s"
        )

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
