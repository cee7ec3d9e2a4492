"""What a query would have matched among the articles stored in the last days.

Every article of the period is looked at, newest first, in batches: each batch is read in a
short query (no connection held meanwhile) and matched in a worker thread, so the event loop
keeps serving deliveries and other people's commands. The whole scan has a time budget
(``seconds``): past it the preview is cut, and says so (``complete`` False: "at least
``matched`` of the ``scanned`` articles checked"); a count is never silently short.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import timedelta

from bot.clock import Clock
from bot.matching import CompiledQuery, Document, Span
from bot.services.throttle import CommandGate, Throttle, Throttled
from bot.storage.db import STORAGE_FAILURES, SessionFactory
from bot.storage.scan import ArticleScan, StoredText

BATCH = 500  # articles read and matched at a time
# The count under a new subscription must not hold its answer up: it gets at most this many
# seconds (or the whole budget if shorter) and no wait for a slot.
QUICK_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Example:
    article: StoredText
    spans: list[Span]

    @property
    def source_name(self) -> str:
        return self.article.source_name


@dataclass(frozen=True, slots=True)
class Preview:
    query: CompiledQuery
    days: float
    stored: int  # articles stored in the period when the scan began
    scanned: int
    matched: int
    complete: bool  # False: the time budget stopped the scan after ``scanned`` articles
    examples: list[Example] = field(default_factory=list)


@dataclass(slots=True)
class _Tally:
    scanned: int = 0
    matched: int = 0
    examples: list[Example] = field(default_factory=list)


def _match_batch(
    query: CompiledQuery, texts: list[StoredText], deadline: float, tally: _Tally, want: int
) -> bool:
    """Match ``texts`` into ``tally`` (in a worker thread); False if the deadline came first."""
    for article in texts:
        if time.monotonic() >= deadline:
            return False
        spans = query.match(Document(title=article.title, text=article.body or article.summary))
        tally.scanned += 1
        if spans is None:
            continue
        tally.matched += 1
        if len(tally.examples) < want:
            tally.examples.append(Example(article, spans))
    return True


class Previewer:
    """Scans with a time budget of ``seconds``, through ``gate`` (cooldown, concurrency)."""

    def __init__(
        self,
        sessions: SessionFactory,
        clock: Clock,
        gate: CommandGate,
        *,
        days: float,
        seconds: float,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.gate = gate
        self.days = days
        self.seconds = seconds

    async def run(
        self, query: CompiledQuery, *, person: int, examples: int, quick: bool
    ) -> Preview:
        """Raises Throttled when ``person`` must wait or the bot is too busy (a database
        too busy to read from included). ``quick``: within ``QUICK_SECONDS``, and only if a
        slot is free now (the count under a new subscription)."""
        seconds = min(self.seconds, QUICK_SECONDS) if quick else self.seconds
        async with self.gate.enter(person, wait=not quick):
            try:
                return await self.scan(query, examples=examples, seconds=seconds)
            except STORAGE_FAILURES:
                raise Throttled(Throttle.BUSY, seconds) from None

    async def scan(self, query: CompiledQuery, *, examples: int, seconds: float) -> Preview:
        """The preview within ``seconds``, without the gate."""
        deadline = time.monotonic() + seconds
        since = self.clock() - timedelta(days=self.days)
        async with self.sessions() as session:
            stored = await ArticleScan(session).count_since(since)
        tally = _Tally()
        below: int | None = None
        complete = False
        while time.monotonic() < deadline:
            async with self.sessions() as session:
                texts = await ArticleScan(session).batch(since, below, BATCH)
            if not texts:
                complete = True
                break
            finished = await asyncio.to_thread(
                _match_batch, query, texts, deadline, tally, examples
            )
            if not finished:
                break
            if len(texts) < BATCH:
                complete = True
                break
            below = texts[-1].id
        return Preview(
            query,
            self.days,
            stored,
            tally.scanned,
            tally.matched,
            complete,
            tally.examples,
        )
