"""The package's rooms: imports go down the chain only, and no module imports itself back.

The chain, top to bottom: cli → render → gate → evaluation → data → register → attest → documents. A module
may import its own pillar and any pillar below it; documents imports no other pillar. Read
from the source with `ast`, so a lazy import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ..conftest import ROOT

PACKAGE = ROOT / "checks" / "ftgov"
# Lower is further down the chain; the package's own __init__ and __main__ sit outside it.
LEVELS = {"documents": 0, "attest": 1, "register": 2, "data": 3, "evaluation": 4, "gate": 5, "render": 6, "cli": 7}
DOCS = ROOT / "docs" / "architecture.md"


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    where = PACKAGE.parent / Path(*name.split("."))
    return where.with_suffix(".py").is_file() or (where / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    """The ftgov modules `path` imports (`from a.b import c` names a.b, and a.b.c when c is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "ftgov":
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names if _is_module(f"{node.module}.{alias.name}"))
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "ftgov")
    return found


GRAPH = {_module(path): _imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def _pillar(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LEVELS else None


def test_every_module_lives_in_a_pillar() -> None:
    outside = sorted(m for m in GRAPH if _pillar(m) is None and m not in ("ftgov", "ftgov.__main__"))
    assert outside == [], f"modules outside the pillars ({', '.join(LEVELS)}): {outside}"


@pytest.mark.parametrize("pillar", sorted(LEVELS, key=LEVELS.__getitem__))
def test_imports_go_down_the_chain_only(pillar: str) -> None:
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if _pillar(module) == pillar
        for target in targets
        if (above := _pillar(target)) is not None and LEVELS[above] > LEVELS[pillar]
    )
    assert upward == []


def test_no_import_circle() -> None:
    """Tarjan's strongly connected components over module imports: every component is one module."""
    graph = {m: {t for t in targets if t in GRAPH and t != m} for m, targets in GRAPH.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert circles == []


def test_the_check_itself_sees_an_upward_import(tmp_path: Path) -> None:
    """The parser above finds lazy imports too: a function-level import of the gate from documents would be caught."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from ftgov.gate import provenance\n    return provenance\n", encoding="utf-8")
    assert "ftgov.gate.provenance" in _imports(probe)


def test_the_architecture_page_names_every_pillar() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for pillar in LEVELS:
        assert f"`{pillar}/`" in text
    for package in sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        assert f"`{package}/`" in text, f"docs/architecture.md does not describe {package}/"
