"""kill -9 the real application (``python -m bot run`` in a subprocess) at bad moments and
check that, after a restart, every alert arrived exactly once.

The subprocess talks to FakeTelegram and FeedServer running in the test's event loop; the
test steers it through those servers (holding a request, holding the feed) and through the
database, never by sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.storage.db import SessionFactory, create_engine, migrate, session_factory
from bot.storage.models import Article, Chat, OutboxItem, Source, Subscription
from tests.support.e2e import TOKEN
from tests.support.fakes.feed_server import FeedItem, FeedServer, rss_feed
from tests.support.fakes.telegram_api import FakeTelegram
from tests.support.processes import ROOT, AppProcess, wait_until

pytestmark = pytest.mark.alone  # times itself or runs processes: see scripts/test.sh

FEED = "/crash.xml"
PROBES = Path(__file__).resolve().parents[1] / "support" / "probes"
CHATS = [7001, 7002, 7003, 7004]
PAST = datetime.now(UTC) - timedelta(days=1)


def write_config(path: Path, database: Path, telegram: FakeTelegram) -> Path:
    path.write_text(
        f"""
admins = []
language = "en"
timezone = "UTC"

[telegram]
token = "{TOKEN}"
api_base = "{telegram.base_url}"
polling_timeout = 1

[database]
url = "sqlite+aiosqlite:///{database}"

[polling]
min_interval = 0.1
default_interval = 0.2
tick = 0.05
fetch_timeout = 5
allow_private_addresses = true

[delivery]
tick = 0.05
per_chat_interval = 0
messages_per_second = 200
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
async def world(
    tmp_path: Path, telegram: FakeTelegram, feeds: FeedServer
) -> AsyncIterator[tuple[SessionFactory, AppProcess, Path]]:
    database = tmp_path / "rasd.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await migrate(engine)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        session.add(
            Source(
                id=1,
                url=feeds.url(FEED),
                feed_url=feeds.url(FEED),
                name="Crash Test",
                interval_seconds=0.2,
                next_poll_at=PAST + timedelta(days=2),  # not polled unless a test says so
                last_success_at=PAST,
                created_at=PAST,
            )
        )
        for chat_id in CHATS:
            session.add(Chat(id=chat_id, title="", language="en", created_at=PAST))
            session.add(Subscription(chat_id=chat_id, query="Akhannouch", created_at=PAST))
    app = AppProcess(write_config(tmp_path / "config.toml", database, telegram), tmp_path / "log")
    try:
        yield sessions, app, tmp_path / "log"
    finally:
        await app.stop()
        await engine.dispose()


async def statuses(sessions: SessionFactory) -> Counter[str]:
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
        )
        return Counter({str(status): int(count) for status, count in rows.all()})


def alerts_by_chat_and_article(telegram: FakeTelegram) -> Counter[tuple[int, str]]:
    counts: Counter[tuple[int, str]] = Counter()
    for message in telegram.sent:
        for word in message.text.split('"'):
            if word.startswith("https://news.example.ma/"):
                counts[(message.chat_id, word)] += 1
    return counts


async def test_kill_during_a_send_resends_only_what_was_not_recorded(
    world: tuple[SessionFactory, AppProcess, Path], telegram: FakeTelegram
) -> None:
    sessions, app, log = world
    per_chat = 5
    async with sessions() as session, session.begin():
        for number in range(per_chat):
            article = Article(
                source_id=1,
                guid=f"a{number}",
                url=f"https://news.example.ma/a{number}",
                title=f"Akhannouch {number}",
                summary="Aziz Akhannouch.",
                published_at=PAST,
                fetched_at=PAST,
            )
            session.add(article)
            await session.flush()
            for chat_id in CHATS:
                session.add(
                    OutboxItem(
                        chat_id=chat_id,
                        article_id=article.id,
                        subscription_ids=[CHATS.index(chat_id) + 1],
                        spans=[],
                        status="pending",
                        next_attempt_at=PAST,
                        created_at=PAST,
                    )
                )
    total = per_chat * len(CHATS)
    delivered_first = 7
    telegram.hold_after("sendMessage", delivered_first)
    await app.start()

    # The 8th send is held at the server; the first 7 were answered.
    await telegram.wait_for_call("sendMessage", count=delivered_first + 1, timeout=30)

    async def first_ones_recorded() -> bool:
        return (await statuses(sessions))["sent"] == delivered_first

    await wait_until(first_ones_recorded, "the answered sends are recorded")
    await app.kill()
    telegram.drop_held("sendMessage")  # the killed process never gets an answer
    in_flight = (await statuses(sessions))["sending"]
    assert in_flight >= 1, log.read_text()
    assert len(telegram.sent) == delivered_first

    await app.start()
    await telegram.wait_for_messages(total, timeout=30)

    async def all_sent() -> bool:
        return (await statuses(sessions))["sent"] == total

    await wait_until(all_sent, "every row sent")
    counts = alerts_by_chat_and_article(telegram)
    assert len(counts) == total and set(counts.values()) == {1}, counts
    # Each unanswered request was a row left 'sending'; a row marked 'sending' may also have
    # been killed before its request reached the server (the mark is committed first).
    assert 1 <= len(telegram.dropped_calls) <= in_flight


NEW_ITEMS: list[FeedItem] = [
    {
        "title": f"Akhannouch annonce le plan {number}",
        "link": f"https://news.example.ma/plan-{number}",
        "guid": f"plan-{number}",
        "description": "Aziz Akhannouch a présenté le plan.",
        "published": datetime.now(UTC),
    }
    for number in range(2)
]


