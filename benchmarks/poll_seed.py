"""The database a polling round starts from, written by another process.

`seed_database` migrates a fresh SQLite file and stores the farm's sources as already
polled once, and, for a steady round, every feed's previous version as an earlier round
would have (same guid, URL and title key as ingest gives them, filed in the archive
index), in bulk.  `poll_round` runs it in a child interpreter (`seed_in_child`), so that
the peak memory it measures is the bot's (start, load, round), not that of writing 36,000
articles at once: seeding in the measuring process raised its peak from about 100 MB to
430 MB by itself.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta

from sqlalchemy import insert, select

from benchmarks.feed_farm import FeedSpec, feed_items
from bot.alerts.stories import title_key
from bot.clock import utc_now
from bot.matching import AnalyzedDocument, Document
from bot.sources.urls import canonical_url
from bot.storage.archive import ArchiveRepository
from bot.storage.archive_terms import terms_of
from bot.storage.db import SessionFactory, create_engine, migrate, session_factory
from bot.storage.models import Article, Source


async def _seed_articles(sessions: SessionFactory, specs: list[FeedSpec]) -> int:
    now = utc_now()
    rows: list[dict[str, object]] = []
    for source_id, spec in enumerate(specs, start=1):
        if spec.behaviour == "broken":
            continue
        for item in feed_items(spec, now, 0):
            rows.append(
                {
                    "source_id": source_id,
                    "guid": item.guid,
                    "url": canonical_url(item.link),
                    "title": item.title,
                    "summary": f"{item.first} {item.second}",
                    "published_at": item.published,
                    "fetched_at": now - timedelta(minutes=30),
                    "title_key": title_key(item.title),
                }
            )
    async with sessions() as session, session.begin():
        for start in range(0, len(rows), 5000):
            await session.execute(insert(Article), rows[start : start + 5000])
        ids = dict((await session.execute(select(Article.guid, Article.id))).all())
        for start in range(0, len(rows), 5000):
            await ArchiveRepository(session).add(
                {
                    ids[str(row["guid"])]: terms_of(
                        AnalyzedDocument(Document(str(row["title"]), str(row["summary"])))
                    )
                    for row in rows[start : start + 5000]
                }
            )
    return len(rows)


async def _seed_sources(sessions: SessionFactory, specs: list[FeedSpec], port: int) -> None:
    now = utc_now()
    async with sessions() as session, session.begin():
        for spec in specs:
            url = f"http://{spec.host}:{port}/rss.xml"
            session.add(
                Source(
                    url=url,
                    feed_url=url,
                    name=f"Outlet {spec.index}",
                    interval_seconds=600,
                    etag=spec.etag,  # from the earlier poll
                    next_poll_at=now - timedelta(seconds=1),
                    last_success_at=now - timedelta(hours=1),
                    created_at=now - timedelta(days=1),
                    kind="feed",
                )
            )


async def _seed(url: str, specs: list[FeedSpec], port: int, steady: bool) -> int:
    engine = create_engine(url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        await _seed_sources(sessions, specs, port)
        return await _seed_articles(sessions, specs) if steady else 0
    finally:
        await engine.dispose()


def seed_database(url: str, specs: list[FeedSpec], port: int, steady: bool) -> int:
    """Migrate the database at `url` and seed it (see the module documentation); the
    number of articles stored."""
    return asyncio.run(_seed(url, specs, port, steady))


async def seed_in_child(url: str, specs: list[FeedSpec], port: int, steady: bool) -> int:
    """`seed_database` in a fresh interpreter (spawned, not forked from this process)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, seed_database, url, specs, port, steady)
