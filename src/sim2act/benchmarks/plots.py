"""PNG plots of benchmark curves (matplotlib, headless)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim2act.benchmarks.curves import Curve, mean_curve  # noqa: E402
from sim2act.evaluation.metrics import error_bar_lengths  # noqa: E402


def plot_success_curves(curves: dict[str, list[Curve]], target: float, path: Path, title: str) -> Path:
    """Held-out success against simulator steps (log scale): one colour per method; with several seeds, their
    mean (bold) and its 95% t-interval (band), every seed's own curve drawn faintly."""
    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=120)
    for colour, (method, runs) in zip(plt.cm.tab10.colors, curves.items()):
        several = len(runs) > 1
        for k, curve in enumerate(runs):
            xs = [p.steps for p in curve.points]
            ys = [100 * p.success for p in curve.points]
            axes.plot(xs, ys, marker="o", markersize=2 if several else 3, color=colour, alpha=0.3 if several else 0.9,
                      linewidth=0.8 if several else 1.5, label=None if several else method)
        if several:
            rows = mean_curve(runs)
            xs = [x for x, _, _ in rows]
            axes.step(xs, [100 * m for _, m, _ in rows], where="post", color=colour, linewidth=2,
                      label=f"{method} (mean of {len(runs)} seeds)")
            axes.fill_between(xs, [100 * max(0.0, i[0]) for _, _, i in rows], [100 * min(1.0, i[1]) for _, _, i in rows],
                              step="post", color=colour, alpha=0.15, linewidth=0)
    axes.axhline(100 * target, color="grey", linestyle="--", linewidth=1)
    axes.text(0.01, 100 * target + 1, f"{100 * target:.0f}%", color="grey", fontsize=8, transform=axes.get_yaxis_transform())
    axes.set_xscale("log")
    axes.set_ylim(0, 100)
    axes.set_xlabel("simulator steps (executed + previewed + the prior's; log scale)")
    axes.set_ylabel("held-out success %")
    axes.set_title(title, fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path


def plot_bars(groups: dict[str, dict[str, float]], path: Path, title: str, ylabel: str = "success %",
              intervals: dict[str, dict[str, tuple[float, float]]] | None = None) -> Path:
    """Grouped bars: ``groups[group][series] = value`` in [0, 1], with ``intervals[group][series] = (low, high)``
    drawn as error bars where given."""
    series = list(dict.fromkeys(s for values in groups.values() for s in values))
    width = 0.8 / max(len(series), 1)
    figure, axes = plt.subplots(figsize=(max(6, 1.3 * len(groups) + 2), 4), dpi=120)
    for k, (name, colour) in enumerate(zip(series, plt.cm.tab10.colors)):
        xs = [i + (k - (len(series) - 1) / 2) * width for i in range(len(groups))]
        rates = [values.get(name, float("nan")) for values in groups.values()]
        ys = [100 * rate for rate in rates]
        axes.bar(xs, ys, width, label=name, color=colour)
        if intervals:
            bounds = [intervals.get(group, {}).get(name) or (rate, rate) for group, rate in zip(groups, rates)]
            err = [[100 * e for e in side] for side in error_bar_lengths(rates, bounds)]
            axes.errorbar(xs, ys, yerr=err, fmt="none", ecolor="black", elinewidth=1, capsize=2)
    axes.set_xticks(range(len(groups)), list(groups), rotation=15, fontsize=8)
    axes.set_ylim(0, 100)
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=10)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
