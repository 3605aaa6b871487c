"""``sim2act release``: build (or resume) the released corpus of every domain and level."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim2act.cli.console import make_console
from sim2act.cli.errors import user_errors_exit_cleanly
from sim2act.cli.run import ConsoleProgress
from sim2act.release import build_release, load_release_config
from sim2act.release.folder import STATE_FILE


@user_errors_exit_cleanly
def release_command(
    out: Annotated[Path, typer.Option(help="Release folder (resumed when it holds this config's release).")] = Path("release"),
    config: Annotated[str, typer.Option(help="A TOML release config, or a shipped one (release, release-grid-small).")] = "release",
) -> None:
    """Build the released corpus: per domain a Sim2Act loop trains the proposers (no expert), then every level is
    rolled out with them, labelled by the simulator, exported (LeRobot v3.0, Minari) and given a card.

    Interrupted (even killed), the same command continues where it stopped.
    """
    release = load_release_config(config)
    state = build_release(release, out, progress=ConsoleProgress(make_console(), None, round_tables=False))
    triplets = sum(level["counts"]["steps"] for level in state["levels"].values())
    typer.echo(f"released {triplets:,} triplets in {len(state['levels'])} levels -> {out / 'README.md'}, "
               f"{out / STATE_FILE}")
