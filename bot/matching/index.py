"""MatchIndex: every subscription's query, asked about one article at a time.

Each query is filed under the keys of its rarest required term (for an OR, the union of
its alternatives' keys; see `plan.requirement`).  Rarity is first guessed from the shape
of the keys, then measured on one article in `OBSERVE_EVERY` of those the index sees (a
sample is enough to rank keys, and counting costs): after 64 articles, and again each
time that count doubles (up to every 8,192 articles), the queries that have a choice of
terms (see `plan.fixed`) are re-filed under their currently rarest term,
`REPLAN_PER_ARTICLE` of them per article (never a pause over all of them, and a bounded
cost per article: about 50 microseconds); a re-plan starts only once the last one is
done.  Re-filing never changes results, only speed.

An article is analysed once; the keys of its words (exact stems, one-deletion neighbours
of long words, name skeletons) select the candidate queries through one dictionary.  A
query with other required parts (`plan.checks`: the other words of a name, the other side
of a NEAR, the topic beside a place) is also filed under the keys of the rarest of them,
and is a candidate only when the article holds a key of both: set operations in C, whose
cost follows the keys the article holds, not how many keys the rules give a query word.
Any further checks are set lookups, and an OR is rejected when none of its alternatives
passes its own checks; only the candidates left are evaluated in full.
Keys are interned strings (see `relation`), and the article's keys, the index's and each
query word's are sets: intersections read the hashes the sets store and compare keys by
identity, without reading the strings.  A query's word's occurrences are memoised per
article under the (shared) word object (see `evaluation`).
Subscriptions with the same query (same text, options and aliases) are one entry,
evaluated once per article; each gets its own list of spans.  A query can only match an
article that holds a key of each of its required parts, so the result is exactly that of
trying every query, at a cost that grows with the article and the matches, not with the
number of subscriptions.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from collections.abc import Set as AbstractSet
from operator import itemgetter
from typing import Any, Generic, TypeVar

from bot.matching import evaluation, plan
from bot.matching.aliases import Aliases
from bot.matching.document import AnalyzedDocument
from bot.matching.matcher import CompiledQuery
from bot.matching.types import Document, Span

K = TypeVar("K", bound=Hashable)

PLAIN, CHECKED, FIRST = 0, 1, 2  # the parts of a key's postings
_NONE: frozenset[Any] = frozenset()  # an empty part
_PLAIN, _CHECKED, _FIRST = itemgetter(PLAIN), itemgetter(CHECKED), itemgetter(FIRST)

_Identity = tuple[str, bool, int]  # query text, names across scripts, id of its aliases


class _Shared(Generic[K]):
    """The subscriptions sharing one query: filed, checked and evaluated once."""

    __slots__ = (
        "checks",
        "either",
        "filed",
        "fixed",
        "keys",
        "options",
        "query",
        "rest",
        "root",
    )

    def __init__(self, query: CompiledQuery) -> None:
        self.query = query
        self.root = query.root  # evaluated directly: one object less to reach per article
        self.fixed = plan.fixed(self.root)  # never re-planned: it has no choice of keys
        self.keys: dict[K, None] = {}  # the subscriptions, in the order they came
        self.filed: frozenset[str] = frozenset()
        self.checks: tuple[frozenset[str], ...] = ()  # rarest first
        self.rest: tuple[frozenset[str], ...] = ()  # checks[1:]
        self.options: tuple[tuple[frozenset[str], ...], ...] = ()  # an OR's, see plan
        self.either: tuple[frozenset[str], ...] | None = None  # options of one check each


def _identity(query: CompiledQuery, aliases: Aliases) -> _Identity:
    return query.text, query.names_across_scripts, id(aliases)


class MatchIndex(Generic[K]):
    """Subscriptions by key; `match` returns the spans of every matching subscription.

    With ``aliases`` given, every query added is (re)compiled against them, and
    `set_aliases` recompiles all stored queries when the alias groups change."""

    FIRST_REPLAN = 64
    MAX_REPLAN_INTERVAL = 8192
    REPLAN_PER_ARTICLE = 2
    OBSERVE_EVERY = 4  # rarity is measured on one article in this many

    def __init__(self, *, aliases: Aliases | None = None) -> None:
        self._queries: dict[K, CompiledQuery] = {}
        self._shared_of: dict[K, _Shared[K]] = {}
        self._shared: dict[_Identity, _Shared[K]] = {}
        # by key: the queries filed under it without checks, those with checks, and those
        # whose first check it is
        self._postings: dict[str, list[AbstractSet[_Shared[K]]]] = {}
        self._posted: set[str] = set()  # its keys, for set operations with an article's
        self._alternating: set[_Shared[K]] = set()  # those with options (an OR)
        self._aliases = aliases
        self._stats = plan.KeyStats()
        self._articles = 0  # seen by `match_analyzed`
        self._next_replan = self.FIRST_REPLAN
        self._refile: list[_Shared[K]] = []  # still to re-plan, a few per article

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
        aliases = query.aliases if self._aliases is None else self._aliases
        identity = _identity(query, aliases)
        shared = self._shared.get(identity)
        if shared is None:
            shared = _Shared(query.with_aliases(aliases))
            self._shared[identity] = shared
            self._stats.watch(plan.word_keys(shared.query.root))
            self._file(shared, *self._plan(shared.query))
            shared.options = plan.options(shared.query.root, self._stats)
            if all(len(option) == 1 for option in shared.options):
                shared.either = tuple(option[0] for option in shared.options)
            if shared.options:
                self._alternating.add(shared)
        shared.keys[key] = None
        self._shared_of[key] = shared
        self._queries[key] = shared.query

    def _plan(self, query: CompiledQuery) -> tuple[frozenset[str], tuple[frozenset[str], ...]]:
        """The keys to file `query` under, and its checks, rarest first."""
        stats = self._stats
        required = plan.requirement(query.root, stats)
        if required is None:  # pragma: no cover - the parser rejects negative-only queries
            raise ValueError("a query without positive terms cannot be indexed")
        keys = required[0]
        others = {ks: cost for ks, cost in plan.checks(query.root, stats) if ks != keys}
        return keys, tuple(sorted(others, key=others.__getitem__))

    def _file(
        self, shared: _Shared[K], keys: frozenset[str], checks: tuple[frozenset[str], ...]
    ) -> None:
        shared.filed, shared.checks, shared.rest = keys, checks, checks[1:]
        if checks:
            self._post(keys, CHECKED, shared)
            self._post(checks[0], FIRST, shared)
        else:
            self._post(keys, PLAIN, shared)

    def _unfile(self, shared: _Shared[K]) -> None:
        if shared.checks:
            self._unpost(shared.filed, CHECKED, shared)
            self._unpost(shared.checks[0], FIRST, shared)
        else:
            self._unpost(shared.filed, PLAIN, shared)

    def _post(self, keys: frozenset[str], part: int, shared: _Shared[K]) -> None:
        postings = self._postings
        for k in keys:
            sets = postings.get(k)
            if sets is None:
                sets = postings[k] = [_NONE, _NONE, _NONE]  # most keys use one part only
                self._posted.add(k)
            bucket = sets[part]
            if isinstance(bucket, set):
                bucket.add(shared)
            else:
                sets[part] = {shared}

    def _unpost(self, keys: frozenset[str], part: int, shared: _Shared[K]) -> None:
        postings = self._postings
        for k in keys:
            sets = postings[k]
            bucket = sets[part]
            if isinstance(bucket, set):
                bucket.discard(shared)
                if not bucket:
                    sets[part] = _NONE
                    if not any(sets):
                        del postings[k]
                        self._posted.discard(k)

    def remove(self, key: K) -> None:
        """Forget the query stored under `key` (no error if there is none)."""
        query = self._queries.pop(key, None)
        if query is None:
            return
        shared = self._shared_of.pop(key)
        del shared.keys[key]
        if not shared.keys:
            self._unfile(shared)
            self._alternating.discard(shared)
            del self._shared[_identity(query, query.aliases)]

    def replan(self) -> None:
        """File every query under its currently rarest term now (the index does it by
        itself, a few queries per article)."""
        self._start_replan()
        self._continue_replan(len(self._refile))

    def _start_replan(self) -> None:
        stats = plan.KeyStats()
        stats.docs = self._stats.docs
        for shared in self._shared.values():
            stats.watch(plan.word_keys(shared.query.root))
        watched = stats.watched
        stats.df.update({k: v for k, v in self._stats.df.items() if k in watched})
        self._stats = stats
        self._refile = [shared for shared in self._shared.values() if not shared.fixed]

    def _continue_replan(self, count: int) -> None:
        refile = self._refile
        for _ in range(min(count, len(refile))):
            shared = refile.pop()
            if not shared.keys:  # removed meanwhile
                continue
            keys, checks = self._plan(shared.query)
            if keys != shared.filed or checks != shared.checks:
                self._unfile(shared)
                self._file(shared, keys, checks)

    def set_aliases(self, aliases: Aliases) -> None:
        """Use new alias groups and recompile every stored query against them."""
        self._aliases = aliases
        for key, query in list(self._queries.items()):
            self.add(key, query)

    def candidates(self, doc: AnalyzedDocument) -> set[K]:
        """The subscriptions worth evaluating on an analysed article."""
        return {key for shared in self._candidates(doc) for key in shared.keys}

    def _candidates(self, doc: AnalyzedDocument) -> set[_Shared[K]]:
        present = doc.key_set
        hits = list(map(self._postings.__getitem__, present & self._posted))
        found: set[_Shared[K]] = set().union(*map(_PLAIN, hits))
        checked: set[_Shared[K]] = set().union(*map(_CHECKED, hits))
        isdisjoint = present.isdisjoint
        if checked:  # those whose first check also holds, found by set operations alone
            checked &= set().union(*map(_FIRST, hits))
            found.update(s for s in checked if not (s.rest and any(map(isdisjoint, s.rest))))
        for s in found & self._alternating:  # an OR: one alternative must pass its checks
            either = s.either
            if either is not None:
                if all(map(isdisjoint, either)):
                    found.discard(s)
                continue
            for option in s.options:
                if not any(map(isdisjoint, option)):
                    break  # this alternative may hold
            else:
                found.discard(s)
        return found

    def match_analyzed(self, doc: AnalyzedDocument) -> dict[K, list[Span]]:
        """`match` on an article already analysed."""
        found: dict[K, list[Span]] = {}
        evaluate, to_spans = evaluation.evaluate, evaluation.to_spans
        for shared in self._candidates(doc):
            ranges = evaluate(shared.root, doc)
            if ranges is not None:
                spans = to_spans(ranges, doc)
                keys = iter(shared.keys)
                found[next(keys)] = spans
                for key in keys:  # each subscription gets a list of its own
                    found[key] = list(spans)
        self._articles = articles = self._articles + 1
        if articles % self.OBSERVE_EVERY == 0:
            self._stats.observe(doc.key_set)
        if self._refile:  # spread over the next articles: never a pause of the whole set
            self._continue_replan(self.REPLAN_PER_ARTICLE)
        elif articles >= self._next_replan:
            self._next_replan = articles + min(articles, self.MAX_REPLAN_INTERVAL)
            self._start_replan()
        return found

    def match(self, doc: Document) -> dict[K, list[Span]]:
        """Every stored query that matches the article, with its spans."""
        return self.match_analyzed(AnalyzedDocument(doc))
