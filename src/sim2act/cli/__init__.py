"""The ``sim2act`` command line: one app, one subcommand per pipeline stage."""

from __future__ import annotations

import typer

from sim2act.cli.bench import bench_app
from sim2act.cli.envs import envs_command
from sim2act.cli.evaluate import eval_command
from sim2act.cli.export import export_command
from sim2act.cli.generate import generate_command
from sim2act.cli.inspect import inspect_command
from sim2act.cli.pretrain_prior import pretrain_prior_command
from sim2act.cli.release import release_command
from sim2act.cli.run import run_command
from sim2act.cli.serve import serve_command
from sim2act.cli.train import train_command

app = typer.Typer(
    name="sim2act",
    help="Simulators as a self-supervised source of (observation, instruction, action) data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("run")(run_command)
app.command("generate")(generate_command)
app.command("inspect")(inspect_command)
app.command("export")(export_command)
app.command("release")(release_command)
app.command("pretrain-prior")(pretrain_prior_command)
app.command("train")(train_command)
app.command("eval")(eval_command)
app.command("envs")(envs_command)
app.command("serve")(serve_command)
app.add_typer(bench_app, name="bench")


def main() -> None:
    app()
