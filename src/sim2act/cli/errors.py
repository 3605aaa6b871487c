"""Turn user errors into one ``error: ...`` line and a non-zero exit, never a traceback."""

from __future__ import annotations

import functools
import sys
from typing import Callable

import typer

from sim2act.errors import Sim2ActError

USER_ERROR_EXIT = 2
INTERRUPTED_EXIT = 130


def user_errors_exit_cleanly(command: Callable) -> Callable:
    """Decorate a CLI command so a ``Sim2ActError`` or Ctrl-C ends it with one line on stderr."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except Sim2ActError as error:
            print(f"error: {error}", file=sys.stderr)
            raise typer.Exit(USER_ERROR_EXIT) from None
        except OSError as error:  # unwritable --out, full disk, ...
            print(f"error: {error}", file=sys.stderr)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            print("interrupted: committed shards are kept; re-run the same command to resume", file=sys.stderr)
            raise typer.Exit(INTERRUPTED_EXIT) from None

    return wrapper
