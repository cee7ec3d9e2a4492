"""/search and /test over the archive index, on the real database: counts over exactly the
period (no cap), newest first, pages, saved searches (another chat's, pruned), and a time
budget that cuts the count and says so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import OperationalError

from bot.alerts.index import SubscriptionIndex
from bot.archive.period import Period
from bot.matching import CompiledQuery, QueryLimits
from bot.pipeline.retention import prune_searches
from bot.services.archive import BATCH, ArchiveSearch, Hit
from bot.services.preview import Previewer
from bot.services.search import PAGE, SearchService
from bot.services.throttle import CommandGate, Throttle, Throttled
from bot.storage.db import SessionFactory
from tests.support.archive_store import store_aged

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
CHAT = 4242
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def clock() -> datetime:
    return NOW


def gate() -> CommandGate:
    return CommandGate(clock, cooldown=0, concurrency=2, wait=5)


class SlowArchive(ArchiveSearch):
    """The real archive, taking longer over each batch than any budget here."""

    async def match_ids(
        self, query: CompiledQuery, since: datetime | None
    ) -> AsyncIterator[list[int]]:
        async for batch in super().match_ids(query, since):
            await asyncio.sleep(0.3)
            yield batch


class LockedArchive(ArchiveSearch):
    """The archive of a database that cannot be read (locked, unreachable)."""

    async def match_ids(
        self, query: CompiledQuery, since: datetime | None
    ) -> AsyncIterator[list[int]]:
        raise OperationalError("SELECT", {}, Exception("database is locked"))
        yield []  # an async generator, as the real one


def searcher(
    sessions: SessionFactory, archive: ArchiveSearch | None = None, *, seconds: float = 30
) -> SearchService:
    archive = archive or ArchiveSearch(sessions)
    index = SubscriptionIndex(QueryLimits(300, 20))
    return SearchService(sessions, archive, index, clock, gate(), seconds=seconds)


def titles(hits: list[Hit]) -> list[str]:
    return [hit.article.title for hit in hits]


async def test_a_search_counts_every_match_newest_first_a_page_at_a_time(
    sessions: SessionFactory,
) -> None:
    await store_aged(
        sessions,
        [(f"Benkirane {n}", "Rabat.", 2 * DAY) for n in range(5)]
        + [
            (f"Akhannouch {n} à Rabat", "Le chef du gouvernement.", (30 - n) * HOUR)
            for n in range(23)
        ],
        now=NOW,
    )
    search = searcher(sessions)
    first = await search.search(CHAT, "Akhannouch", None, person=1)
    assert (first.total, first.complete, first.pages, first.has_next) == (23, True, 3, True)
    assert titles(first.hits) == [f"Akhannouch {n} à Rabat" for n in range(22, 12, -1)]
    assert first.search_id is not None
    last = await search.page(first.search_id, 2, chat_id=CHAT, person=1)
    assert last is not None and titles(last.hits) == [f"Akhannouch {n} à Rabat" for n in (2, 1, 0)]
    assert (last.page, last.total, last.has_next) == (2, 23, False)
    # A page past the end (fewer matches since) shows the last one.
    beyond = await search.page(first.search_id, 7, chat_id=CHAT, person=1)
    assert beyond is not None and (beyond.page, len(beyond.hits)) == (2, 3)
    middle = await search.page(first.search_id, 1, chat_id=CHAT, person=1)
    assert middle is not None and len(middle.hits) == PAGE and middle.has_next

    # Periods: first seen in the last 24 hours, 7 days, or ever.
    day = await search.search(CHAT, "Akhannouch", Period.DAY, person=1)
    assert (day.total, day.period) == (17, Period.DAY) and day.search_id is not None
    assert titles(day.hits)[-1] == "Akhannouch 13 à Rabat"
    assert (await search.search(CHAT, "Benkirane", Period.DAY, person=1)).total == 0
    week = await search.search(CHAT, "Benkirane OR Akhannouch", Period.WEEK, person=1)
    assert week.total == 28
    # One page: nothing saved, no buttons.
    single = await search.search(CHAT, "Benkirane", Period.MONTH, person=1)
    assert (single.total, single.search_id, single.has_next) == (5, None, False)


async def test_a_saved_search_is_its_chats_until_retention_prunes_it(
    sessions: SessionFactory,
) -> None:
    await store_aged(sessions, [(f"Akhannouch {n}", "", 3 * DAY) for n in range(PAGE + 1)], now=NOW)
    search = searcher(sessions)
    made = await search.search(CHAT, "Akhannouch", Period.WEEK, person=1)
    assert made.search_id is not None and made.total == PAGE + 1
    again = await search.page(made.search_id, 1, chat_id=CHAT, person=2)
    assert again is not None and again.period is Period.WEEK and again.total == PAGE + 1
    assert await search.page(made.search_id, 1, chat_id=CHAT + 1, person=1) is None
    assert await prune_searches(sessions, NOW + timedelta(days=29), timedelta(days=30)) == 0
    assert await search.page(made.search_id, 0, chat_id=CHAT, person=1) is not None
    assert await prune_searches(sessions, NOW + timedelta(days=31), timedelta(days=30)) == 1
    assert await search.page(made.search_id, 0, chat_id=CHAT, person=1) is None


async def test_counts_have_no_cap_and_a_cut_count_says_at_least(
    sessions: SessionFactory,
) -> None:
    many = 2 * BATCH + 200  # the matches come a batch at a time: every batch is counted
    await store_aged(
        sessions,
        [(f"Akhannouch à Rabat {n}", "Conseil de gouvernement.", DAY) for n in range(many)]
        + [(f"Akhannouch {n}", "Plus ancien.", 10 * DAY) for n in range(30)],
        now=NOW,
    )
    query = SubscriptionIndex(QueryLimits(300, 20)).compile("Akhannouch")
    archive = ArchiveSearch(sessions)
    previewer = Previewer(sessions, archive, clock, gate(), days=7, seconds=30)
    counted = await previewer.scan(query, examples=3, seconds=30)
    assert (counted.matched, counted.stored, counted.complete) == (many, many, True)
    assert [e.article.title for e in counted.examples] == [
        f"Akhannouch à Rabat {n}" for n in (many - 1, many - 2, many - 3)
    ]
    everything = await searcher(sessions).search(CHAT, "Akhannouch", None, person=1)
    assert (everything.total, everything.complete) == (many + 30, True)

    # Past the budget: what was counted, said to be a lower bound, never silently short.
    slow = SlowArchive(sessions)
    cut = await Previewer(sessions, slow, clock, gate(), days=7, seconds=0.1).scan(
        query, examples=3, seconds=0.1
    )
    assert (cut.matched, cut.scanned, cut.stored, cut.complete) == (BATCH, BATCH, many, False)
    assert len(cut.examples) == 3
    partial = await searcher(sessions, slow, seconds=0.1).search(CHAT, "Akhannouch", None, person=1)
    assert (partial.total, partial.complete, len(partial.hits)) == (BATCH, False, PAGE)
    assert partial.search_id is not None and partial.has_next


async def test_a_database_that_cannot_be_read_makes_the_bot_busy_not_a_wrong_answer(
    sessions: SessionFactory,
) -> None:
    locked = LockedArchive(sessions)
    with pytest.raises(Throttled) as searched:
        await searcher(sessions, locked).search(CHAT, "Akhannouch", None, person=1)
    assert searched.value.reason is Throttle.BUSY
    query = SubscriptionIndex(QueryLimits(300, 20)).compile("Akhannouch")
    previewer = Previewer(sessions, locked, clock, gate(), days=7, seconds=5)
    with pytest.raises(Throttled) as tested:
        await previewer.run(query, person=1, examples=3, quick=False)
    assert tested.value.reason is Throttle.BUSY


async def test_pages_do_not_shift_when_new_matches_arrive(sessions: SessionFactory) -> None:
    """A saved search's pages are those of the matches when it was made: an article stored
    meanwhile would push every page down by one, showing a headline twice."""
    await store_aged(
        sessions, [(f"Akhannouch {n}", "", (30 - n) * HOUR) for n in range(PAGE + 5)], now=NOW
    )
    search = searcher(sessions)
    first = await search.search(CHAT, "Akhannouch", None, person=1)
    assert first.search_id is not None and first.total == PAGE + 5
    await store_aged(sessions, [("Akhannouch, du nouveau", "", HOUR // 2)], now=NOW)
    second = await search.page(first.search_id, 1, chat_id=CHAT, person=1)
    assert second is not None and second.total == PAGE + 5
    assert titles(second.hits) == [f"Akhannouch {n}" for n in range(4, -1, -1)]
    again = await search.page(first.search_id, 0, chat_id=CHAT, person=1)
    assert again is not None and titles(again.hits) == titles(first.hits)
    # A new search sees the new article.
    assert (await search.search(CHAT, "Akhannouch", None, person=1)).total == PAGE + 6
