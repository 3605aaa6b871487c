"""Running the command line in this process: the many one-line-error checks need no interpreter start-up each."""

from __future__ import annotations

import subprocess

import pytest


@pytest.fixture(scope="session")
def sim2act_in_process():
    """``sim2act_in_process(*args)`` runs ``sim2act ARGS`` in this process; the result reads like ``subprocess.run``'s
    (``returncode``, ``stdout``, ``stderr``). An exception other than the command's own exit fails the test."""
    from typer.testing import CliRunner

    from sim2act.cli import app

    def run(*args: str) -> subprocess.CompletedProcess:
        result = CliRunner().invoke(app, [str(a) for a in args])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)

    return run
