"""Group commit: polls that finish while a write is under way are stored together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from bot.alerts.ingest import IngestResult
from bot.pipeline.poller import Poller
from bot.pipeline.reading import PollRead
from bot.sources.fetch import FetchResult
from bot.sources.model import ParsedEntry
from bot.sources.read import SourceRead
from bot.storage.models import Article, Source
from tests.support.fakes.feed_server import FeedServer
from tests.support.pipeline_world import World, pipeline_world

SOURCES = 4


def _rss(number: int) -> str:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>S</title>'
        f"<link>https://s{number}.example/</link><item><title>Story {number}</title>"
        f"<link>https://s{number}.example/a/1</link><guid>https://s{number}.example/a/1</guid>"
        "<description>Rabat</description></item>"
        # The same article in every feed: stored once, by the first poll of the batch.
        "<item><title>Shared</title><link>https://wire.example/shared</link>"
        "<guid>https://wire.example/shared</guid></item></channel></rss>"
    )


@pytest.fixture
async def world(database_url: str, feeds: FeedServer) -> AsyncIterator[World]:
    async with pipeline_world(database_url, concurrency=SOURCES) as made:
        async with made.sessions() as session, session.begin():
            for number in range(SOURCES):
                feeds.set(f"/s{number}.xml", _rss(number))
                url = feeds.url(f"/s{number}.xml")
                session.add(
                    Source(
                        url=url,
                        feed_url=url,
                        name=f"S{number}",
                        interval_seconds=600,
                        next_poll_at=made.clock(),
                        last_success_at=made.clock() - timedelta(hours=1),
                        created_at=made.clock(),
                    )
                )
        yield made


async def _until_waiting(poller: Poller, count: int) -> None:
    async with asyncio.timeout(10):
        while poller.writer.waiting < count:  # noqa: ASYNC110 - no event to wait on
            await asyncio.sleep(0.01)


def _commits(world: World) -> list[int]:
    engine = world.sessions.kw["bind"]
    commits: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda _connection: commits.append(1))
    return commits


async def test_polls_waiting_for_the_write_lock_are_stored_in_one_transaction(
    world: World,
) -> None:
    poller = world.poller
    async with poller.write_lock:  # a write under way
        assert await poller.tick() == SOURCES
        await _until_waiting(poller, SOURCES)
        commits = _commits(world)
    await poller.wait_idle()
    assert len(commits) == 1
    articles = await world.articles()
    assert sorted(a.url for a in articles) == sorted(
        [f"https://s{n}.example/a/1" for n in range(SOURCES)] + ["https://wire.example/shared"]
    )
    async with world.sessions() as session:
        sources = list(await session.scalars(select(Source)))
    assert {(s.lease_owner, s.last_success_at, s.error_count) for s in sources} == {
        (None, world.clock(), 0)
    }
    assert all(s.next_poll_at == world.clock() + timedelta(seconds=600) for s in sources)


async def test_a_poll_that_fails_to_store_does_not_fail_the_others(world: World) -> None:
    poller = world.poller
    async with world.sessions() as session:
        ids = list(await session.scalars(select(Source.id).order_by(Source.id)))
    fetched = FetchResult("https://x.example/", 200, b"", "application/rss+xml", None, "e1", None)

    def outcome(source_id: int, published: object) -> PollRead:
        url = f"https://x.example/{source_id}"
        entry = ParsedEntry(url, url, f"Title {source_id}", "", published)  # type: ignore[arg-type]
        read = SourceRead(fetched, [entry], "X", None)
        return PollRead(
            source_id=source_id,
            name=f"S{source_id}",
            read=read,
            kind="feed",
            poll_url=url,
            selector=None,
            pages={},
            alert=True,
            first=False,
            known=frozenset(),
            matches=None,
        )

    bad = ids[1]
    async with poller.write_lock:
        stores = [
            asyncio.create_task(
                poller.writer.store(outcome(i, "not a date" if i == bad else world.clock()))
            )
            for i in ids
        ]
        await _until_waiting(poller, len(ids))
    results = await asyncio.gather(*stores, return_exceptions=True)
    assert isinstance(results[1], TypeError)
    assert [r for i, r in zip(ids, results, strict=True) if i != bad] == [IngestResult(1, 0)] * (
        len(ids) - 1
    )
    async with world.sessions() as session:
        stored = set(await session.scalars(select(Article.source_id)))
        failed = await session.get(Source, bad)
    assert stored == set(ids) - {bad}
    assert failed is not None and failed.etag is None  # nothing of the failed poll was kept
    # The story index forgot nothing that was stored, and holds nothing that was not.
    assert len(poller.stories) == len(ids) - 1
