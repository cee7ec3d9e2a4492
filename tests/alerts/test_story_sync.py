"""Story indexes of several pollers on one database (``StoryIndex(window, Topology.SHARED)``,
``load_stories``/``sync_stories``), a rolled-back write, and ``Poller.prepare``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import AccessPolicy
from bot.alerts.index import SubscriptionIndex
from bot.alerts.ingest import IngestResult, ingest
from bot.alerts.stories import StoryEntry, StoryIndex, title_key
from bot.alerts.story_sync import load_stories, sync_stories
from bot.matching import QueryLimits
from bot.sources.model import ParsedEntry
from bot.storage.db import SessionFactory, create_engine, migrate, session_factory
from bot.storage.models import Article, Source
from bot.topology import Topology
from tests.support.pipeline_world import pipeline_world

WINDOW = timedelta(hours=24)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TITLE = "Le Roi préside un Conseil des ministres consacré au projet de loi de finances"
COPY = "Le Roi préside un Conseil des ministres consacré au projet de loi de finances | Le360"
OTHER = "Séisme de magnitude 5 ressenti dans la région d'Al Haouz"


def _source(source_id: int, url: str, at: datetime = NOW) -> Source:
    return Source(
        id=source_id,
        url=url,
        feed_url=url,
        name=f"Outlet {source_id}",
        interval_seconds=600,
        next_poll_at=at,
        created_at=at,
    )


@dataclass
class Process:
    """What one poller process holds: its engine's sessions and its story index."""

    sessions: SessionFactory
    stories: StoryIndex

    async def store(self, source_id: int, title: str, url: str, *, at: datetime = NOW) -> int:
        async with self.sessions() as session, session.begin():
            result = await ingest(
                session,
                source_id=source_id,
                entries=[ParsedEntry(url, url, title, "", at)],
                index=SubscriptionIndex(QueryLimits(300, 20)),
                access=AccessPolicy(mode="open", admins=frozenset(), allowed=frozenset()),
                now=at,
                alert=True,
                max_age=None,
                stories=self.stories,
                outlet=f"source {source_id}",
            )
        assert result == IngestResult(1, 0)
        return await self.article_id(url)

    async def article_id(self, url: str) -> int:
        async with self.sessions() as session:
            found = await session.scalar(select(Article.id).where(Article.url == url))
        assert found is not None
        return found

    async def story_of(self, url: str) -> int | None:
        async with self.sessions() as session:
            return await session.scalar(select(Article.story_id).where(Article.url == url))


@pytest.fixture
async def two(database_url: str) -> AsyncIterator[tuple[Process, Process]]:
    """Two poller processes (an engine and a shared story index each) on one database, with
    sources 1 and 2."""
    engines = [create_engine(database_url), create_engine(database_url)]
    await migrate(engines[0])
    a, b = (Process(session_factory(e), StoryIndex(WINDOW, Topology.SHARED)) for e in engines)
    async with a.sessions() as session, session.begin():
        for number in (1, 2):
            url = f"https://outlet{number}.example/rss.xml"
            session.add(_source(number, url))
    try:
        yield a, b
    finally:
        for engine in engines:
            await engine.dispose()


async def _load(process: Process, at: datetime = NOW) -> None:
    async with process.sessions() as session:
        await load_stories(session, process.stories, at)


async def test_a_copy_stored_by_another_process_is_grouped(two: tuple[Process, Process]) -> None:
    a, b = two
    await _load(a)
    await _load(b)
    first = await b.store(1, TITLE, "https://outlet1.example/roi-conseil")
    # A loaded before B stored it: A's next write syncs it in and groups the copy.
    await a.store(2, COPY, "https://outlet2.example/conseil-ministres")
    assert await a.story_of("https://outlet2.example/conseil-ministres") == first
    assert len(a.stories) == 2
    # And the other way round: B learns A's article (and its story) at its next sync.
    await b.store(2, OTHER, "https://outlet2.example/seisme")
    assert len(b.stories) == 3


async def test_a_non_shared_index_does_not_look_at_other_writers(
    database_url: str, two: tuple[Process, Process]
) -> None:
    a, b = two
    alone = Process(a.sessions, StoryIndex(WINDOW, Topology.ALONE))  # SQLite: one process
    await _load(alone)
    await b.store(1, TITLE, "https://outlet1.example/roi-conseil")
    await alone.store(2, COPY, "https://outlet2.example/conseil-ministres")
    assert await alone.story_of("https://outlet2.example/conseil-ministres") is None


