"""The doctests in sim2act's modules pass (pytest's ``--doctest-modules`` only collects ``tests/``)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import sim2act

MODULES = sorted(
    # a package that fails to import is still listed (its own test fails on the import), its modules are not
    {info.name for info in pkgutil.walk_packages(sim2act.__path__, "sim2act.", onerror=lambda name: None)}
    - {"sim2act.__main__"}  # importing it would start the CLI
)
"""Every module of the package (``walk_packages`` imports the packages, not the modules, to list them)."""

EXAMPLES_AT_LEAST = 5
"""sim2act has doctests in envs/grid/language.py, models/tokenizer.py, training/batches.py, ..."""


def _run(name: str) -> doctest.TestResults:
    module = importlib.import_module(name)
    return doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, report=False)


@pytest.mark.parametrize("name", MODULES)
def test_the_doctests_of_a_module_pass(name: str):
    failed, _ = _run(name)
    assert failed == 0, f"{failed} doctest example(s) of {name} failed; run python -m doctest -v on it"


def test_the_package_has_doctests_and_they_are_found():
    assert "sim2act.envs.grid.language" in MODULES and "sim2act.models.tokenizer" in MODULES
    attempted = sum(_run(name).attempted for name in MODULES)
    assert attempted >= EXAMPLES_AT_LEAST, f"only {attempted} doctest examples found in sim2act"
