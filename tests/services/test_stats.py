"""``/stats``: every figure against a seeded database (SQLite and PostgreSQL), the rendering in
three languages and its split into messages, and the command end to end through the bot."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.access import AccessPolicy
from bot.alerts.split import visible_length
from bot.i18n.bidi import FSI, PDI
from bot.services.chats import ChatService
from bot.services.stats import (
    Activity,
    DeliveryStats,
    Lag,
    Problem,
    SourceCounts,
    Stats,
    StatsService,
    UserStats,
    percentile,
)
from bot.services.subscriptions import MUTED_FOREVER
from bot.storage.articles import ArticleRepository
from bot.storage.db import SessionFactory
from bot.storage.models import Article, Chat, OutboxItem, Source, Worker
from bot.storage.outbox import OutboxRepository
from bot.storage.sources import SourceRepository
from bot.storage.subscriptions import SubscriptionRepository
from bot.telegram.views.stats import pack, render_sections, render_stats
from tests.support.e2e import ADMIN, FEED, Apps, make_settings, say
from tests.support.e2e import USER as E2E_USER
from tests.support.fakes.feed_server import FeedServer, rss_feed
from tests.support.fakes.telegram_api import FakeTelegram

T0 = datetime(2026, 11, 29, 10, 20, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def chat_service(sessions: SessionFactory) -> ChatService:
    access = AccessPolicy(mode="open", admins=frozenset(), allowed=frozenset())
    return ChatService(sessions, access, lambda: T0 - HOUR, "en")


async def seed_chats(sessions: SessionFactory) -> None:
    """Private: 101 active, 102 paused, 103 unreachable; groups: -200 active, -300 paused
    (a supergroup); channels: -400 active, -500 paused and unreachable (counts unreachable)."""
    chats = chat_service(sessions)
    for chat_id, kind in [
        (101, "private"),
        (102, "private"),
        (103, "private"),
        (-200, "group"),
        (-300, "supergroup"),
        (-400, "channel"),
        (-500, "channel"),
    ]:
        await chats.register(chat_id, title=f"chat {chat_id}", language="en", kind=kind)
    for chat_id in (102, -300, -500):
        await chats.set_paused(chat_id, True)
    async with sessions() as session, session.begin():
        for chat_id in (103, -500):  # as the deliverer marks a chat Telegram says is gone
            chat = await session.get(Chat, chat_id)
            assert chat is not None
            chat.blocked = True


async def seed_subscriptions(sessions: SessionFactory) -> None:
    """Four subscriptions: muted for an hour more, muted until unmuted, a mute that ended a
    minute ago, never muted."""
    async with sessions() as session, session.begin():
        repo = SubscriptionRepository(session)
        for query, muted_until in [
            ("Akhannouch", T0 + HOUR),
            ("Laftit", MUTED_FOREVER),
            ("Bourita", T0 - MINUTE),
            ("الهجرة", None),
        ]:
            subscription = await repo.add(101, query, T0 - 2 * HOUR)
            subscription.muted_until = muted_until


async def seed_sources(sessions: SessionFactory) -> int:
    """Sources in every state; returns the id of a healthy one."""
    async with sessions() as session, session.begin():
        repo = SourceRepository(session)

        async def add(name: str) -> Source:
            return await repo.add(
                url=f"https://{name}.example.ma/",
                feed_url=f"https://{name}.example.ma/rss",
                name=name,
                interval=600,
                now=T0 - 2 * timedelta(days=1),
            )

        healthy = await add("healthy")
        healthy.polled_ok(T0 - 5 * MINUTE, None, None)
        also_healthy = await add("also-healthy")
        also_healthy.polled_ok(T0 - 7 * MINUTE, None, None)
        failing = await add("failing")
        failing.polled_ok(T0 - HOUR, None, None)
        failing.error_count, failing.last_error = 2, "timeout: timed out after 20s"
        unhealthy = await add("unhealthy")
        unhealthy.error_count, unhealthy.unhealthy_since = 5, T0 - HOUR
        paused = await add("paused")  # paused wins over unhealthy
        paused.paused, paused.error_count, paused.unhealthy_since = True, 7, T0 - 3 * HOUR
        await add("never")
        return healthy.id


async def seed_articles(sessions: SessionFactory, source_id: int) -> list[int]:
    """Six articles: three in the last hour (one exactly an hour old), two more in the last
    day, one older."""
    ages = [10 * MINUTE, 59 * MINUTE, HOUR, 2 * HOUR, 23 * HOUR, timedelta(days=3)]
    ids = []
    async with sessions() as session, session.begin():
        repo = ArticleRepository(session)
        for number, age in enumerate(ages):
            article = await repo.add(
                Article(
                    source_id=source_id,
                    guid=f"g{number}",
                    url=f"https://healthy.example.ma/{number}",
                    title=f"Article {number}",
                    summary="",
                    published_at=T0 - age,
                    fetched_at=T0 - age,
                )
            )
            ids.append(article.id)
    return ids


async def seed_outbox(sessions: SessionFactory, article_ids: list[int]) -> None:
    """Alerts (and two notices) in every state, each as
    ``(created ago, status, sent ago or due in, last error)``."""
    alerts: list[tuple[timedelta, str, timedelta | None, str | None]] = [
        (50 * MINUTE, "sent", 49 * MINUTE, None),  # 60 s lag
        (40 * MINUTE, "sent", 40 * MINUTE - timedelta(seconds=10), None),  # 10 s
        (30 * MINUTE, "sent", 25 * MINUTE, None),  # 300 s
        (2 * HOUR, "sent", 30 * MINUTE, None),  # held for a digest: 5,400 s
        (5 * HOUR, "sent", 4 * HOUR, None),  # sent in the last day, not the last hour
        (10 * MINUTE, "pending", -10 * MINUTE, None),  # due for 10 min: the oldest due
        (3 * HOUR, "pending", -2 * MINUTE, None),  # a retry, due for 2 min
        (20 * MINUTE, "pending", HOUR, None),  # held (quiet hours): not due
        (timedelta(days=2), "dropped", None, "chat paused"),
        (15 * MINUTE, "sending", None, None),
        (3 * HOUR, "parked", None, "Bad Request: chat not found"),
    ]
    notices: list[tuple[timedelta, str, timedelta | None, str | None]] = [
        (5 * MINUTE, "sent", 4 * MINUTE, None),
        (20 * MINUTE, "failed", None, "TelegramNetworkError: timeout"),
    ]
    chats = [101, 102, 103, -200, -300, -400, -500]
    async with sessions() as session, session.begin():
        outbox = OutboxRepository(session)
        for number, (created, *_) in enumerate(alerts):
            await outbox.queue(
                chat_id=chats[number % len(chats)],
                thread_id=0,
                kind="alert",
                now=T0 - created,
                article_id=article_ids[number // len(chats)],
            )
        for created, *_ in notices:
            await outbox.queue(
                chat_id=101,
                thread_id=0,
                kind="notice",
                now=T0 - created,
                payload={"key": "stats_title", "params": {}},
            )
        await session.flush()
        rows = await session.scalars(select(OutboxItem).order_by(OutboxItem.id))
        for row, (_, status, when, error) in zip(rows, alerts + notices, strict=True):
            row.status, row.last_error = status, error
            if status == "sent":
                assert when is not None
                row.sent_at = T0 - when
            elif status == "pending":
                assert when is not None
                row.next_attempt_at = T0 + when


async def seed_workers(sessions: SessionFactory) -> None:
    """Heartbeats: two pollers and one all-in-one alive, one deliverer alive at the edge of
    the window, one deliverer gone."""
    async with sessions() as session, session.begin():
        for worker_id, role, seen in [
            ("a", "poller", timedelta(seconds=30)),
            ("b", "poller", MINUTE),
            ("c", "deliverer", 2 * MINUTE),
            ("d", "deliverer", 5 * MINUTE),
            ("e", "all", timedelta(seconds=1)),
        ]:
            session.add(
                Worker(
                    id=worker_id,
                    role=role,
                    host="box",
                    pid=1,
                    started_at=T0 - HOUR,
                    seen_at=T0 - seen,
                )
            )


async def test_every_figure_of_a_seeded_database(sessions: SessionFactory) -> None:
    await seed_chats(sessions)
    await seed_subscriptions(sessions)
    source_id = await seed_sources(sessions)
    article_ids = await seed_articles(sessions, source_id)
    await seed_outbox(sessions, article_ids)
    await seed_workers(sessions)

    stats = await StatsService(sessions).collect(T0)

    assert stats.users == UserStats(
        private=3,
        groups=2,
        channels=2,
        active=3,
        paused=2,
        blocked=2,
        subscriptions=4,
        muted=2,
    )
    assert stats.users.chats == 7
    assert stats.sources == SourceCounts(
        healthy=2, failing=1, unhealthy=1, paused=1, never_polled=1
    )
    assert stats.sources.total == 6
    assert stats.activity == Activity(
        articles_hour=3,
        articles_day=5,
        articles_total=6,
        alerts_queued_hour=6,  # created 50, 40, 30, 10, 20 and 15 minutes ago
        alerts_queued_day=10,  # and 2, 5, 3 and 3 hours ago (not the one of two days ago)
        alerts_sent_hour=4,
        alerts_sent_day=5,
    )
    # Lags of the last hour's alerts: 10 s, 60 s, 300 s, 5,400 s (held for a digest).
    assert stats.lag == Lag(
        oldest_due=10 * MINUTE,
        median=timedelta(seconds=60),
        p95=timedelta(seconds=5400),
    )
    delivery = stats.delivery
    assert (delivery.due, delivery.held, delivery.sending) == (2, 1, 1)
    # Messages of every kind: the five sent alerts and a notice sent 4 minutes ago.
    assert (delivery.sent_hour, delivery.sent_day, delivery.sent_total) == (5, 6, 6)
    assert (delivery.parked, delivery.failed, delivery.dropped) == (1, 1, 1)
    assert [(p.chat_id, p.error) for p in delivery.parked_items] == [
        (-200, "Bad Request: chat not found")
    ]
    assert [(p.chat_id, p.error) for p in delivery.failed_items] == [
        (101, "TelegramNetworkError: timeout")
    ]
    assert stats.workers == {"all": 1, "deliverer": 1, "poller": 2}

    # A second later the deliverer at the edge of the window is no longer alive.
    assert (await StatsService(sessions).collect(T0 + timedelta(seconds=1))).workers == {
        "all": 1,
        "poller": 2,
    }
    # 12 minutes later: the alert sent 49 minutes ago has left the last hour, the oldest due
    # row has waited 12 minutes more, and no heartbeat is recent (every process is gone).
    later = await StatsService(sessions).collect(T0 + 12 * MINUTE)
    assert later.activity.alerts_sent_hour == 3
    assert later.lag.oldest_due == 22 * MINUTE
    assert later.workers == {}
    assert "Alive (heartbeat within 2 min): 0\n" in "\n".join(render_stats("en", later))


async def test_an_empty_database(sessions: SessionFactory) -> None:
    stats = await StatsService(sessions).collect(T0)
    assert stats.users == UserStats(0, 0, 0, 0, 0, 0, 0, 0)
    assert stats.sources.total == 0
    assert stats.activity == Activity(0, 0, 0, 0, 0, 0, 0)
    assert stats.lag == Lag(None, None, None)
    assert stats.workers is None  # no heartbeat ever written: one process
    text = "\n".join(render_stats("en", stats))
    assert "Queued → sent: no alert sent in the last hour" in text
    assert "Oldest due message" not in text
    assert "One process (no heartbeat recorded)" in text


def test_percentile_is_the_nearest_rank() -> None:
    assert percentile([4.0], 0.5) == percentile([4.0], 0.95) == 4.0
    assert percentile([1.0, 2.0], 0.5) == 1.0
    assert percentile([float(n) for n in range(1, 21)], 0.95) == 19.0
    assert percentile([float(n) for n in range(1, 101)], 0.95) == 95.0
    assert percentile([float(n) for n in range(1, 102)], 0.5) == 51.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


def sample(parked: int = 1, failed: int = 1, error: str = "Bad Request: <b> & co") -> Stats:
    return Stats(
        users=UserStats(
            private=12000,
            groups=3,
            channels=1,
            active=11990,
            paused=10,
            blocked=4,
            subscriptions=40,
            muted=5,
        ),
        sources=SourceCounts(healthy=100, failing=5, unhealthy=3, paused=2, never_polled=10),
        activity=Activity(300, 5000, 80000, 30, 400, 28, 390),
        delivery=DeliveryStats(
            due=3,
            held=12,
            sending=1,
            sent_hour=31,
            sent_day=402,
            sent_total=9000,
            parked=parked,
            failed=failed,
            dropped=2,
            parked_items=[Problem(n + 1, -1001234, error) for n in range(parked)],
            failed_items=[Problem(n + 100, 5001, error) for n in range(failed)],
        ),
        lag=Lag(
            oldest_due=timedelta(seconds=150),
            median=timedelta(seconds=4.24),
            p95=timedelta(minutes=100),
        ),
        workers={"all": 1, "poller": 2, "mystery<x>": 1},
    )


def test_rendering_in_english() -> None:
    [message] = render_stats("en", sample())
    assert message.split("\n\n")[0].splitlines() == [
        "<b>Users</b>",
        "Chats: 12,004",
        "private 12,000 · groups 3 · channels 1",
        "active 11,990 · paused 10 · unreachable 4",
        "Subscriptions: 40 (muted: 5)",
    ]
    for line in [
        "<b>Sources</b>: 120",
        "✅ healthy 100 · ⚠️ failing 5 · ⛔ unhealthy 3 · ⏸ paused 2 · ⏳ never polled 10",
        "Articles stored: 300 in the last hour, 5,000 in the last day, 80,000 in all",
        "Alerts queued: 30 in the last hour, 400 in the last day",
        "Alerts sent: 28 in the last hour, 390 in the last day",
        "Queued → sent (last hour's alerts): median 4.2 s, 95% within 1.7 h",
        "Outbox: 3 due now · 12 held (digest, quiet hours, retry) · 1 being sent",
        "Oldest due message: waiting for 2 min past its due time",
        "Sent: 31 in the last hour, 402 in the last day, 9,000 in all (alerts and notices)",
        "Parked: 1 · failed: 1 · dropped: 2",
        "Alive (heartbeat within 2 min): 4 · all-in-one 1 · poller 2 · mystery&lt;x&gt; 1",
        "#1 → chat -1001234: Bad Request: &lt;b&gt; &amp; co",
        "#100 → chat 5001: Bad Request: &lt;b&gt; &amp; co",
    ]:
        assert line in message.splitlines()


def test_rendering_in_french_and_arabic() -> None:
    [french] = render_stats("fr", sample())
    assert "Discussions : 12\u202f004" in french
    assert "médiane 4,2 s, 95\u00a0% en 1,7 h au plus" in french
    assert "En vie (signal depuis moins de 2 min) : 4 · tout-en-un 1 · collecte 2" in french
    [arabic] = render_stats("ar", sample())
    assert "المحادثات: 12,004" in arabic
    assert "الوسيط 4.2 ثانية، و95٪ خلال 1.7 ساعة أو أقل" in arabic
    # Values that would turn an Arabic line around (a negative chat id, a Latin error, a
    # Latin role name) are isolated; the Arabic texts themselves are not.
    assert f"رقم 1 ← المحادثة {FSI}-1001234{PDI}: {FSI}Bad Request: &lt;b&gt; &amp; co{PDI}" in (
        arabic
    )
    assert f"{FSI}mystery&lt;x&gt;{PDI} 1" in arabic
    assert "الجلب 2" in arabic


def test_a_long_answer_is_split_between_sections() -> None:
    stats = sample(parked=10, failed=10, error="TelegramBadRequest: " + "x" * 300)
    sections = render_sections("en", stats)
    messages = render_stats("en", stats)
    assert len(messages) == 2
    assert all(visible_length(message) <= 4096 for message in messages)
    # The figures stay together; the failed list, which no longer fits, starts the next one.
    assert messages[0].startswith("<b>Users</b>") and "<b>Parked</b>" in messages[0]
    assert messages[1].startswith("<b>Failed</b>")
    assert "\n\n".join(messages) == "\n\n".join(sections)
    # Errors are cut at 200 characters.
    assert "x" * 180 + "\n" in messages[1] and "x" * 181 not in messages[1]


def test_a_section_longer_than_a_message_is_split_at_line_breaks() -> None:
    lines = [f"line {n} " + "y" * 90 for n in range(60)]
    messages = pack(["<b>head</b>", "\n".join(lines)], limit=2000)
    assert len(messages) == 4
    assert all(visible_length(message) <= 2000 for message in messages)
    assert messages[0] == "<b>head</b>"
    kept = [line for message in messages[1:] for line in message.splitlines()]
    assert kept == lines


async def test_stats_command_end_to_end(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", []))
    app = await apps(make_settings(database_url, telegram, feeds))
    await say(telegram, E2E_USER, "/start")
    now = app.clock()
    async with app.sessions() as session, session.begin():
        source = await SourceRepository(session).by_url(feeds.url(FEED))
        assert source is not None
        article = await ArticleRepository(session).add(
            Article(
                source_id=source.id,
                guid="g1",
                url="https://news.example.ma/1",
                title="Akhannouch",
                summary="",
                published_at=now - 10 * MINUTE,
                fetched_at=now - 10 * MINUTE,
            )
        )
        await SubscriptionRepository(session).add(E2E_USER, "Akhannouch", now - HOUR)
        await OutboxRepository(session).queue(
            chat_id=E2E_USER,
            thread_id=0,
            kind="alert",
            now=now - 30 * MINUTE,
            article_id=article.id,
        )
        await session.flush()
        # Settled in the same transaction: the running deliverer never sees it pending.
        item = await session.scalar(select(OutboxItem))
        assert item is not None
        item.status, item.sent_at = "sent", now - 29 * MINUTE
        session.add(
            Worker(id="elsewhere", role="poller", host="b", pid=2, started_at=now, seen_at=now)
        )

    reply = await say(telegram, ADMIN, "/stats")
    for line in [
        "<b>Users</b>",
        "Chats: 2",  # the user's and the admin's (registered as he writes)
        "private 2 · groups 0 · channels 0",
        "active 2 · paused 0 · unreachable 0",
        "Subscriptions: 1 (muted: 0)",
        "<b>Sources</b>: 1",
        "Articles stored: 1 in the last hour, 1 in the last day, 1 in all",
        "Alerts queued: 1 in the last hour, 1 in the last day",
        "Alerts sent: 1 in the last hour, 1 in the last day",
        "Queued → sent (last hour's alerts): median 60 s, 95% within 60 s",
        "Outbox: 0 due now · 0 held (digest, quiet hours, retry) · 0 being sent",
        "Sent: 1 in the last hour, 1 in the last day, 1 in all (alerts and notices)",
        "Parked: 0 · failed: 0 · dropped: 0",
    ]:
        assert line in reply.text.splitlines()
    # Other processes (and this one, if it writes a heartbeat) are listed by role.
    assert re.search(r"^Alive \(heartbeat within 2 min\): \d+ · .*poller 1", reply.text, re.M)

    refusal = await say(telegram, E2E_USER, "/stats")
    assert "only the bot's administrators" in refusal.text
    assert "Subscriptions" not in refusal.text
