"""``sim2act export``: a dataset in another format robot-learning users load (LeRobotDataset v3.0)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim2act.cli.errors import user_errors_exit_cleanly
from sim2act.cli.progress import Bar
from sim2act.data.export import EXPORTERS, export_dataset


@user_errors_exit_cleanly
def export_command(
    dataset: Annotated[Path, typer.Argument(help="A sim2act dataset folder.")],
    out: Annotated[Path, typer.Option(help="Folder of the exported dataset.")],
    format: Annotated[str, typer.Option("--format", help=f"Target format: {' | '.join(sorted(EXPORTERS))}.")] = "lerobot",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a non-empty OUT.")] = False,
) -> None:
    """Write DATASET in another format to OUT (written under a temporary name, renamed when complete)."""
    with Bar(f"export {dataset.name} as {format}") as bar:
        info = export_dataset(dataset, out, format, overwrite=overwrite, progress=bar)
    typer.echo(f"exported {info['total_episodes']:,} episodes, {info['total_frames']:,} frames, "
               f"{info['total_tasks']:,} tasks as {format} ({info['codebase_version']}) -> {out}")
    if "dataset_id" in info:
        typer.echo(f"load it with MINARI_DATASETS_PATH={out} and minari.load_dataset({info['dataset_id']!r})")
