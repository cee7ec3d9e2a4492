"""Crowds and long work: every command is answered and its effect saved, and no command
freezes the bot (the real application against FakeTelegram, on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import functools
import re
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from bot.app import App
from bot.matching import AnalyzedDocument, Document
from bot.storage import db
from bot.storage.archive import ArchiveRepository
from bot.storage.archive_terms import ArticleTerms, terms_of
from bot.storage.models import Article, Source, Subscription
from tests.support.e2e import FEED, OLD, USER, Apps, counted, make_settings, say
from tests.support.fakes.feed_server import FeedServer, rss_feed
from tests.support.fakes.telegram_api import FakeTelegram
from tests.support.parsing import LAG, LoopLag

pytestmark = pytest.mark.alone  # times itself or runs processes: see scripts/test.sh

BODY = (
    "Le conseil de gouvernement a examiné plusieurs projets de décrets relatifs à la réforme "
    "de l'administration territoriale et à la gestion des ressources hydriques. "
) * 4


async def store_articles(app: App, count: int, *, body: str = BODY) -> None:
    """``count`` articles fetched in the last days; every second one names Retailleau."""
    now = app.clock()
    async with app.sessions() as session, session.begin():
        source_id = await session.scalar(select(Source.id).order_by(Source.id).limit(1))
        rows = [
            {
                "source_id": source_id,
                "guid": f"archive-{i}",
                "url": f"https://archive.example.ma/{i}",
                "title": f"Article {i}: " + ("Bruno Retailleau à Rabat" if i % 2 else "Rabat"),
                "summary": "",
                "body": body + f" Numéro {i}.",
                "published_at": now,
                "fetched_at": now - timedelta(minutes=i % 5000),
                "title_key": "",
            }
            for i in range(count)
        ]
        for start in range(0, count, 1000):
            await session.execute(insert(Article), rows[start : start + 1000])
        # Filed in the archive index as ingest files them: /test counts through it.
        guids = await session.execute(
            select(Article.guid, Article.id).where(Article.guid.like("archive-%"))
        )
        ids = dict(guids.all())
        await ArchiveRepository(session).add({ids[row["guid"]]: archive_terms(row) for row in rows})


@functools.cache
def _shared_terms(title: str, body: str) -> ArticleTerms:
    return terms_of(AnalyzedDocument(Document(title=title, text=body)))


def archive_terms(row: dict[str, Any]) -> ArticleTerms:
    """The row's archive terms, as ingest makes them. The rows differ only by their
    number, and an article's terms are its words: the rest is analysed once."""
    number = row["guid"].removeprefix("archive-")
    shared = _shared_terms(row["title"].replace(number, ""), row["body"].replace(number, ""))
    own = terms_of(AnalyzedDocument(Document(title=number, text="")))
    return ArticleTerms(shared.terms | own.terms, {})


async def subscriptions_saved(app: App) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Subscription)) or 0)


