"""The house rules that keep bot/ easy to change, checked on the source itself: no module
over 400 lines (migrations aside), no import cycle (an import inside a function counts, so a
lazy import cannot hide one), and no SQL outside bot/storage (elsewhere only the session
and engine types and storage's own functions)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
MAX_LINES = 400
# What code outside bot/storage may import from SQLAlchemy: the types it is handed.
ALLOWED_SQLALCHEMY = frozenset({"sqlalchemy.ext.asyncio"})
# Session methods that run a statement someone built.
STATEMENT_CALLS = frozenset({"execute", "scalar", "scalars", "stream", "stream_scalars"})


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(BOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(BOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except those under ``if TYPE_CHECKING``."""
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(inner) for inner in ast.walk(node))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in typing_only:
            yield node


def _owner(name: str) -> str | None:
    """The module of ours that ``name`` (a module, or a name inside one) is in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _depends_on(name: str) -> set[str]:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in _imports(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif node.module is None or node.level:
            continue
        else:
            submodules = [f"{node.module}.{alias.name}" for alias in node.names]
            # ``from package import submodule`` needs the submodule, not the package's names.
            targets = [t for t in submodules if t in MODULES]
            if len(targets) < len(submodules):
                targets.append(node.module)
        for target in targets:
            owner = _owner(target) if target.startswith("bot") else None
            if owner is not None and owner != name:
                found.add(owner)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for child in edges:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_no_module_is_over_400_lines() -> None:
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these along their jobs: {long}"


def test_no_import_cycle_even_through_a_function_level_import() -> None:
    graph = {name: _depends_on(name) for name in MODULES}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_one() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize(
    "name", sorted(n for n in MODULES if not n.startswith("bot.storage")), ids=str
)
def test_no_sql_outside_storage(name: str) -> None:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    imported = {
        node.module
        for node in _imports(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy")
    } | {
        alias.name
        for node in _imports(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name.startswith("sqlalchemy")
    }
    assert imported <= ALLOWED_SQLALCHEMY, f"{name} builds or runs SQL: {imported}"
    statements = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in STATEMENT_CALLS
        and "session" in ast.unparse(node.func.value).lower()
    ]
    assert not statements, f"{name} runs statements itself: {statements}"
