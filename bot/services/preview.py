"""What a query would have matched among the articles stored in the last days.

The matches come from the archive index (``bot.services.archive``): every article of the
period that the query matches, newest first, a batch at a time, verified off the event loop;
so a count is exact over exactly ``days`` (no cap on how many articles it looks at). The
whole count has a time budget (``seconds``), checked between batches: past it the preview is
cut, and says so (``complete`` False: "at least ``matched`` of the ``scanned`` newest
articles"); a count is never silently short.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from bot.clock import Clock
from bot.config import MatchingConfig
from bot.matching import CompiledQuery, Span
from bot.services.archive import ArchiveSearch
from bot.services.throttle import CommandGate, Throttle, Throttled
from bot.storage.db import STORAGE_FAILURES, SessionFactory
from bot.storage.scan import ArticleScan, StoredText

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
    stored: int  # articles stored in the period when the count began
    scanned: int  # the newest articles of the period the count has decided
    matched: int
    complete: bool  # False: the time budget stopped the count after ``scanned`` articles
    examples: list[Example] = field(default_factory=list)


class Previewer:
    """Counts with a time budget of ``seconds``, through ``gate`` (cooldown, concurrency)."""

    def __init__(
        self,
        sessions: SessionFactory,
        archive: ArchiveSearch,
        clock: Clock,
        gate: CommandGate,
        *,
        days: float,
        seconds: float,
    ) -> None:
        self.sessions = sessions
        self.archive = archive
        self.clock = clock
        self.gate = gate
        self.days = days
        self.seconds = seconds

    @classmethod
    def of(
        cls,
        sessions: SessionFactory,
        archive: ArchiveSearch,
        clock: Clock,
        matching: MatchingConfig,
    ) -> Previewer:
        """As the bot runs it, from the ``matching`` settings: nobody waits for a slot
        longer than one preview may take."""
        gate = CommandGate(
            clock,
            cooldown=matching.test_cooldown,
            concurrency=matching.test_concurrency,
            wait=matching.test_seconds,
        )
        return cls(
            sessions, archive, clock, gate, days=matching.test_days, seconds=matching.test_seconds
        )

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
        matched = 0
        shown: list[int] = []  # the first matches, shown as examples
        lowest: int | None = None  # the oldest match counted so far
        complete = False
        batches = aiter(self.archive.match_ids(query, since))
        while time.monotonic() < deadline:
            try:
                ids = await anext(batches)
            except StopAsyncIteration:
                complete = True
                break
            matched += len(ids)
            shown += ids[: examples - len(shown)]
            if ids:
                lowest = ids[-1]
        hits = await self.archive.hits_of(query, shown)
        found = [Example(hit.article, hit.spans) for hit in hits]
        if complete:
            scanned = stored
        elif lowest is None:
            scanned = 0
        else:
            # Every article of the period from the oldest match counted on was decided.
            async with self.sessions() as session:
                scanned = await ArticleScan(session).count_since(since, from_id=lowest)
        return Preview(query, self.days, stored, min(scanned, stored), matched, complete, found)
