"""``sim2act inspect``: counts, instruction statistics, success rate and a contact sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from sim2act.cli.console import make_console, make_table
from sim2act.cli.errors import user_errors_exit_cleanly
from sim2act.data.contact_sheet import contact_sheet
from sim2act.data.statistics import dataset_statistics


@user_errors_exit_cleanly
def inspect_command(
    dataset: Annotated[Path, typer.Argument(help="Dataset folder.")],
    sheet: Annotated[
        Optional[Path], typer.Option(help="Contact-sheet PNG path (default DATASET/meta/contact_sheet.png).")
    ] = None,
    samples: Annotated[int, typer.Option(help="Frames on the contact sheet.")] = 16,
) -> None:
    """Summarise a dataset and draw sample frames captioned with their instructions."""
    stats = dataset_statistics(dataset)
    console = make_console()
    overview = make_table("", "", title=f"{dataset}", show_header=False)
    overview.add_row("split", stats.split)
    overview.add_row("levels", ", ".join(stats.levels))
    overview.add_row("episodes", f"{stats.episodes:,}")
    overview.add_row("steps", f"{stats.steps:,}")
    if (stats.rollouts, stats.executed_steps) != (stats.episodes, stats.steps):
        overview.add_row("rollouts (kept or not)", f"{stats.rollouts:,}")
        overview.add_row("executed steps (kept or not)", f"{stats.executed_steps:,}")
    overview.add_row("success rate", f"{stats.success_rate:.1%}")
    overview.add_row("mean episode length", f"{stats.mean_length:.1f}")
    overview.add_row("distinct instructions", f"{stats.distinct_instructions:,}")
    overview.add_row("mean instruction words", f"{stats.mean_instruction_words:.1f}")
    overview.add_row("achievements / episode", f"{stats.achieved_per_episode:.2f}")
    overview.add_row("proposers", ", ".join(f"{name} ({n})" for name, n in stats.proposers))
    console.print(overview)
    console.print(_counts_table("label", stats.labels, stats.episodes, "labels"))
    console.print(_counts_table("instruction", stats.top_instructions, stats.episodes, "top instructions"))
    console.print(_counts_table("starts with", stats.verbs, stats.episodes, "instruction types"))
    if stats.action_counts:
        console.print(_counts_table("action", stats.action_counts, stats.steps, "actions"))
    if not stats.steps:  # a labeler may have kept nothing
        console.print("contact sheet: none, the dataset keeps no steps")
        return
    path = contact_sheet(dataset, sheet or dataset / "meta" / "contact_sheet.png", samples=samples)
    console.print(f"contact sheet: {path}")


def _counts_table(label: str, rows: list[tuple[str, int]], total: int, title: str) -> Table:
    table = make_table(label, "count", "share", title=title)
    for name, count in rows:
        table.add_row(name, f"{count:,}", f"{count / total:.1%}" if total else "-")
    return table
