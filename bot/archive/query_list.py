"""The queries of one ``/trend``: the text split at each semicolon outside a phrase.

Rules:

* A semicolon separates two queries: the Latin ``;`` and the Arabic ``؛`` (what an Arabic
  keyboard types), so ``/trend أخنوش؛ بنكيران`` is two queries as ``/trend Akhannouch;
  Benkirane`` is.
* Inside a phrase (between any of the query language's quotes, ``bot.matching.lexer.QUOTES``)
  a semicolon is text, so ``"a; b"`` stays one query, as ``/subscribe`` would read it.
* Each query is stripped; an empty one (``a;;b``, a trailing ``;``) is kept as ``""`` so
  the caller can refuse it rather than guess.
"""

from __future__ import annotations

from typing import Final

from bot.matching.lexer import QUOTES

SEPARATORS: Final = frozenset(";\u061b")


def split_queries(text: str) -> list[str]:
    """The queries of ``text``, in order (see the module's rules)."""
    queries: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in text:
        if ch in QUOTES:
            quoted = not quoted
        elif ch in SEPARATORS and not quoted:
            queries.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    queries.append("".join(current).strip())
    return queries
