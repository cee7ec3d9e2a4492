"""Search over every stored article through the archive index: the answers alerting gives.

Rules:

- Word by word first (``bot.matching.lookup``): for each word of the query, the
  vocabulary's terms filed under its keys (``bot.storage.archive``) are tested once each
  with the matcher's own verdict, and the articles holding an accepted term are read from
  the postings. Terms, NOT, AND and OR of single words are then answered exactly by set
  algebra, without reading any article: that is what makes a count over a large archive
  fast.
- What needs positions or fields (phrases, NEAR, ``title:``), or a term whose id two words
  share, is only narrowed that way: each remaining candidate is verified by the compiled
  query, in a worker thread, ``BATCH`` at a time. A query no word narrows (a NOT beside an
  OR) falls back to the articles filed under its required keys, verified. Either way a
  search finds exactly the articles a full scan, and alerting, would.
- The period is the articles first seen (``fetched_at``) at or after ``since``, as for
  ``bot.services.preview``; None is every stored article. The words' articles are read
  from the postings alone and the period applied once to what their set algebra leaves
  (a common first name's 40,000 articles are not each read for their date: at 500,000
  articles that made a 90-day lookup 3 to 5 times slower).
- Newest first: by id, the order articles were stored in. ``matches`` yields light
  ``Match`` batches (id and time: enough to chart; ``match_ids``, the ids alone, to count
  and page); ``hits_of`` reads the
  few articles a reply shows, with their spans.
- Each read is a short query (no connection held between them).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.matching import CompiledQuery, Document, Found, Span
from bot.services.excerpt_spans import first_spans, locator
from bot.storage.archive import ArchiveRepository
from bot.storage.db import SessionFactory
from bot.storage.scan import StoredText

BATCH = 500  # matches yielded, or candidates read and verified, at a time


@dataclass(frozen=True, slots=True)
class Match:
    """A stored article the query matches: its id and time (published, else first seen)."""

    id: int
    published_at: datetime


@dataclass(frozen=True, slots=True)
class Hit:
    """A stored article the query matches, with the spans it matched."""

    article: StoredText
    spans: list[Span]


def _verify(query: CompiledQuery, texts: Sequence[StoredText]) -> list[Hit]:
    """The texts the query matches, in the order given (run in a worker thread)."""
    hits = []
    for article in texts:
        spans = query.match(Document(title=article.title, text=article.body or article.summary))
        if spans is not None:
            hits.append(Hit(article, spans))
    return hits


def _first_spans(
    query: CompiledQuery,
    texts: Sequence[StoredText],
    lead: int,
    accepted: tuple[list[str], list[str]],
) -> list[Hit]:
    """Like ``_verify`` for articles known to match, with the spans of their first matches
    only (``bot.services.excerpt_spans``)."""
    pattern = locator(query, *accepted)
    hits = []
    for article in texts:
        text = article.body or article.summary
        spans = first_spans(query, pattern, article.title, text, lead)
        if spans is not None:
            hits.append(Hit(article, spans))
    return hits


@dataclass(frozen=True, slots=True)
class Lookup:
    """What the index says before any article is read."""

    ids: list[int]  # highest first: the matches (exact) or the candidates
    exact: bool


class ArchiveSearch:
    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    async def count(self, query: CompiledQuery, since: datetime | None) -> int:
        """How many stored articles of the period the query matches."""
        total = 0
        async for ids in self.match_ids(query, since):
            total += len(ids)
        return total

    async def newest(
        self, query: CompiledQuery, since: datetime | None, *, limit: int, offset: int = 0
    ) -> list[Hit]:
        """The matching articles of the period, newest first, ``limit`` from ``offset``."""
        found: list[int] = []
        async for ids in self.match_ids(query, since):
            found.extend(ids)
            if len(found) >= offset + limit:
                break
        return await self.hits_of(query, found[offset : offset + limit])

    async def matches(
        self, query: CompiledQuery, since: datetime | None
    ) -> AsyncIterator[list[Match]]:
        """The matching articles of the period, a batch at a time, newest first; a batch
        may be empty. Stop iterating when you have enough."""
        found, bounded = await self._indexed(query, since)
        if found.exact:
            period = None if bounded else since
            for start in range(0, len(found.ids), BATCH):
                chunk = found.ids[start : start + BATCH]
                async with self.sessions() as session:
                    times = await ArchiveRepository(session).times(chunk, period)
                yield [Match(i, times[i]) for i in chunk if i in times]
            return
        found = await self._bounded(found, bounded, since)
        async for hits in self._verified(query, found.ids):
            yield [Match(h.article.id, h.article.published_at) for h in hits]

    async def match_ids(
        self, query: CompiledQuery, since: datetime | None
    ) -> AsyncIterator[list[int]]:
        """The ids of ``matches``, without their times: what counting and paging need."""
        found = await self.lookup(query, since)
        if found.exact:
            for start in range(0, len(found.ids), BATCH):
                yield found.ids[start : start + BATCH]
            return
        async for hits in self._verified(query, found.ids):
            yield [h.article.id for h in hits]

    async def _verified(
        self, query: CompiledQuery, candidates: Sequence[int]
    ) -> AsyncIterator[list[Hit]]:
        """The candidates the query matches, ``BATCH`` read and verified at a time."""
        for start in range(0, len(candidates), BATCH):
            async with self.sessions() as session:
                texts = await ArchiveRepository(session).texts(candidates[start : start + BATCH])
            yield await asyncio.to_thread(_verify, query, texts)

    async def hits_of(
        self, query: CompiledQuery, article_ids: Sequence[int], *, lead: int | None = None
    ) -> list[Hit]:
        """These matching articles (still stored), highest id first, with their spans
        (worked out in a worker thread). ``lead``: only the first matches are wanted (an
        excerpt's, ``bot.services.excerpt_spans``), looked for in the text's first ``lead``
        characters before the whole, which spares analysing whole long articles."""
        if not article_ids:
            return []
        async with self.sessions() as session:
            texts = await ArchiveRepository(session).texts(article_ids)
        if lead is None:
            return await asyncio.to_thread(_verify, query, texts)
        accepted = await self._accepted_plainly(query)
        return await asyncio.to_thread(_first_spans, query, texts, lead, accepted)

    async def _accepted_plainly(self, query: CompiledQuery) -> tuple[list[str], list[str]]:
        """The archive's words a query of single words' positive words accept without a
        capital, and those they accept only with one (none for another query)."""
        plain = query.plain_words() or {}
        accepted: list[str] = []
        capitalised: list[str] = []
        async with self.sessions() as session:
            archive = ArchiveRepository(session)
            for word in plain.values():
                for f in await archive.words_under(word.keys):
                    if not f.word:
                        continue
                    if word.accepts(f.word, False):
                        accepted.append(f.word)
                    elif word.accepts(f.word, True):
                        capitalised.append(f.word)
        return accepted, capitalised

    async def lookup(self, query: CompiledQuery, since: datetime | None) -> Lookup:
        """What the index says before any article is read: the matches (exact) or the
        candidates to verify, of the period, highest id first."""
        found, bounded = await self._indexed(query, since)
        return await self._bounded(found, bounded, since)

    async def _bounded(self, found: Lookup, bounded: bool, since: datetime | None) -> Lookup:
        """``found`` narrowed to the period, unless it already is (``bounded``)."""
        if bounded or since is None:
            return found
        async with self.sessions() as session:
            ids = await ArchiveRepository(session).fetched_since(found.ids, since)
        return Lookup(ids, found.exact)

    async def _indexed(self, query: CompiledQuery, since: datetime | None) -> tuple[Lookup, bool]:
        """``lookup`` over the whole archive when the query's words answer it (the period
        is applied once, to their result, by the caller), or the fallback's candidates of
        the period; True when the period is applied."""
        words: dict[str, Found] = {}
        async with self.sessions() as session:
            archive = ArchiveRepository(session)
            for sig, word in query.query_words().items():
                filed = await archive.words_under(word.keys)
                accepted = [f.term for f in filed if f.word and word.accepts(f.word, f.capitalised)]
                unsure = [f.term for f in filed if not f.word]
                held = await archive.holding(accepted + unsure)
                words[sig] = Found(frozenset(held), not unsure)
            combined = query.combine(words)
            if combined is None:
                ids = await archive.candidates(query.required_keys(), since)
                return Lookup(ids, False), True
        return Lookup(sorted(combined.ids, reverse=True), combined.exact), False