def held_feed(feeds: FeedServer) -> tuple[asyncio.Event, asyncio.Event]:
    """Serve FEED only when ``release`` is set; ``asked`` is set when a poll is waiting."""
    asked, release = asyncio.Event(), asyncio.Event()
    body = rss_feed("Crash Test", NEW_ITEMS)

    async def handler(request: web.Request) -> web.StreamResponse:
        asked.set()
        await release.wait()
        return web.Response(body=body.encode(), content_type="application/rss+xml")

    feeds.set_handler(FEED, handler)
    return asked, release


async def make_source_due(sessions: SessionFactory) -> None:
    async with sessions() as session, session.begin():
        source = await session.get(Source, 1)
        assert source is not None
        source.next_poll_at = PAST


async def restart_and_check_once(
    sessions: SessionFactory, app: AppProcess, telegram: FakeTelegram, feeds: FeedServer
) -> None:
    expected = len(NEW_ITEMS) * len(CHATS)
    await app.start()
    await telegram.wait_for_messages(expected, timeout=30)
    hits = feeds.hits[FEED]
    await feeds.wait_for_hits(FEED, hits + 3, timeout=30)  # later polls add nothing

    async def all_sent() -> bool:
        return (await statuses(sessions)) == Counter({"sent": expected})

    await wait_until(all_sent, "every alert sent once")
    counts = alerts_by_chat_and_article(telegram)
    assert len(counts) == expected and set(counts.values()) == {1}, counts


async def test_kill_during_a_poll_loses_nothing(
    world: tuple[SessionFactory, AppProcess, Path],
    telegram: FakeTelegram,
    feeds: FeedServer,
) -> None:
    sessions, app, _ = world
    asked, release = held_feed(feeds)
    await make_source_due(sessions)
    await app.start()
    await asyncio.wait_for(asked.wait(), 30)  # the app's poll reached the feed
    await app.kill()  # mid-poll: the feed request is still waiting for its answer
    release.set()
    assert await statuses(sessions) == Counter()
    feeds.set(FEED, rss_feed("Crash Test", NEW_ITEMS))
    await restart_and_check_once(sessions, app, telegram, feeds)


async def test_kill_while_ingest_waits_on_a_database_write(
    world: tuple[SessionFactory, AppProcess, Path],
    telegram: FakeTelegram,
    feeds: FeedServer,
    tmp_path: Path,
) -> None:
    sessions, app, _ = world
    probe = tmp_path / "write-probe"
    app.env = {"PYTHONPATH": f"{PROBES}{os.pathsep}{ROOT}", "CRASH_WRITE_PROBE": str(probe)}
    asked, release = held_feed(feeds)
    await make_source_due(sessions)
    await app.start()
    await asyncio.wait_for(asked.wait(), 30)  # the app's poll reached the feed
    # Take SQLite's write lock, then let the poll go on: the transaction that stores its
    # articles asks for the lock and waits (its turn among the process's writers, some of
    # them waiting at SQLite behind this test, then busy_timeout); the child's probe says so
    # (tests/support/probes/sitecustomize.py), and only then is it killed.
    blocker = sqlite3.connect(tmp_path / "rasd.sqlite3", isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        release.set()

        async def waiting_for_the_lock() -> bool:
            return probe.exists()

        await wait_until(waiting_for_the_lock, "the poll's write asks for the write lock")
        await app.kill()
        blocker.execute("ROLLBACK")
    finally:
        with contextlib.suppress(sqlite3.Error):
            blocker.close()
    assert len(probe.read_text(encoding="utf-8").splitlines()) == 1
    app.env = {}
    assert await statuses(sessions) == Counter()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Article)) == 0
    feeds.set(FEED, rss_feed("Crash Test", NEW_ITEMS))
    await restart_and_check_once(sessions, app, telegram, feeds)


async def test_the_one_duplicate_window_is_between_the_answer_and_the_commit(
    world: tuple[SessionFactory, AppProcess, Path],
    telegram: FakeTelegram,
    tmp_path: Path,
) -> None:
    """The documented window, shown: Telegram accepted the message and the process died
    before recording it; after the restart that one alert arrives a second time."""
    sessions, app, _ = world
    async with sessions() as session, session.begin():
        article = Article(
            source_id=1,
            guid="w",
            url="https://news.example.ma/window",
            title="Akhannouch window",
            summary="Aziz Akhannouch.",
            published_at=PAST,
            fetched_at=PAST,
        )
        session.add(article)
        await session.flush()
        session.add(
            OutboxItem(
                chat_id=CHATS[0],
                article_id=article.id,
                subscription_ids=[1],
                spans=[],
                status="pending",
                next_attempt_at=PAST,
                created_at=PAST,
            )
        )
    telegram.hold_after("sendMessage", 0)
    await app.start()
    await telegram.wait_for_call("sendMessage", timeout=30)  # claimed, request under way
    blocker = sqlite3.connect(tmp_path / "rasd.sqlite3", isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # the app cannot record 'sent' now
        telegram.release("sendMessage")
        await telegram.wait_for_messages(1)  # Telegram accepted it
        await app.kill()
        blocker.execute("ROLLBACK")
    finally:
        blocker.close()
    assert await statuses(sessions) == Counter({"sending": 1})

    await app.start()
    await telegram.wait_for_messages(2, timeout=30)

    async def recorded() -> bool:
        return await statuses(sessions) == Counter({"sent": 1})

    await wait_until(recorded, "the resent alert is recorded")
    assert alerts_by_chat_and_article(telegram) == Counter(
        {(CHATS[0], "https://news.example.ma/window"): 2}
    )
