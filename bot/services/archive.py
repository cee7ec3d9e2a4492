"""Search over every stored article through the archive index: the answers alerting gives.

Rules:

- Candidates are the articles filed (``bot.storage.archive``) under one of the query's
  required keys (``CompiledQuery.required_keys``): every article the query matches holds
  one. Each candidate is verified by the compiled query (phrases, NEAR, NOT, typos), so a
  search finds exactly the articles a full scan, and alerting, would.
- The period is the articles first seen (``fetched_at``) at or after ``since``, as for
  ``bot.services.preview``; None is every stored article.
- Newest first: by id, the order articles were stored in.
- Candidates are read ``BATCH`` at a time, in short queries (no connection held meanwhile),
  and verified in a worker thread, so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.matching import CompiledQuery, Document, Span
from bot.storage.archive import ArchiveRepository
from bot.storage.db import SessionFactory
from bot.storage.scan import StoredText

BATCH = 500  # candidates read and verified at a time


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


class ArchiveSearch:
    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    async def count(self, query: CompiledQuery, since: datetime | None) -> int:
        """How many stored articles of the period the query matches."""
        total = 0
        async for hits in self.hits(query, since):
            total += len(hits)
        return total

    async def newest(
        self, query: CompiledQuery, since: datetime | None, *, limit: int, offset: int = 0
    ) -> list[Hit]:
        """The matching articles of the period, newest first, ``limit`` from ``offset``."""
        found: list[Hit] = []
        async for hits in self.hits(query, since):
            found.extend(hits)
            if len(found) >= offset + limit:
                break
        return found[offset : offset + limit]

    async def hits(self, query: CompiledQuery, since: datetime | None) -> AsyncIterator[list[Hit]]:
        """The matching articles of the period, a batch (a list of ``Hit``) at a time, newest
        first; a batch may be empty. Stop iterating when you have enough."""
        async with self.sessions() as session:
            ids = await ArchiveRepository(session).candidates(query.required_keys(), since)
        for start in range(0, len(ids), BATCH):
            async with self.sessions() as session:
                texts = await ArchiveRepository(session).texts(ids[start : start + BATCH])
            yield await asyncio.to_thread(_verify, query, texts)
