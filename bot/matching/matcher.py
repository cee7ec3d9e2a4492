"""Query compilation and matching.

Rules: a query is one or more words separated by spaces; every word must occur as a whole
word in the title or the text. Comparison ignores case and Arabic diacritics.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.matching.types import Document, Field, QueryError, QueryLimits, Span

_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640"
_ARABIC_MARKS = re.compile(f"[{_MARKS}]")
_WORD = re.compile(rf"[\w{_MARKS}]+")
_FIELDS: tuple[Field, ...] = ("title", "text")

K = TypeVar("K", bound=Hashable)


def _fold(text: str) -> str:
    return _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", text)).casefold()


def _words(text: str) -> Iterator[tuple[str, int, int]]:
    for m in _WORD.finditer(text):
        folded = _fold(m.group())
        if folded:
            yield folded, m.start(), m.end()


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    text: str
    terms: tuple[str, ...]

    def describe(self) -> str:
        return " AND ".join(self.terms)

    def match(self, doc: Document) -> list[Span] | None:
        spans: list[Span] = []
        missing = set(self.terms)
        for field in _FIELDS:
            for word, start, end in _words(doc.field(field)):
                if word in self.terms:
                    spans.append(Span(field, start, end))
                    missing.discard(word)
        return None if missing else spans


DEFAULT_LIMITS = QueryLimits()


def compile_query(text: str, limits: QueryLimits = DEFAULT_LIMITS) -> CompiledQuery:
    stripped = text.strip()
    if not stripped:
        raise QueryError("The query is empty.")
    if len(stripped) > limits.max_length:
        raise QueryError(f"The query is longer than {limits.max_length} characters.")
    terms = tuple(dict.fromkeys(w for w, _, _ in _words(stripped)))
    if not terms:
        raise QueryError("The query has no words to look for.", 0)
    if len(terms) > limits.max_terms:
        raise QueryError(f"The query has more than {limits.max_terms} terms.")
    return CompiledQuery(stripped, terms)


class MatchIndex(Generic[K]):
    """All subscriptions' compiled queries, asked about one article at a time."""

    def __init__(self) -> None:
        self._queries: dict[K, CompiledQuery] = {}

    def __len__(self) -> int:
        return len(self._queries)

    def add(self, key: K, query: CompiledQuery) -> None:
        self._queries[key] = query

    def remove(self, key: K) -> None:
        self._queries.pop(key, None)

    def match(self, doc: Document) -> dict[K, list[Span]]:
        found: dict[K, list[Span]] = {}
        for key, query in self._queries.items():
            spans = query.match(doc)
            if spans is not None:
                found[key] = spans
        return found
