"""Fairness: one person cannot take more than their share of subscriptions across the chats
they manage, and one busy chat cannot hold everyone else's alerts back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.alerts.index import SubscriptionIndex
from bot.matching import QueryLimits
from bot.services.archive import ArchiveSearch
from bot.services.preview import Previewer
from bot.services.subscriptions import (
    LimitKind,
    SubscriptionLimitReached,
    SubscriptionLimits,
    SubscriptionService,
)
from bot.services.throttle import CommandGate
from bot.storage.chats import ChatRepository
from bot.storage.db import SessionFactory
from bot.storage.models import Subscription
from bot.storage.outbox import OutboxRepository
from tests.support.e2e import ADMIN, FEED, OLD, OTHER_USER, USER, Apps, make_settings, say, say_in
from tests.support.fakes.feed_server import FeedServer, rss_feed
from tests.support.fakes.telegram_api import FakeTelegram

GROUP_A = -1001000001
GROUP_B = -1001000002
BUSY, QUIET, OTHER = -1002000001, 4242, 4343
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def test_one_persons_subscriptions_are_capped_across_the_chats_they_manage(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    for group in (GROUP_A, GROUP_B):
        telegram.add_chat(group, "supergroup", "Veille")
        telegram.set_member(group, USER, "administrator")
        telegram.set_member(group, OTHER_USER, "administrator")
    matching = {"test_cooldown": 0, "max_subscriptions_per_user": 3}
    app = await apps(make_settings(database_url, telegram, feeds, matching=matching))

    assert "Subscribed (#1)" in (await say(telegram, USER, "/subscribe Macron")).text
    assert "Subscribed (#1)" in (await say_in(telegram, GROUP_A, USER, "/sub Laftit")).text
    assert "Subscribed (#1)" in (await say_in(telegram, GROUP_B, USER, "/sub Bourita")).text
    refused = await say_in(telegram, GROUP_B, USER, "/subscribe Akhannouch")
    assert "You have made 3 subscriptions across your chats" in refused.text
    refused = await say(telegram, USER, "/subscribe Akhannouch")
    assert "You have made 3 subscriptions" in refused.text

    # Another admin of the same group has their own share; the group's own cap is apart.
    assert "Subscribed (#2)" in (await say_in(telegram, GROUP_B, OTHER_USER, "/sub Rabat")).text
    # Removing one frees a place.
    assert "Removed" in (await say(telegram, USER, "/unsubscribe 1")).text
    assert "Subscribed (#3)" in (await say_in(telegram, GROUP_B, USER, "/sub Akhannouch")).text
    # The bot's admins are not counted.
    for query in ("Macron", "Laftit", "Bourita", "Akhannouch"):
        assert "Subscribed" in (await say(telegram, ADMIN, f"/subscribe {query}")).text

    async with app.sessions() as session:
        made = await session.scalars(
            select(Subscription.created_by).where(Subscription.chat_id == GROUP_B)
        )
        assert sorted(made) == sorted([USER, OTHER_USER, USER])


async def test_the_caps_hold_when_one_person_subscribes_everywhere_at_once(
    sessions: SessionFactory,
) -> None:
    def clock() -> datetime:
        return NOW

    service = SubscriptionService(
        sessions,
        SubscriptionIndex(QueryLimits(300, 20)),
        SubscriptionLimits(per_chat=3, per_person=5, exempt=frozenset()),
        clock,
        "en",
        Previewer(sessions, ArchiveSearch(sessions), clock,
                  CommandGate(clock, cooldown=0, concurrency=1, wait=1), days=7, seconds=1),
    )  # fmt: skip
    groups = [-1004000000 - n for n in range(20)]
    attempts = [service.subscribe(group, "Laftit", created_by=77) for group in groups]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    refused = [r for r in results if isinstance(r, SubscriptionLimitReached)]
    assert len(results) - len(refused) == 5
    assert {r.kind for r in refused} == {LimitKind.PERSON}

    crowd = [service.subscribe(GROUP_A, f"query {n}", created_by=100 + n) for n in range(10)]
    results = await asyncio.gather(*crowd, return_exceptions=True)
    refused = [r for r in results if isinstance(r, SubscriptionLimitReached)]
    assert len(results) - len(refused) == 3
    assert {r.kind for r in refused} == {LimitKind.CHAT}
    async with sessions() as session:
        saved = list(await session.scalars(select(Subscription.created_by)))
    assert saved.count(77) == 5 and len(saved) == 8


async def test_due_rows_are_taken_in_turns_across_chats(sessions: SessionFactory) -> None:
    async with sessions() as session, session.begin():
        chats = ChatRepository(session)
        for chat_id in (BUSY, QUIET, OTHER):
            await chats.ensure(chat_id, language="en", now=NOW)
        outbox = OutboxRepository(session)
        for n in range(40):  # the busy chat's backlog, queued first
            await _notice(outbox, BUSY, n)
        for n in range(2):
            await _notice(outbox, QUIET, n)
            await _notice(outbox, OTHER, n)

    async with sessions() as session:
        outbox = OutboxRepository(session)
        first = await outbox.deliverable(NOW, 6)
        assert [row.chat_id for row in first] == [BUSY, QUIET, OTHER] * 2
        # Within a chat the oldest row still comes first.
        busy = [row.id for row in first if row.chat_id == BUSY]
        assert busy == sorted(busy)
        # The same with delivery leases in play (several deliverers on PostgreSQL).
        leased = await outbox.deliverable(NOW, 6, worker="w1", exclude_ids=[first[0].id])
        assert [row.chat_id for row in leased] == [BUSY, QUIET, OTHER] * 2
        assert leased[0].id == busy[1]
        # Then the busy chat's backlog, in order.
        everything = await outbox.deliverable(NOW, 100)
        assert [row.chat_id for row in everything[6:]] == [BUSY] * 38


async def test_a_busy_chat_does_not_hold_back_another_chats_alerts(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    delivery = {"tick": 0.1, "per_chat_interval": 0.05, "batch_size": 10}
    settings = make_settings(database_url, telegram, feeds, delivery=delivery)
    app = await apps(settings)
    now = app.clock()
    async with app.sessions() as session, session.begin():
        for chat_id in (USER, OTHER_USER):
            await ChatRepository(session).ensure(chat_id, language="en", now=now)
        outbox = OutboxRepository(session)
        for n in range(60):
            await _notice(outbox, USER, n, now=now)
        await _notice(outbox, OTHER_USER, 0, now=now)
    app.wake_delivery()

    [quiet] = await telegram.wait_for_messages(1, chat_id=OTHER_USER, timeout=30)
    busy_before = [m for m in telegram.sent if m.chat_id == USER and m.at <= quiet.at]
    # Oldest-first, it waited behind most of the busy chat's 60 (all fetched before it).
    assert len(busy_before) <= 3, [m.chat_id for m in telegram.sent]
    await telegram.wait_for_messages(60, chat_id=USER, timeout=60)


async def _notice(outbox: OutboxRepository, chat_id: int, n: int, now: datetime = NOW) -> None:
    await outbox.queue(
        chat_id=chat_id,
        thread_id=0,
        kind="notice",
        now=now - timedelta(seconds=1),
        payload={"key": "seconds", "params": {"n": f"{chat_id}/{n}"}},
    )
