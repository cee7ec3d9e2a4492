"""Mutations of the matcher's code, applied in the running process: the mechanism behind
``benchmarks/rule_mutations.py``.

A `Rule` names a module of `bot/matching` and the mutations that switch the rule off:
`Set` rebinds a module attribute (a threshold, a table), `Stub` replaces a function and
`Edit` redefines one function from its source with a piece of text replaced.  Functions are
rebound wherever the project imported them (`rebind`), constants only in their module
(where they are read).  Rules: nothing is written to the files; nothing happens at import;
`apply` must run before the tests use the matcher (its caches are cleared).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

_EDITED: dict[tuple[str, str], str] = {}  # (module, function): source after the edits so far


@dataclass(frozen=True)
class Set:
    """Set a module attribute (a threshold, a table) to `value`, or to `value(module)`
    when `computed`.  Only the module's own binding changes: constants are read there."""

    name: str
    value: Any
    computed: bool = False

    def apply(self, module: ModuleType) -> None:
        getattr(module, self.name)  # fails if it no longer exists
        value = self.value(module) if self.computed else self.value
        setattr(module, self.name, value)


@dataclass(frozen=True)
class Stub:
    """Replace a function by `make(original)`, everywhere it was imported."""

    name: str
    make: Callable[[Any], Any]

    def apply(self, module: ModuleType) -> None:
        old = getattr(module, self.name)
        rebind(old, self.make(old))


@dataclass(frozen=True)
class Edit:
    """Redefine one function of the module from its source with `old` replaced by `new`
    (every occurrence; at least one must exist), everywhere it was imported.  Several edits
    of one function add up."""

    function: str
    old: str
    new: str

    def apply(self, module: ModuleType) -> None:
        old_obj = getattr(module, self.function)
        where = (module.__name__, self.function)
        source = _EDITED.get(where) or function_source(module, self.function)
        if self.old not in source:
            raise LookupError(f"{module.__name__}.{self.function}: {self.old!r} not found")
        namespace = module.__dict__
        before = namespace[self.function]
        _EDITED[where] = source = source.replace(self.old, self.new)
        code = compile(source, module.__file__ or "?", "exec")
        exec(code, namespace)  # defines the function again, decorators included
        new_obj = namespace[self.function]
        namespace[self.function] = before
        rebind(old_obj, new_obj)


Mutation = Set | Stub | Edit


@dataclass(frozen=True)
class Rule:
    id: str
    what: str
    module: str
    mutations: tuple[Mutation, ...]


def rebind(old: object, new: object) -> None:
    """Point every binding of `old` in the project's loaded modules at `new`."""
    for name, module in list(sys.modules.items()):
        if name == "bot" or name.startswith(("bot.", "tests.", "benchmarks.")):
            for attr, value in list(vars(module).items()):
                if value is old:
                    setattr(module, attr, new)


def function_source(module: ModuleType, name: str) -> str:
    """The source of a top-level function, decorators included."""
    source = inspect.getsource(module)
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            lines = source.splitlines(keepends=True)[start - 1 : node.end_lineno]
            return textwrap.dedent("".join(lines))
    raise LookupError(f"{module.__name__}: no top-level function {name}")


def apply(rule: Rule) -> None:
    """Apply a rule's mutations in this process."""
    importlib.import_module("bot.matching")
    module = importlib.import_module(rule.module)
    for mutation in rule.mutations:
        mutation.apply(module)
    clear = importlib.import_module("bot.matching.relation").clear_caches
    clear()
