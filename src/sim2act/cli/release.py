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


class ReleaseProgress(ConsoleProgress):
    """The loop's console progress (stage lines, a bar per job: loop rounds, levels, exports), quiet between rounds:
    each loop's report has its round table."""

    def round_done(self, ledger, r: int) -> None:
        """Quiet between rounds."""


@user_errors_exit_cleanly
def release_command(
    out: Annotated[Path, typer.Option(help="Release folder (resumed when it holds this config's release).")] = Path("release"),
    config: Annotated[str, typer.Option(help="A TOML release config, or a shipped one (release, release-small).")] = "release",
) -> None:
    """Build the released corpus: per domain a Sim2Act loop trains the proposers (no expert), then every level is
    rolled out with them, labelled by the simulator, exported (LeRobot v3.0, Minari) and given a card.

    Interrupted (even killed), the same command continues where it stopped.
    """
    release = load_release_config(config)
    state = build_release(release, out, progress=ReleaseProgress(make_console(), None))
    triplets = sum(level["counts"]["steps"] for level in state["levels"].values())
    typer.echo(f"released {triplets:,} triplets in {len(state['levels'])} levels -> {out / 'README.md'}, "
               f"{out / STATE_FILE}")
