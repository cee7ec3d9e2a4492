"""Which keys to file a query under in the index: those of its rarest required term.

`requirement` walks a compiled query: a term needs the keys of its rarest word (for each
alias alternative), an AND needs what its cheapest positive child needs, an OR needs the
union of what its alternatives need, a NOT needs nothing.  Any document the query matches
contains at least one key of the result.  `checks` lists every such condition at once
(each word of a phrase, each side of a NEAR, each positive child of an AND), for the index
to reject a candidate by set lookups before evaluating it.

"Rarest" is estimated by `KeyStats`: the share of recent articles containing the key,
blended with a prior from the key's length (short keys are common) and a short list of
function words, so that planning is sensible before any article has been seen and improves
as the index observes the article stream.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import Final

from bot.matching import engine

_COMMON_WORDS: Final = """
    le la les de des du un une et en au aux a à pour par sur dans est sont avec que qui ne pas
    plus ce cette ces son sa ses il elle ils on the of and to in for on is are with by at from
    that this be as an it or was were has have
    في من على الى ان عن مع هذا هذه التي الذي كان بين ما لا او ثم قد كل بعد قبل عند
"""
_COMMON: Final = frozenset(_COMMON_WORDS.split())
_PSEUDO_DOCS: Final = 20.0


def prior(key: str) -> float:
    """A guess of the share of articles containing `key`, from its shape alone."""
    if key.startswith("@"):
        return 0.01
    if key in _COMMON:
        return 0.9
    n = len(key)
    if n <= 2:
        return 0.5
    if n == 3:
        return 0.2
    if n == 4:
        return 0.08
    if n == 5:
        return 0.03
    return 0.01


class KeyStats:
    """Document frequencies of the keys queries are filed under or could be filed under.

    A key's cost is computed once, from the counts of that moment, and kept: the index
    makes a new `KeyStats` (and so new costs) each time it re-plans."""

    __slots__ = ("_costs", "_sums", "df", "docs", "watched")

    def __init__(self) -> None:
        self.docs = 0
        self.df: Counter[str] = Counter()
        self.watched: set[str] = set()
        self._costs: dict[str, float] = {}
        self._sums: dict[frozenset[str], float] = {}  # a word's keys -> their summed cost

    def watch(self, keys: Iterable[str]) -> None:
        self.watched.update(keys)

    def observe(self, doc_keys: Iterable[str]) -> None:
        """Count one article's keys (only those some query could use)."""
        self.docs += 1
        self.df.update(self.watched.intersection(doc_keys))

    def cost(self, key: str) -> float:
        cost = self._costs.get(key)
        if cost is None:
            cost = (self.df.get(key, 0) + _PSEUDO_DOCS * prior(key)) / (self.docs + _PSEUDO_DOCS)
            self._costs[key] = cost
        return cost

    def keys_cost(self, keys: frozenset[str]) -> float:
        """The summed cost of one word's keys, computed once (many queries share a word)."""
        cost = self._sums.get(keys)
        if cost is None:
            # exactly rounded: the same sum whatever order the set gives its keys in
            cost = self._sums[keys] = math.fsum(map(self.cost, keys))
        return cost


def word_keys(node: engine.Node) -> list[str]:
    """Every key of every word of a query (what `KeyStats` should watch)."""
    out: list[str] = []
    if isinstance(node, engine.Term):
        for words in node.alternatives:
            for word in words:
                out.extend(word.keys)
    elif isinstance(node, engine.Near):
        out.extend(word_keys(node.left))
        out.extend(word_keys(node.right))
    elif isinstance(node, engine.Not):
        out.extend(word_keys(node.child))
    else:
        for child in node.children:
            out.extend(word_keys(child))
    return out


Requirement = tuple[frozenset[str], float]


def _term(term: engine.Term, stats: KeyStats) -> Requirement:
    keys: set[str] = set()
    cost = 0.0
    for words in term.alternatives:
        costs = [stats.keys_cost(w.keys) for w in words]
        best = min(range(len(words)), key=costs.__getitem__)
        keys.update(words[best].keys)
        cost += costs[best]
    return frozenset(keys), cost


def requirement(node: engine.Node, stats: KeyStats) -> Requirement | None:
    """Keys one of which any matching document contains, and their estimated cost; None
    for a node that can match without any key (a NOT)."""
    if isinstance(node, engine.Term):
        return _term(node, stats)
    if isinstance(node, engine.Near):
        left, right = _term(node.left, stats), _term(node.right, stats)
        return left if left[1] <= right[1] else right
    if isinstance(node, engine.Not):
        return None
    if isinstance(node, engine.And):
        options = [r for c in node.children if (r := requirement(c, stats)) is not None]
        if not options:
            return None
        return min(options, key=lambda r: r[1])
    keys: set[str] = set()
    cost = 0.0
    for child in node.children:
        r = requirement(child, stats)
        if r is None:
            return None
        keys |= r[0]
        cost += r[1]
    return frozenset(keys), cost


def checks(node: engine.Node, stats: KeyStats) -> list[Requirement]:
    """Key sets each of which any document the query matches intersects: one per word of
    a single-spelling term, per side of a NEAR, per positive child of an AND (the
    `requirement` of an OR or of a term with aliases); none for a NOT."""
    if isinstance(node, engine.Term):
        if len(node.alternatives) == 1:
            return [(frozenset(w.keys), stats.keys_cost(w.keys)) for w in node.alternatives[0]]
        return [_term(node, stats)]
    if isinstance(node, engine.Near):
        return checks(node.left, stats) + checks(node.right, stats)
    if isinstance(node, engine.And):
        return [r for child in node.children for r in checks(child, stats)]
    required = requirement(node, stats)
    return [] if required is None else [required]


def fixed(node: engine.Node) -> bool:
    """Whether a query's keys and checks are the same whatever the rarities: a term whose
    spellings are one word each, or an OR of such terms (its keys are all of theirs, and
    it has no other check).  Re-planning such a query never changes it."""
    if isinstance(node, engine.Term):
        return all(len(words) == 1 for words in node.alternatives)
    if isinstance(node, engine.Or):
        return all(fixed(child) for child in node.children)
    return False


def options(node: engine.Node, stats: KeyStats) -> tuple[tuple[frozenset[str], ...], ...]:
    """For an OR, the `checks` of each of its alternatives (rarest first): a document the
    query matches intersects every key set of at least one of them.  () for any other
    node, or when an alternative has no check (it could match without any key)."""
    if not isinstance(node, engine.Or):
        return ()
    out: list[tuple[frozenset[str], ...]] = []
    for child in node.children:
        found = sorted(checks(child, stats), key=lambda r: r[1])
        if not found:
            return ()
        out.append(tuple(dict.fromkeys(keys for keys, _ in found)))
    return tuple(out)
