"""MatchIndex: every subscription's query, asked about one article at a time.

Each query is filed under the keys of its rarest required term (for an OR, the union of
its alternatives' keys; see `plan.requirement`).  Rarity is first guessed from the shape
of the keys, then measured on the articles the index sees: after 64 articles, and again
each time that count doubles (up to every 8,192 articles), queries are re-filed under
their currently rarest term.  Re-filing never changes results, only speed.

An article is analysed once; the keys of its words (exact stems, one-deletion neighbours
of long words, name skeletons) select the candidate queries through a dictionary, and only
those are evaluated in full.  A query can only match an article that contains one of its
keys, so the result is exactly that of trying every query, at a cost that grows with the
article, not with the number of subscriptions.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

from bot.matching import plan
from bot.matching.aliases import Aliases
from bot.matching.document import AnalyzedDocument
from bot.matching.matcher import CompiledQuery
from bot.matching.types import Document, Span

K = TypeVar("K", bound=Hashable)


class MatchIndex(Generic[K]):
    """Subscriptions by key; `match` returns the spans of every matching subscription.

    With ``aliases`` given, every query added is (re)compiled against them, and
    `set_aliases` recompiles all stored queries when the alias groups change."""

    FIRST_REPLAN = 64
    MAX_REPLAN_INTERVAL = 8192

    def __init__(self, *, aliases: Aliases | None = None) -> None:
        self._queries: dict[K, CompiledQuery] = {}
        self._filed: dict[K, frozenset[str]] = {}
        self._postings: dict[str, set[K]] = {}
        self._aliases = aliases
        self._stats = plan.KeyStats()
        self._next_replan = self.FIRST_REPLAN

    def __len__(self) -> int:
        return len(self._queries)

    def __contains__(self, key: object) -> bool:
        return key in self._queries

    def __iter__(self) -> Iterator[K]:
        return iter(self._queries)

    def get(self, key: K) -> CompiledQuery | None:
        return self._queries.get(key)

    @property
    def aliases(self) -> Aliases | None:
        return self._aliases

    def add(self, key: K, query: CompiledQuery) -> None:
        """Add or replace the query stored under `key`."""
        if key in self._queries:
            self.remove(key)
        if self._aliases is not None:
            query = query.with_aliases(self._aliases)
        self._queries[key] = query
        self._stats.watch(plan.word_keys(query.root))
        self._file(key, query)

    def _file(self, key: K, query: CompiledQuery) -> None:
        required = plan.requirement(query.root, self._stats)
        if required is None:  # pragma: no cover - the parser rejects negative-only queries
            raise ValueError("a query without positive terms cannot be indexed")
        keys = required[0]
        self._filed[key] = keys
        for k in keys:
            bucket = self._postings.get(k)
            if bucket is None:
                self._postings[k] = {key}
            else:
                bucket.add(key)

    def _unfile(self, key: K) -> None:
        for k in self._filed.pop(key):
            bucket = self._postings[k]
            bucket.discard(key)
            if not bucket:
                del self._postings[k]

    def remove(self, key: K) -> None:
        """Forget the query stored under `key` (no error if there is none)."""
        if self._queries.pop(key, None) is None:
            return
        self._unfile(key)

    def replan(self) -> None:
        """File every query under its currently rarest term (done automatically)."""
        stats = plan.KeyStats()
        stats.docs, stats.df = self._stats.docs, self._stats.df
        for query in self._queries.values():
            stats.watch(plan.word_keys(query.root))
        stats.df = {k: v for k, v in stats.df.items() if k in stats.watched}
        self._stats = stats
        for key, query in self._queries.items():
            required = plan.requirement(query.root, stats)
            if required is not None and required[0] != self._filed[key]:
                self._unfile(key)
                self._file(key, query)

    def set_aliases(self, aliases: Aliases) -> None:
        """Use new alias groups and recompile every stored query against them."""
        self._aliases = aliases
        for key, query in list(self._queries.items()):
            self.add(key, query)

    def candidates(self, doc: AnalyzedDocument) -> set[K]:
        """The subscriptions worth evaluating on an analysed article."""
        found: set[K] = set()
        postings = self._postings
        if len(postings) < len(doc.keys):
            for k, bucket in postings.items():
                if k in doc.keys:
                    found |= bucket
        else:
            for k in doc.keys:
                hit = postings.get(k)
                if hit is not None:
                    found |= hit
        return found

    def match_analyzed(self, doc: AnalyzedDocument) -> dict[K, list[Span]]:
        """`match` on an article already analysed."""
        found: dict[K, list[Span]] = {}
        queries = self._queries
        for key in self.candidates(doc):
            spans = queries[key].match_analyzed(doc)
            if spans is not None:
                found[key] = spans
        stats = self._stats
        stats.observe(doc.keys)
        if stats.docs >= self._next_replan:
            self._next_replan = stats.docs + min(stats.docs, self.MAX_REPLAN_INTERVAL)
            self.replan()
        return found

    def match(self, doc: Document) -> dict[K, list[Span]]:
        """Every stored query that matches the article, with its spans."""
        return self.match_analyzed(AnalyzedDocument(doc))
