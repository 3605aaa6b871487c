"""The CLI's consoles never cut a table: wide in a file, folded in a narrow terminal."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from sim2act.cli.console import make_console, make_table

HEADER = ["round", "proposer", "rollouts", "kept (relabeled)", "env steps", "cumulative env steps",
          "preview steps", "val success %", "unseen composition %", "unseen layout %"]
ROW = ["12", "policy+prior-preview", "1,234,567", "1,000,000 (30,150)", "30,150", "123,456,789",
       "987,654,321", "93.5", "88.1", "77.7"]


def _render(console, table) -> str:
    console.print(table)
    return console.file.getvalue()


def test_a_console_writing_to_a_file_prints_a_long_table_whole(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    plain = Table(*HEADER)
    plain.add_row(*ROW)
    assert "…" in _render(Console(file=io.StringIO()), plain)  # rich alone cuts it at 80 columns
    for table in (Table(*HEADER), make_table(*HEADER)):  # even rich's own cutting columns have room
        table.add_row(*ROW)
        out = _render(make_console(file=io.StringIO()), table)
        assert "…" not in out
        for cell in ROW:
            assert cell in out
        assert len(out.splitlines()) <= 6  # one line per header and row, plus borders


def test_a_narrow_terminal_folds_numbers_instead_of_cutting_them():
    table = make_table(*HEADER)
    table.add_row(*ROW)
    console = make_console(file=io.StringIO(), force_terminal=True, width=60, color_system=None)
    assert console.width == 60
    out = _render(console, table)
    assert "…" not in out
    assert sum(ch.isdigit() for ch in out) == sum(ch.isdigit() for ch in "".join(ROW))  # every digit is shown


def test_an_explicit_width_is_kept():
    assert make_console(file=io.StringIO(), width=50).width == 50
