"""The query's syntax tree, and the walks over it that every parsed query must pass.

Rules: nodes are frozen; chains of ``AND``/``OR`` are flat nodes (one `And` or `Or` with
all the operands), so only parentheses, ``NOT`` and ``-`` add depth, which the parser
limits.  Every alternative of a query must look for something, not only exclude
(`check_positive`); a `QueryError` from here points at the first term of the offending
part.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.matching.tokens import Token
from bot.matching.types import QueryError


@dataclass(frozen=True, slots=True)
class Term:
    """A word or a phrase (several words that must be adjacent and in order)."""

    words: tuple[Token, ...]
    raw: str
    quoted: bool
    title: bool
    position: int


@dataclass(frozen=True, slots=True)
class Near:
    left: Term
    right: Term
    distance: int


@dataclass(frozen=True, slots=True)
class Not:
    child: Node
    position: int


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Near | Not | And | Or


def count_terms(node: Node) -> list[Term]:
    """All terms of the tree, in query order."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        return [node.left, node.right]
    if isinstance(node, Not):
        return count_terms(node.child)
    out: list[Term] = []
    for child in node.children:
        out.extend(count_terms(child))
    return out


def check_positive(node: Node) -> None:
    """Every alternative of the query must look for something, not only exclude."""
    _check_alternatives(node)
    if not _has_positive(node):
        raise QueryError(
            "The query only excludes words: add at least one word to look for.",
            _first_position(node),
            key="only_exclusions",
        )


def _check_alternatives(node: Node) -> None:
    if isinstance(node, Or):
        for child in node.children:
            if not _has_positive(child):
                raise QueryError(
                    "This alternative of an OR only excludes words: "
                    "add a word to look for, or move the exclusion outside the OR.",
                    _first_position(child),
                    key="or_alternative_only_excludes",
                )
            _check_alternatives(child)
    elif isinstance(node, And):
        for child in node.children:
            _check_alternatives(child)
    elif isinstance(node, Not):
        _check_alternatives(node.child)


def _has_positive(node: Node) -> bool:
    if isinstance(node, Term | Near):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_has_positive(c) for c in node.children)
    return all(_has_positive(c) for c in node.children)


def _first_position(node: Node) -> int:
    if isinstance(node, Term):
        return node.position
    if isinstance(node, Near):
        return node.left.position
    if isinstance(node, Not):
        return node.position
    return _first_position(node.children[0])
