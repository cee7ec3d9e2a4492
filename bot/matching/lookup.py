"""A compiled query answered from an index of article words, word by word.

An index of articles by their distinct words (each with whether it was ever capitalised in
the article, as ``AnalyzedDocument`` records them) can answer much of a query without
reading any article again:

- A query word (`QueryWord`) holds in an article exactly when one of the article's words
  is filed under one of its keys and passes the matcher's verdict, and, where the verdict
  or an acronym asks for it, is capitalised there: `QueryWord.accepts` is that test, the
  same as ``evaluation.word_occurrences`` makes on an analysed article.
- A term of one-word alternatives outside ``title:`` holds exactly where one of its words
  does; so do AND, OR and NOT of such terms, by set algebra. The result is then exact
  (`Found.exact`): the matching articles, with no article to read.
- What needs positions or fields (a phrase, a multi-word alias, ``NEAR``, ``title:``), and
  a NOT of such a thing, is only narrowed: the articles holding every word it needs, a
  superset, each of which the caller verifies with the compiled query.
- `combine` returns None where no index narrows the query (a NOT with nothing positive
  beside it); the caller falls back to the query's required keys.

The caller supplies, for every word of `query_words`, the articles (ids) holding a word it
accepts, and says whether that set is exact (it is not when the index could not tell two
words apart).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce

from bot.matching import engine
from bot.matching.relation import IF_CAPITALISED, NO, text_keys, word_match

__all__ = ["Found", "QueryWord", "combine", "plain_words", "query_words"]


@dataclass(frozen=True, slots=True)
class Found:
    """Article ids, and whether they are exactly the matching ones (else a superset)."""

    ids: frozenset[int]
    exact: bool


@dataclass(frozen=True, slots=True)
class QueryWord:
    """One word of a compiled query, as an index lookup sees it."""

    word: engine.Word

    @property
    def sig(self) -> str:
        return self.word.sig

    @property
    def keys(self) -> frozenset[str]:
        """The keys its article words are filed under (one of them at least)."""
        return self.word.keys

    def accepts(self, norm: str, capitalised: bool) -> bool:
        """Whether an article word (folded, and whether it is ever capitalised in the
        article) is one this query word matches."""
        word = self.word
        if word.keys.isdisjoint(text_keys(norm, capitalised)):
            return False
        verdict = word_match(
            word.norm, norm, word.exact, word.keep_article, word.cross, word.clitic
        )
        if verdict == NO:
            return False
        if verdict == IF_CAPITALISED or word.wants_capital(norm):
            return capitalised
        return True


def query_words(root: engine.Node) -> dict[str, QueryWord]:
    """Every word of the query (excluded ones included), by signature."""
    out: dict[str, QueryWord] = {}
    _collect(root, out)
    return out


def _collect(node: engine.Node, out: dict[str, QueryWord]) -> None:
    if isinstance(node, engine.Term):
        for words in node.alternatives:
            for word in words:
                out.setdefault(word.sig, QueryWord(word))
    elif isinstance(node, engine.Near):
        _collect(node.left, out)
        _collect(node.right, out)
    elif isinstance(node, engine.Not):
        _collect(node.child, out)
    else:
        for child in node.children:
            _collect(child, out)


def _union(parts: list[Found]) -> Found:
    ids: frozenset[int] = frozenset().union(*(p.ids for p in parts))
    return Found(ids, all(p.exact for p in parts))


def _term(term: engine.Term, words: Mapping[str, Found]) -> Found:
    parts = []
    for alternative in term.alternatives:
        sets = [words[w.sig] for w in alternative]
        ids = reduce(frozenset.intersection, (s.ids for s in sets))
        exact = len(alternative) == 1 and sets[0].exact and not term.title
        parts.append(Found(ids, exact))
    return _union(parts)


def _and(node: engine.And, words: Mapping[str, Found]) -> Found | None:
    ids: frozenset[int] | None = None
    exact = True
    excluded = [c.child for c in node.children if isinstance(c, engine.Not)]
    for child in node.children:
        if isinstance(child, engine.Not):
            continue
        found = combine(child, words)
        if found is None:  # holds in articles no index narrows: verified by the caller
            exact = False
            continue
        ids = found.ids if ids is None else ids & found.ids
        exact = exact and found.exact
    if ids is None:
        return None
    for child in excluded:
        found = combine(child, words)
        if found is not None and found.exact:
            ids = ids - found.ids
        else:
            exact = False  # cannot be subtracted: the caller's check excludes them
    return Found(ids, exact)


def combine(node: engine.Node, words: Mapping[str, Found]) -> Found | None:
    """The articles the query matches (exact) or may match (a superset), from the articles
    holding each query word (``words``, by signature); None when nothing narrows it."""
    if isinstance(node, engine.Term):
        return _term(node, words)
    if isinstance(node, engine.Near):
        left, right = _term(node.left, words), _term(node.right, words)
        return Found(left.ids & right.ids, False)
    if isinstance(node, engine.Not):
        return None
    if isinstance(node, engine.And):
        return _and(node, words)
    parts = [combine(child, words) for child in node.children]
    if any(part is None for part in parts):
        return None
    return _union([part for part in parts if part is not None])


def plain_words(root: engine.Node) -> dict[str, QueryWord] | None:
    """The positive words (by signature) of a query made only of single-word terms outside
    ``title:``, with AND, OR and NOT (no phrase, NEAR or acronym); None for any other query.
    In an article the query matches, an occurrence of an article word one of them accepts
    without a capital (`QueryWord.accepts`) is one of the query's matches."""
    out: list[engine.Word] = []
    if not _plain(root, out, positive=True):
        return None
    return {word.sig: QueryWord(word) for word in out}


def _plain(node: engine.Node, out: list[engine.Word], *, positive: bool) -> bool:
    if isinstance(node, engine.Term):
        if node.title or any(len(words) != 1 or words[0].acronym for words in node.alternatives):
            return False
        if positive:
            out.extend(words[0] for words in node.alternatives)
        return True
    if isinstance(node, engine.Near):
        return False
    if isinstance(node, engine.Not):
        return _plain(node.child, out, positive=False)
    return all(_plain(child, out, positive=positive) for child in node.children)
