"""The layout the README's Architecture section describes: stages import only earlier
stages (no import cycles), modules stay under 400 lines and functions under 60."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "custseg"


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = ast.parse(path.read_text(encoding="utf-8"))
    return out


def _top_level_imports(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    """custseg modules imported when ``name`` is imported (not those imported inside
    functions or under TYPE_CHECKING)."""
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            base = node.module
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m in known and m != name}


def test_no_import_cycles():
    modules = _modules()
    graph = {n: _top_level_imports(n, t, set(modules)) for n, t in modules.items()}
    # a package imports its parents' __init__ implicitly; only explicit edges are checked
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt) :] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []
    # the stages' order: orders never imports measures, engines or the cli; measures never
    # the engines; nothing in the core imports the cli
    for name, deps in graph.items():
        if name.startswith(("custseg.orders", "custseg.io")):
            assert not {d for d in deps if d.startswith(("custseg.measures", "custseg.engines",
                                                         "custseg.segments"))}, name  # fmt: skip
        if not name.startswith("custseg.cli"):
            assert not {d for d in deps if d.startswith("custseg.cli")}, name


def test_module_and_function_sizes():
    too_long = []
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > 400:
            too_long.append(f"{path.name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > 60:
                    too_long.append(f"{path.name}:{node.name}: {length} lines")
    assert too_long == []


def test_the_check_sees_imports():
    """The import graph is not empty (the checks above would pass on nothing)."""
    modules = _modules()
    graph = {n: _top_level_imports(n, t, set(modules)) for n, t in modules.items()}
    assert "custseg.orders.load" in graph["custseg.engines.steps"]
    assert "custseg.measures.plan" in graph["custseg.engines.steps"]
    assert len(modules) > 40
