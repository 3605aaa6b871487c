"""The CLI's rich consoles and tables: nothing is cut off, in a terminal or in a log file.

Rich lays out for 80 columns when stdout is not a terminal (``sim2act run > run.log``) and ends
cells that do not fit with "…", so a log could read "30,1…" for 30,150. ``make_console`` gives
such a console room for any table, and ``make_table`` folds a cell that does not fit instead of
cutting it (a terminal narrower than the table).
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Column, Table

FILE_WIDTH = 1000
"""Columns of a console that does not write to a terminal: wider than any table the CLI prints."""


def make_console(**kwargs) -> Console:
    """``Console(**kwargs)``, ``FILE_WIDTH`` wide when it writes to a file or pipe and no ``width`` is given."""
    console = Console(**kwargs)
    if console.is_terminal or kwargs.get("width") is not None:
        return console
    return Console(**{**kwargs, "width": FILE_WIDTH})


def make_table(*headers: str, **kwargs) -> Table:
    """``Table(*headers, **kwargs)`` whose cells fold onto more lines rather than end in "…"."""
    return Table(*(Column(header, overflow="fold") for header in headers), **kwargs)
