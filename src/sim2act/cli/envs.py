"""``sim2act envs``: the registered domains and their levels."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from sim2act.cli.console import make_console, make_table
from sim2act.cli.errors import user_errors_exit_cleanly
from sim2act.envs import domains, get_domain, gym_id


@user_errors_exit_cleanly
def envs_command(
    domain: Annotated[Optional[str], typer.Option(help="Show only this domain.")] = None,
) -> None:
    """List domains and their tested levels with their Gymnasium ids."""
    selected = [get_domain(domain)] if domain else domains()
    table = make_table("domain", "level", "gymnasium id", title="sim2act environments")
    for spec in selected:
        for level in spec.levels.named:
            table.add_row(spec.name, level, gym_id(spec.name, level))
    console = make_console()
    console.print(table)
    for spec in selected:
        console.print(f"[bold]{spec.name}[/]: {spec.summary}")
