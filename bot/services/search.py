"""/search: the stored articles a query matches, newest first, a page at a time.

Rules:

- The query is compiled as /subscribe and /test compile it (the admins' aliases included),
  and the archive (``bot.services.archive``) finds exactly what alerting would.
- A search whose answer has more than one page is saved (chat, query text, period start,
  its newest match, when made: ``bot.storage.searches``), so its page buttons keep working
  after a restart. Each page is counted and read again among the matches up to that newest
  one: articles stored since are left out, so pages do not shift while someone pages
  through them (those pruned since are gone). A search pruned by retention,
  of another chat, or whose query no longer compiles, is gone (None).
- Every run has a time budget (``seconds``), checked between batches of matches: past it
  the answer is cut and says so (``complete`` False: "at least ``total``"), never silently
  short. Runs go through ``gate`` (one at a time per person, a limit in the whole bot); a
  database too busy to read raises Throttled (BUSY), as for /test.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from bot.alerts.index import SubscriptionIndex
from bot.archive.period import Period
from bot.clock import Clock
from bot.config import MatchingConfig
from bot.matching import CompiledQuery, QueryError
from bot.services.archive import ArchiveSearch, Hit
from bot.services.throttle import CommandGate, Throttle, Throttled
from bot.storage.db import STORAGE_FAILURES, SessionFactory
from bot.storage.models import SavedSearch
from bot.storage.searches import SearchRepository

PAGE = 10  # articles on a page


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: CompiledQuery
    period: Period | None  # None: every stored article
    search_id: int | None  # the saved search its buttons name; None: one page, not saved
    page: int  # from 0
    total: int  # the matches counted
    complete: bool  # False: the time budget cut the count at ``total``
    hits: list[Hit]  # this page's, newest first

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE))

    @property
    def has_next(self) -> bool:
        return (self.page + 1) * PAGE < self.total


@dataclass(frozen=True, slots=True)
class _Counted:
    total: int
    complete: bool
    page: int
    hits: list[Hit]
    newest: int | None  # the newest match's id


def period_of(search: SavedSearch) -> Period | None:
    """The period a saved search was made with (its start is kept, not its name)."""
    if search.since is None:
        return None
    span = search.created_at - search.since
    return min(Period, key=lambda period: abs(period.span - span))


class SearchService:
    def __init__(
        self,
        sessions: SessionFactory,
        archive: ArchiveSearch,
        index: SubscriptionIndex,
        clock: Clock,
        gate: CommandGate,
        *,
        seconds: float,
    ) -> None:
        self.sessions = sessions
        self.archive = archive
        self.index = index
        self.clock = clock
        self.gate = gate
        self.seconds = seconds

    @classmethod
    def of(
        cls,
        sessions: SessionFactory,
        archive: ArchiveSearch,
        index: SubscriptionIndex,
        clock: Clock,
        matching: MatchingConfig,
    ) -> SearchService:
        """As the bot runs it, from the ``matching`` settings: the /test budget and as many
        slots as /test, of its own; no cooldown (page buttons are pressed in a row), one
        at a time per person."""
        gate = CommandGate(
            clock, cooldown=0, concurrency=matching.test_concurrency, wait=matching.test_seconds
        )
        return cls(sessions, archive, index, clock, gate, seconds=matching.test_seconds)

    async def search(
        self, chat_id: int, text: str, period: Period | None, *, person: int
    ) -> SearchPage:
        """The first page of ``text``'s matches in ``period``, for ``chat_id``. Raises
        QueryError (user-facing) and Throttled."""
        query = self.index.compile(text)
        now = self.clock()
        since = None if period is None else now - period.span
        counted = await self._run(query, since, 0, person, None)
        search_id = None
        if counted.total > PAGE and counted.newest is not None:
            async with self.sessions() as session, session.begin():
                saved = await SearchRepository(session).add(
                    chat_id, text, since, counted.newest, now
                )
                search_id = saved.id
        return SearchPage(
            query, period, search_id, 0, counted.total, counted.complete, counted.hits
        )

    async def page(
        self, search_id: int, page: int, *, chat_id: int, person: int
    ) -> SearchPage | None:
        """Page ``page`` of a saved search, shown in ``chat_id`` (the last page when fewer
        remain); None when the search is gone. Raises Throttled."""
        async with self.sessions() as session:
            saved = await SearchRepository(session).get(search_id)
        if saved is None or saved.chat_id != chat_id:
            return None
        try:
            query = self.index.compile(saved.query)
        except QueryError:
            return None
        counted = await self._run(query, saved.since, max(0, page), person, saved.newest_id)
        return SearchPage(
            query,
            period_of(saved),
            saved.id,
            counted.page,
            counted.total,
            counted.complete,
            counted.hits,
        )

    async def _run(
        self,
        query: CompiledQuery,
        since: datetime | None,
        page: int,
        person: int,
        newest: int | None,
    ) -> _Counted:
        async with self.gate.enter(person):
            try:
                return await self._count(query, since, page, newest)
            except STORAGE_FAILURES:
                raise Throttled(Throttle.BUSY, self.seconds) from None

    async def _count(
        self, query: CompiledQuery, since: datetime | None, page: int, newest: int | None
    ) -> _Counted:
        """Every match (up to ``newest``, if given) counted within the budget, keeping page
        ``page``'s (or, if there are fewer pages, the last one's)."""
        deadline = time.monotonic() + self.seconds
        total = 0
        wanted: list[int] = []
        last: list[int] = []  # the matches of the last page begun
        first: int | None = None
        complete = False
        batches = aiter(self.archive.match_ids(query, since))
        while time.monotonic() < deadline:
            try:
                ids = await anext(batches)
            except StopAsyncIteration:
                complete = True
                break
            for article_id in ids:
                if newest is not None and article_id > newest:
                    continue  # stored since the search was made
                if first is None:
                    first = article_id
                if total % PAGE == 0:
                    last = []
                last.append(article_id)
                if total // PAGE == page:
                    wanted.append(article_id)
                total += 1
        if wanted or total == 0:
            hits = await self.archive.hits_of(query, wanted)
            return _Counted(total, complete, page, hits, first)
        shown = (total - 1) // PAGE
        return _Counted(total, complete, shown, await self.archive.hits_of(query, last), first)
