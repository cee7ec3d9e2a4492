"""An article's terms as the archive index files them, and the keys that lead to each term.

Rules:

- A term is a distinct article word as the matcher's analysis saw it: a form of
  ``AnalyzedDocument.forms``, and whether it is in ``AnalyzedDocument.capitalised``. Its
  keys are ``AnalyzedDocument.term_keys`` of the two; an article's keys
  (``AnalyzedDocument.keys``) are exactly the union of its terms' keys, so "the article
  holds a term one of whose keys is K" is "the article is filed under K", and search
  candidates stay those of a key index.
- A term's ``digest`` is 64 bits of BLAKE2b of the word (prefixed when capitalised, since
  its keys differ); its ``id`` is the first 32 of them, signed. A key's id is 32 bits of
  its own BLAKE2b. Two terms (or keys) sharing an id only add candidates: every candidate
  is verified by the compiled query. The digest names a term in this process's caches,
  where a shared one (odds 2^-64 a pair) could skip a term's vocabulary rows.
- ``WrittenTerms``: the terms whose vocabulary rows one database holds, committed, as far
  as this process knows (a bounded set of digests, emptied when full), one per engine.
  The vocabulary is never pruned, so what it records stays true. ``prepare`` computes the
  key ids of the terms no database of this process has yet, before any transaction, so a
  write usually only inserts.
"""

from __future__ import annotations

import functools
import hashlib
import weakref
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from bot.matching import AnalyzedDocument

__all__ = [
    "ArticleTerms",
    "Term",
    "WrittenTerms",
    "key_ids",
    "keys_of",
    "prepare",
    "term",
    "terms_of",
    "token",
    "written_in",
]

WRITTEN_LIMIT = 200_000  # term digests remembered per database


@dataclass(frozen=True, slots=True)
class Term:
    word: str
    capitalised: bool
    digest: int  # 64 bits: the term's name in caches
    id: int  # signed 32 bits: the term's name in the index


def term(word: str, capitalised: bool) -> Term:
    name = ("^" if capitalised else "_") + word
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    term_id = int.from_bytes(digest[:4], "big", signed=True)
    return Term(word, capitalised, int.from_bytes(digest, "big"), term_id)


class _Terms:
    """Terms by word, made once (bounded: emptied when full)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.lower: dict[str, Term] = {}
        self.upper: dict[str, Term] = {}

    def of(self, document: AnalyzedDocument) -> dict[int, Term]:
        if len(self.lower) + len(self.upper) > self.limit:
            self.lower.clear()
            self.upper.clear()
        capitalised = document.capitalised
        found: dict[int, Term] = {}
        for word in document.forms:
            upper = word in capitalised
            made = self.upper if upper else self.lower
            item = made.get(word)
            if item is None:
                item = made[word] = term(word, upper)
            found[item.digest] = item
        return found


_TERMS = _Terms(1 << 17)  # the same words come back in article after article


@functools.lru_cache(maxsize=1 << 16)
def _key_id(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big", signed=True)


def key_ids(keys: Iterable[str]) -> list[int]:
    """The distinct ids of these keys."""
    return list(dict.fromkeys(_key_id(key) for key in keys))


@functools.lru_cache(maxsize=1 << 14)  # a new word recurs in the articles of one round
def keys_of(item: Term) -> tuple[int, ...]:
    """The ids of the keys a term is filed under."""
    return tuple(key_ids(AnalyzedDocument.term_keys(item.word, item.capitalised)))


def token(term_id: int) -> str:
    """A term id as one plain FTS5 token: ``t`` and 8 hex digits."""
    return f"t{term_id & 0xFFFFFFFF:08x}"


class WrittenTerms:
    """Digests of the terms one database's vocabulary holds (committed)."""

    def __init__(self, limit: int = WRITTEN_LIMIT) -> None:
        self.limit = limit
        self._digests: set[int] = set()

    def missing(self, digests: AbstractSet[int]) -> AbstractSet[int]:
        """Those of these digests not known written."""
        return digests - self._digests

    def add_all(self, digests: Iterable[int]) -> None:
        new = set(digests)
        if len(self._digests) + len(new) > self.limit:
            self._digests.clear()  # forgotten terms are written again: idempotent inserts
        self._digests |= new


_WRITTEN: weakref.WeakKeyDictionary[object, WrittenTerms] = weakref.WeakKeyDictionary()


def written_in(engine: object) -> WrittenTerms:
    """The written terms of the database behind this (sync) engine."""
    found = _WRITTEN.get(engine)
    if found is None:
        found = _WRITTEN[engine] = WrittenTerms()
    return found


@dataclass(frozen=True, slots=True)
class ArticleTerms:
    """One article's terms (by digest), and the key ids of those new to this process."""

    terms: dict[int, Term]
    keys: dict[int, tuple[int, ...]]  # term digest -> key ids

    @property
    def ids(self) -> list[int]:
        """The distinct term ids, ascending."""
        return sorted({t.id for t in self.terms.values()})

    def vocabulary(self, written: WrittenTerms) -> Iterator[tuple[Term, tuple[int, ...]]]:
        """Each term the database may lack (not in ``written``), with its key ids."""
        for digest in written.missing(self.terms.keys()):
            item = self.terms[digest]
            keys = self.keys.get(digest)
            yield item, keys if keys is not None else keys_of(item)


def terms_of(document: AnalyzedDocument) -> ArticleTerms:
    """The article's terms (their keys computed when written)."""
    return ArticleTerms(_TERMS.of(document), {})


def prepare(document: AnalyzedDocument) -> ArticleTerms:
    """The article's terms, with the key ids of those no database here has yet."""
    terms = terms_of(document).terms
    fresh: AbstractSet[int] = terms.keys()
    for written in list(_WRITTEN.values()):
        fresh = written.missing(fresh)
    return ArticleTerms(terms, {digest: keys_of(terms[digest]) for digest in fresh})
