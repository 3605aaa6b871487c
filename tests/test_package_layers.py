"""The package graph: no import cycle between sim2act's packages, and generic code never imports a domain."""

from __future__ import annotations

import ast
from pathlib import Path

import sim2act

ROOT = Path(sim2act.__file__).parent
DOMAINS = ROOT / "envs"


def _modules() -> dict[str, Path]:
    return {
        ".".join(("sim2act", *path.relative_to(ROOT).with_suffix("").parts)).removesuffix(".__init__"): path
        for path in ROOT.rglob("*.py")
    }


def _imports(path: Path) -> set[str]:
    """Every sim2act module named by an import anywhere in the file (function-level imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("sim2act")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim2act"):
            found.add(node.module)
    return found


def _package(module: str) -> str:
    """``sim2act.data.card`` → ``data``; a top-level module (``sim2act.features``) is its own package."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "sim2act"


def _package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in _modules().items():
        source = _package(module)
        targets = {_package(name) for name in _imports(path)} - {source, "sim2act"}
        graph.setdefault(source, set()).update(targets)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_between_packages():
    assert _cycle(_package_graph()) is None, " -> ".join(_cycle(_package_graph()))


def test_the_cycle_finder_finds_cycles():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_generic_code_never_imports_a_domain():
    domain_packages = {p.name for p in DOMAINS.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    offenders = []
    for module, path in _modules().items():
        if module.startswith("sim2act.envs."):
            continue  # the env registry and the domains themselves
        for name in _imports(path):
            parts = name.split(".")
            if len(parts) > 2 and parts[1] == "envs" and parts[2] in domain_packages:
                offenders.append(f"{module} imports {name}")
    assert not offenders, offenders
