"""Source health over loopback: backoff, Retry-After, max-age, permanent redirects, admins
told once when a source goes unhealthy and once when it recovers; article retention."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.metrics import Metrics
from bot.pipeline.retention import Retention, prune_articles, prune_notices
from bot.storage import db
from bot.storage.models import Article, OutboxItem, Source
from tests.support.fakes.feed_server import FeedServer, rss_feed
from tests.support.pipeline_world import ADMINS, pipeline_world

ITEM = {"title": "Un titre", "link": "https://f.example.ma/1", "guid": "1"}


async def test_unhealthy_after_n_errors_one_notice_each_way(
    database_url: str, feeds: FeedServer
) -> None:
    feeds.set("/f.xml", rss_feed("F", []))
    async with pipeline_world(database_url, unhealthy_after=3, max_backoff=3600) as world:
        source = (await world.sources.add(feeds.url("/f.xml"), "Le <Site>")).source
        feeds.set("/f.xml", "down", status=500, content_type="text/plain")
        delays = []
        for _ in range(5):
            now = world.clock.advance(1)
            await world.poller.poll(source.id)
            stored = await world.source(source.id)
            delays.append((stored.next_poll_at - now).total_seconds())
        assert delays == [600, 1200, 2400, 3600, 3600]
        assert stored.error_count == 5 and stored.last_error == "http: HTTP 500"
        assert stored.unhealthy_since is not None
        notices = await world.rows("notice")
        assert sorted(n.chat_id for n in notices) == sorted(ADMINS)  # once, not per poll
        payload = notices[0].payload
        assert payload is not None and payload["key"] == "notice_source_unhealthy"
        assert payload["params"] == {
            "id": str(source.id),
            "name": "Le &lt;Site&gt;",
            "errors": "3",
            "error": "http: HTTP 500",
        }
        assert all(n.article_id is None and n.status == "pending" for n in notices)

        feeds.set("/f.xml", rss_feed("F", []))
        await world.poller.poll(source.id)
        await world.poller.poll(source.id)
        stored = await world.source(source.id)
        assert stored.unhealthy_since is None and stored.error_count == 0
        keys = [n.payload["key"] for n in await world.rows("notice") if n.payload]
        assert keys.count("notice_source_recovered") == len(ADMINS)
        assert keys.count("notice_source_unhealthy") == len(ADMINS)


async def test_failures_are_stored_as_kind_and_reason_and_counted_by_kind(
    database_url: str, feeds: FeedServer
) -> None:
    feeds.set("/f.xml", rss_feed("F", []))
    page = (
        '<html><head><link rel="alternate" type="application/rss+xml" href="/f.xml">'
        "</head><body></body></html>"
    )
    feeds.set("/page.html", page, content_type="text/html")
    metrics = Metrics()
    async with pipeline_world(database_url, metrics=metrics) as world:
        polled = (await world.sources.add(feeds.url("/f.xml"))).source
        async with world.sessions() as session, session.begin():
            # Seeded from the config, never polled: its page names the other one's feed.
            twin = Source(
                url=feeds.url("/page.html"),
                feed_url=feeds.url("/page.html"),
                name="Twin",
                interval_seconds=600,
                next_poll_at=world.clock(),
                created_at=world.clock(),
            )
            session.add(twin)
        feeds.set("/f.xml", "down", status=500, content_type="text/plain")
        await world.poller.poll(polled.id)
        assert (await world.source(polled.id)).last_error == "http: HTTP 500"
        await world.poller.poll(twin.id)
        assert (await world.source(twin.id)).last_error == (
            f"parse: {feeds.url('/page.html')} links a feed but none could be read"
            f" ({feeds.url('/f.xml')}: HTTP 500)"
        )
        feeds.set("/f.xml", rss_feed("F", []))
        await world.poller.poll(twin.id)
        assert (await world.source(twin.id)).last_error == f"duplicate: same feed as #{polled.id}"

    def counted(kind: str) -> float | None:
        return metrics.registry.get_sample_value("rasd_fetch_errors_total", {"kind": kind})

    assert [counted(kind) for kind in ("http", "parse", "duplicate")] == [1.0, 1.0, 1.0]


async def test_retry_after_max_age_and_permanent_redirect_set_the_schedule(
    database_url: str, feeds: FeedServer
) -> None:
    feeds.set("/old.xml", rss_feed("F", []))
    async with pipeline_world(database_url, default_interval=60) as world:
        source = (await world.sources.add(feeds.url("/old.xml"))).source

        feeds.set("/old.xml", "busy", status=503, headers={"Retry-After": "900"})
        await world.poller.poll(source.id)
        stored = await world.source(source.id)
        assert stored.next_poll_at == world.clock() + timedelta(seconds=900)
        assert stored.last_error is not None and "503" in stored.last_error

        feeds.set("/new.xml", rss_feed("F", [ITEM]), headers={"Cache-Control": "max-age=1800"})
        feeds.redirect("/old.xml", feeds.url("/new.xml"), status=301)
        await world.poller.poll(source.id)
        stored = await world.source(source.id)
        assert stored.feed_url == feeds.url("/new.xml")
        assert stored.next_poll_at == world.clock() + timedelta(seconds=1800)
        assert stored.error_count == 0

        # An RSS <ttl> (minutes) asks for longer than the interval and max-age.
        with_ttl = rss_feed("F", [ITEM]).replace("<channel>", "<channel><ttl>45</ttl>")
        feeds.set("/new.xml", with_ttl, headers={"Cache-Control": "max-age=1800"})
        await world.poller.poll(source.id)
        stored = await world.source(source.id)
        assert stored.next_poll_at == world.clock() + timedelta(minutes=45)

        # A temporary redirect does not move the stored URL.
        feeds.set("/newer.xml", rss_feed("F", [ITEM]))
        feeds.redirect("/new.xml", feeds.url("/newer.xml"), status=302)
        await world.poller.poll(source.id)
        assert (await world.source(source.id)).feed_url == feeds.url("/new.xml")
        assert feeds.hits["/newer.xml"] == 1


async def test_retention_prunes_old_articles_but_keeps_those_still_to_be_sent(
    database_url: str, feeds: FeedServer
) -> None:
    items = [
        {"title": f"Article {n}", "link": f"https://f.example.ma/{n}", "guid": str(n)}
        for n in range(3)
    ]
    feeds.set("/f.xml", rss_feed("F", items))
    async with pipeline_world(database_url) as world:
        await world.sources.add(feeds.url("/f.xml"))
        await world.subscribe(2002, "Article")
        old, waiting, fresh = await world.articles()
        long_ago = world.clock() - timedelta(days=40)
        for article in (old, waiting):
            await world.update(Article, article.id, fetched_at=long_ago)
        async with world.sessions() as session, session.begin():
            for article, status in ((old, "sent"), (waiting, "pending")):
                session.add(
                    OutboxItem(
                        chat_id=2002,
                        article_id=article.id,
                        subscription_ids=[],
                        spans=[],
                        status=status,
                        next_attempt_at=long_ago,
                        created_at=long_ago,
                    )
                )

        pruned = await prune_articles(world.sessions, world.clock(), timedelta(days=30))
        assert pruned == 1
        assert [a.id for a in await world.articles()] == [waiting.id, fresh.id]
        async with world.sessions() as session:
            left = list(await session.scalars(select(OutboxItem.article_id)))
        assert left == [waiting.id]


async def test_retention_prunes_old_admin_notices_once_done(
    database_url: str, feeds: FeedServer
) -> None:
    feeds.set("/f.xml", rss_feed("F", []))
    async with pipeline_world(database_url) as world:
        await world.subscribe(2002, "Article")  # the chat the notices go to
        now = world.clock()
        long_ago, lately = now - timedelta(days=40), now - timedelta(days=2)
        cases = [
            ("old sent", long_ago, "sent"),
            ("old failed", long_ago, "failed"),
            ("old dropped", long_ago, "dropped"),
            ("old pending", long_ago, "pending"),  # still to go out: kept
            ("old sending", long_ago, "sending"),
            ("recent sent", lately, "sent"),  # within the retention: kept
        ]
        async with world.sessions() as session, session.begin():
            for name, created, status in cases:
                session.add(
                    OutboxItem(
                        chat_id=2002,
                        kind="notice",
                        payload={"key": "notice_source_recovered", "params": {"name": name}},
                        subscription_ids=[],
                        spans=[],
                        status=status,
                        next_attempt_at=created,
                        created_at=created,
                    )
                )

        assert await Retention(world.sessions, 30, world.clock).run() == 0  # no article
        async with world.sessions() as session:
            left = list(await session.scalars(select(OutboxItem.payload)))
        names = sorted(str(p["params"]) for p in left if p)
        assert names == [
            str({"name": "old pending"}),
            str({"name": "old sending"}),
            str({"name": "recent sent"}),
        ]
        assert await prune_notices(world.sessions, now, timedelta(days=30)) == 0
        assert await prune_notices(world.sessions, now, timedelta(days=1)) == 1


async def test_a_poll_the_database_cannot_take_is_polled_again_and_is_not_the_sources_failure(
    tmp_path: Path,
    feeds: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(db, "SQLITE_BUSY_MS", 300)  # not 30 s of waiting in a test
    path = tmp_path / "rasd.sqlite3"
    feeds.set("/f.xml", rss_feed("F", [ITEM]))
    async with pipeline_world(f"sqlite+aiosqlite:///{path}") as world:
        source = (await world.sources.add(feeds.url("/f.xml"), "F")).source
        fresh = {"title": "Un autre titre", "link": "https://f.example.ma/2", "guid": "2"}
        body = rss_feed("F", [fresh, ITEM])
        world.clock.advance(601)

        # Once the poll has claimed its source, another program takes SQLite's write lock
        # and keeps it past the poller's wait, while the poll would be stored and while its
        # failure would be recorded.
        locker = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)

        async def locked_then_answered(request: web.Request) -> web.Response:
            await asyncio.to_thread(locker.execute, "BEGIN IMMEDIATE")
            return web.Response(text=body, content_type="application/rss+xml")

        feeds.set_handler("/f.xml", locked_then_answered)
        caplog.set_level(logging.WARNING)
        try:
            assert await world.poller.tick() == 1
            await world.poller.wait_idle()
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        feeds.set("/f.xml", body)
        assert [a.url for a in await world.articles()] == [ITEM["link"]]
        assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
        assert f"source {source.id}: not stored, the database could not take it" in caplog.text
        stored = await world.source(source.id)
        assert stored.error_count == 0 and stored.last_error is None  # not the source's fault

        # Its lease lapses, and the next round stores what it brought: nothing was lost.
        world.clock.advance(61)
        assert await world.poller.tick() == 1
        await world.poller.wait_idle()
        assert sorted(a.url for a in await world.articles()) == [ITEM["link"], fresh["link"]]
        stored = await world.source(source.id)
        assert stored.error_count == 0 and stored.lease_owner is None
