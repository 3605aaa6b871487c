"""``sim2act run``: the whole Sim2Act loop, then the report."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from sim2act.cli.console import make_console, make_table
from sim2act.cli.errors import user_errors_exit_cleanly
from sim2act.cli.executor_options import AddressOption, ExecutorOption, WorkersOption, open_executor
from sim2act.cli.progress import Bar
from sim2act.envs import get_domain, parse_env_options
from sim2act.envs.options import ENV_HELP
from sim2act.errors import Sim2ActError
from sim2act.loop import LoopFolder, load_loop_config, run_loop, write_report
from sim2act.loop.config import default_config_name
from sim2act.loop.progress import LoopProgress
from sim2act.loop.report import round_table, summarize_run

DEFAULT_OUT = Path("runs/sim2act")


class ConsoleProgress(LoopProgress):
    """Stage lines, rich bars for every generation, evaluation and training, a table after each round (unless
    ``round_tables`` is off: commands that run many loops, whose reports hold the tables)."""

    def __init__(self, console: Console, folder: LoopFolder | None, round_tables: bool = True) -> None:
        self.console = console
        self.folder = folder
        self.round_tables = round_tables

    def stage(self, line: str) -> None:
        self.console.print(f"[bold cyan]»[/] {line}", highlight=False)

    @contextmanager
    def bar(self, description: str):
        with Bar(description) as bar:
            yield bar

    def round_done(self, ledger, r: int) -> None:
        if not self.round_tables:
            return
        header, rows = round_table(summarize_run(ledger, self.folder), intervals=False)
        table = make_table(*header, title=f"after round {r} (report.md has the 95% intervals)", title_justify="left")
        for row in rows:
            table.add_row(*row)
        self.console.print(table)


@user_errors_exit_cleanly
def run_command(
    config: Annotated[Optional[str], typer.Option(help="A TOML/JSON loop config, or a shipped one (quick, long, tabletop-quick, ...).")] = None,
    domain: Annotated[Optional[str], typer.Option(help="Simulator domain; without --config its shipped DOMAIN-quick config.")] = None,
    level: Annotated[Optional[str], typer.Option(help="Level over the config's.")] = None,
    out: Annotated[Path, typer.Option(help="Run folder (resumed when it holds this config's run).")] = DEFAULT_OUT,
    env: Annotated[Optional[list[str]], typer.Option("--env", help=ENV_HELP + " Over the config's [env].")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed over the config's (tasks, π0's draws, training).")] = None,
    co_level: Annotated[Optional[list[str]], typer.Option(
        "--co-level", help="A level whose tasks share each round's episodes (repeatable; over the config's co_levels).")] = None,
    rounds: Annotated[Optional[int], typer.Option(
        help="Rounds at most, over the config's; raised on a finished run, it carries the run on until validation saturates.")] = None,
    executor: ExecutorOption = "local",
    address: AddressOption = None,
    workers: WorkersOption = None,
) -> None:
    """Run the Sim2Act loop (π0 proposes, the simulator labels, π_θ learns, repeat) and write a report.

    With no options: the shipped quick config (the grid's GoToLocal); ``--domain tabletop``: ``tabletop-quick``.
    Interrupted, the same command resumes. ``--executor ray`` rolls every round's shards out on Ray actors (the same data).
    """
    loop_config = load_loop_config(config or default_config_name(domain))
    if domain is not None and get_domain(domain).name != loop_config.domain:
        raise Sim2ActError(f"--domain {domain}: --config {config} is a {loop_config.domain!r} loop")
    overrides = {"env": {**loop_config.env, **parse_env_options(env or [])}} if env else {}
    if level is not None:
        overrides["level"] = level
    if seed is not None:
        overrides["seed"] = seed
    if co_level:
        overrides["co_levels"] = list(co_level)
    if rounds is not None:
        overrides["rounds"] = rounds
    if overrides:
        loop_config = replace(loop_config, **overrides).validated()
    folder = LoopFolder(out)
    console = make_console()
    started = time.perf_counter()
    with open_executor(executor, address, workers) as runner:
        ledger = run_loop(loop_config, out, progress=ConsoleProgress(console, folder), executor=runner)
    report = write_report(ledger, folder, seconds=time.perf_counter() - started)
    final = ", ".join(f"{split} {100 * h.success:.1f}% (n={h.episodes})" for split, h in ledger.final.items())
    typer.echo(
        f"best round {ledger.best_round} ({ledger.stopped}); {ledger.simulator_steps:,} simulator steps "
        f"({ledger.env_steps:,} executed); {final}"
    )
    typer.echo(f"report: {report / 'report.md'}, {report / 'report.html'}, {report / 'summary.json'}")