async def test_an_id_below_the_mark_seen_later_is_picked_up(two: tuple[Process, Process]) -> None:
    """Another process's transaction that took an id early but committed late: the mark
    has passed the id, which is asked for again (a gap) until it shows up."""
    a, _ = two
    await _load(a)
    later, earlier = 1000, 998
    await _insert(a.sessions, later, 1, "Un autre sujet sans rapport avec le conseil", "u/1000")
    async with a.sessions() as session:
        assert await sync_stories(session, a.stories, NOW) == 1
    after, gaps = a.stories.unsynced()
    assert after == later and earlier in gaps and 999 in gaps
    # The late transaction commits; the next sync finds it below the mark.
    await _insert(a.sessions, earlier, 1, TITLE, "u/998")
    async with a.sessions() as session:
        assert await sync_stories(session, a.stories, NOW) == 1
    assert earlier not in a.stories.unsynced()[1]
    assert [c.article_id for c in a.stories.candidates(title_key(COPY), NOW)] == [earlier]
    # Gaps are given up after GAP_SECONDS.
    async with a.sessions() as session:
        await sync_stories(session, a.stories, NOW + timedelta(seconds=StoryIndex.GAP_SECONDS + 1))
    assert a.stories.unsynced() == (later, [])


async def test_a_late_commit_on_postgresql_is_picked_up(postgres_url: str) -> None:
    """The same with real concurrent transactions: an id taken by an open transaction while
    another commits a higher one."""
    engine = create_engine(postgres_url)
    await migrate(engine)
    sessions = session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            session.add(_source(1, "u"))
        watcher = StoryIndex(WINDOW, Topology.SHARED)
        async with sessions() as session:
            await load_stories(session, watcher, NOW)
        async with sessions() as slow, slow.begin():
            early = await _insert_in(slow, 1, TITLE, "u/early")
            late = await _insert(sessions, None, 1, OTHER, "u/late")
            assert late > early
            async with sessions() as session:
                assert await sync_stories(session, watcher, NOW) == 1  # not the open one
            assert early in watcher.unsynced()[1]
        async with sessions() as session:
            assert await sync_stories(session, watcher, NOW) == 1
        assert watcher.unsynced() == (late, [])
        assert [c.article_id for c in watcher.candidates(title_key(COPY), NOW)] == [early]
    finally:
        await engine.dispose()


async def _insert_in(
    session: AsyncSession, source_id: int, title: str, url: str, at: datetime = NOW
) -> int:
    row = {
        "source_id": source_id,
        "guid": url,
        "url": url,
        "title": title,
        "summary": "",
        "fetched_at": at,
        "title_key": title_key(title),
    }
    return int((await session.execute(insert(Article).returning(Article.id), [row])).scalar_one())


async def _insert(
    sessions: SessionFactory,
    article_id: int | None,
    source_id: int,
    title: str,
    url: str,
    at: datetime = NOW,
) -> int:
    async with sessions() as session, session.begin():
        if article_id is None:
            return await _insert_in(session, source_id, title, url, at)
        await session.execute(
            insert(Article).values(
                id=article_id,
                source_id=source_id,
                guid=url,
                url=url,
                title=title,
                summary="",
                fetched_at=NOW,
                title_key=title_key(title),
            )
        )
        return article_id


def test_entries_added_in_a_block_that_fails_are_forgotten() -> None:
    stories = StoryIndex(WINDOW, Topology.SHARED)
    stories.load([StoryEntry(1, 1, title_key(TITLE), NOW)], last_id=1)
    with pytest.raises(RuntimeError), stories.tentative():
        stories.add(StoryEntry(2, 1, title_key(COPY), NOW))
        stories.merge([StoryEntry(3, 3, title_key(OTHER), NOW)], NOW)  # stored by others
        raise RuntimeError("the transaction rolled back")
    assert len(stories) == 2
    assert [c.article_id for c in stories.candidates(title_key(COPY), NOW)] == [1]
    assert [c.article_id for c in stories.candidates(title_key(OTHER), NOW)] == [3]
    with stories.tentative():
        stories.add(StoryEntry(4, 1, title_key(COPY), NOW))
    assert {c.article_id for c in stories.candidates(title_key(COPY), NOW)} == {1, 4}


async def test_prepare_loads_the_story_index_once(database_url: str) -> None:
    async with pipeline_world(database_url) as world:
        now = world.clock()
        async with world.sessions() as session, session.begin():
            session.add(_source(1, "u", now))
        await _insert(world.sessions, None, 1, TITLE, "u/recent", now)
        async with world.sessions() as session, session.begin():
            session.add(
                Article(
                    source_id=1,
                    guid="u/old",
                    url="u/old",
                    title=OTHER,
                    summary="",
                    fetched_at=now - timedelta(hours=world.config.story_window_hours + 1),
                    title_key=title_key(OTHER),
                )
            )
        assert not world.poller.stories.loaded
        assert await world.poller.prepare() == 1  # the old one is outside the window
        assert world.poller.stories.loaded
        await _insert(world.sessions, None, 1, COPY, "u/copy", now)
        assert await world.poller.prepare() == 1  # loaded already: not read again
