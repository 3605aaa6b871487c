"""``sim2act envs``: the registered domains and their levels."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from sim2act.cli.errors import user_errors_exit_cleanly
from sim2act.envs import domains, get_domain, gym_id


@user_errors_exit_cleanly
def envs_command(
    domain: Annotated[Optional[str], typer.Option(help="Show only this domain.")] = None,
) -> None:
    """List domains and their tested levels with their Gymnasium ids."""
    selected = [get_domain(domain)] if domain else domains()
    table = Table("domain", "level", "gymnasium id", title="sim2act environments")
    for spec in selected:
        for level in spec.named_levels:
            table.add_row(spec.name, level, gym_id(spec.name, level))
    Console().print(table)
    for spec in selected:
        Console().print(f"[bold]{spec.name}[/]: {spec.summary}")
