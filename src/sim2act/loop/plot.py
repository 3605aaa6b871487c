"""The loop's curve: held-out success (95% interval) against the simulator steps spent so far."""

from __future__ import annotations

from pathlib import Path

from sim2act.evaluation.metrics import error_bar_lengths

TARGET = 0.8


def plot_success_curve(rows: list[dict], out: Path, title: str) -> Path:
    """Write a PNG of each held-out split's success per round against cumulative simulator steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    steps = [row["cumulative_simulator_steps"] for row in rows]
    splits = sorted({split for row in rows for split in row["held_out"]})
    for split in splits:
        points = [(s, row["held_out"][split]) for s, row in zip(steps, rows) if split in row["held_out"]]
        x = [s for s, _ in points]
        y = [h["success"] for _, h in points]
        err = error_bar_lengths(y, [(h["low"], h["high"]) for _, h in points])
        ax.errorbar(x, y, yerr=err, marker="o", capsize=3, label=split.replace("_", " "))
    ax.axhline(TARGET, color="grey", linestyle="--", linewidth=1, label=f"{TARGET:.0%}")
    ax.set_xlabel("simulator steps (cumulative: executed + previewed + the prior's)")
    ax.set_ylabel("success rate")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