async def test_a_crowd_subscribing_at_once_is_all_saved_and_answered(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    app = await apps(make_settings(database_url, telegram, feeds))
    await store_articles(app, 3000)
    crowd = [50_000 + n for n in range(120)]
    for user in crowd:
        telegram.add_message("/subscribe Retailleau", user_id=user)

    replies = await telegram.wait_for_messages(
        len(crowd), predicate=lambda m: m.chat_id in crowd, timeout=180
    )
    assert {m.chat_id for m in replies} == set(crowd)
    for reply in replies:
        assert "Subscribed (#1)" in reply.text, reply.text
        # Counted, or told why not: never silent, never a wrong count.
        final = await counted(telegram, reply, timeout=180)
        assert "Subscribed (#1)" in final, final
        assert (
            "1,500 of the articles stored in the last 7 days match it" in final
            or "At least" in final
            or "not counted" in final
        ), final
    assert await subscriptions_saved(app) == len(crowd)


async def test_the_loop_keeps_serving_while_test_scans_a_big_archive(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    matching = {"test_cooldown": 0, "test_seconds": 120}
    app = await apps(make_settings(database_url, telegram, feeds, matching=matching))
    # About 2 KB of text each: matching all 6,000 on the loop took over 3 s of CPU here.
    await store_articles(app, 6000, body=BODY * 3)

    with LoopLag() as lag:
        reply = await say(telegram, USER, "/test Retailleau", replies=1)
    # Every article of the period is counted: 3000, past the 5,000 articles once read.
    assert "3,000 of the articles stored in the last 7 days match it" in reply.text
    # Matching them took seconds of CPU; the loop never waited anywhere near that long.
    assert lag.worst < LAG, f"the event loop was blocked for {lag.worst:.2f} s"


async def test_a_count_cut_by_its_time_budget_says_so_and_the_subscription_is_saved(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    matching = {"test_cooldown": 0, "test_seconds": 0.05}
    app = await apps(make_settings(database_url, telegram, feeds, matching=matching))
    await store_articles(app, 4000)

    # A phrase: its candidates are read and verified one by one (a single name is counted
    # from the index alone, well within even this budget).
    tried = await say(telegram, USER, '/test "Bruno Retailleau"')
    found = re.search(
        r"At least (\d+) of the (\d+) newest articles match(?:es)? it; (\d+) were", tried.text
    )
    assert found is not None, tried.text
    matched, scanned, stored = map(int, found.groups())
    assert matched <= scanned < stored and stored >= 4000  # the feed's own article too, maybe
    subscribed = await counted(telegram, await say(telegram, USER, '/subscribe "Bruno Retailleau"'))
    assert "Subscribed (#1)" in subscribed and "At least" in subscribed
    assert await subscriptions_saved(app) == 1


async def test_cooldown_and_a_full_bot_are_answered_clearly(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    matching = {"test_cooldown": 600, "test_seconds": 0.5, "test_concurrency": 1}
    app = await apps(make_settings(database_url, telegram, feeds, matching=matching))

    assert "of the articles stored" in (await say(telegram, USER, "/test Macron")).text
    again = await say(telegram, USER, "/test Retailleau")
    assert "One /test at a time: try again in" in again.text
    # Subscribing during the cooldown is saved; only the count is skipped.
    subscribed = await counted(telegram, await say(telegram, USER, "/subscribe Retailleau"))
    assert "Subscribed (#1)" in subscribed and "not counted" in subscribed

    # Every slot taken (here by the test itself): others are told the bot is busy.
    gate = app.subscriptions.previewer.gate
    async with gate.enter(-1):
        assert "Too many /test" in (await say(telegram, 4004, "/test Macron")).text
        busy = await counted(telegram, await say(telegram, 4005, "/subscribe Macron"), timeout=30)
        assert "Subscribed (#1)" in busy and "the bot is busy" in busy
    assert "of the articles stored" in (await say(telegram, 4006, "/test Macron")).text
    assert await subscriptions_saved(app) == 2


async def test_a_command_the_database_cannot_take_is_answered_as_not_saved(
    tmp_path: Path,
    telegram: FakeTelegram,
    feeds: FeedServer,
    apps: Apps,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(db, "SQLITE_BUSY_MS", 300)  # not 30 s of waiting in a test
    path = tmp_path / "rasd.sqlite3"
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    app = await apps(make_settings(f"sqlite+aiosqlite:///{path}", telegram, feeds))
    await say(telegram, USER, "/help")  # the chat is known: only the subscription writes
    app.scheduler.pause()  # no poll or drain starting meanwhile

    # Another program holding the write lock; taken off the loop, which must keep running
    # for a write of the bot's under way to finish and free the lock first.
    locker = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
    await asyncio.to_thread(locker.execute, "BEGIN IMMEDIATE")
    try:
        reply = await say(telegram, USER, "/subscribe Macron")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert "could not save this: nothing was changed" in reply.text
    assert await subscriptions_saved(app) == 0
    assert "Subscribed (#1)" in (await say(telegram, USER, "/subscribe Macron")).text
