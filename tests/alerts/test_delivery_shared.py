"""Several Deliverers on one PostgreSQL database: chat leases and the shared global pace.

Real parts throughout: PostgreSQL (``RASD_TEST_POSTGRES_URL``; skipped without it), the real
Deliverer, TelegramSender and aiogram Bot over HTTP to the fake Bot API. Each Deliverer has
its own engine (its own connections) and its own bot token: the fake answers every token as
the same bot with the same limits, and records which token sent each message
(``SentMessage.token``) and when it was accepted (``SentMessage.at``), so the tests can tell
the deliverers apart where Telegram counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text, update

from bot.alerts.deliver import Deliverer
from bot.alerts.limits import Pacer
from bot.alerts.pace import SharedPace
from bot.config import DeliveryConfig
from bot.storage.db import SessionFactory, create_engine, migrate, session_factory
from bot.storage.models import Article, Chat, OutboxItem, Pacing, Source, Subscription
from bot.telegram.dispatcher import create_bot
from bot.telegram.outbound import Outbound
from bot.telegram.sender import TelegramSender
from bot.topology import Topology
from tests.support.e2e import TOKEN
from tests.support.fakes.telegram_api import FakeTelegram, Limits, SentMessage

pytestmark = pytest.mark.alone  # times itself or runs processes: see scripts/test.sh

UTC_ZONE = ZoneInfo("UTC")
T0 = datetime(2026, 11, 29, 10, 20, tzinfo=UTC)  # articles' time: every row is due at once
URL = re.compile(r"https://news\.example\.ma/a\d+")


def config(**values: Any) -> DeliveryConfig:
    base: dict[str, Any] = {"per_chat_interval": 0, "messages_per_second": 50}
    base.update(values)
    return DeliveryConfig(**base)


@dataclass
class Node:
    """One deliverer "process": its own engine, bot (token) and Deliverer."""

    name: str
    token: str
    deliverer: Deliverer


class Cluster:
    """Seeds the shared database and starts deliverers; closes everything at the end."""

    def __init__(self, url: str, telegram: FakeTelegram, sessions: SessionFactory) -> None:
        self.url = url
        self.telegram = telegram
        self.sessions = sessions
        self.stack = contextlib.AsyncExitStack()
        self._numbers = iter(range(1, 1_000_000))

    def node(
        self, name: str, delivery: DeliveryConfig, pacer: Pacer | None = None, **options: Any
    ) -> Node:
        """A deliverer process: its own Outbound (``pacer``: shortened windows), the global
        rate shared in the database, as ``build_app`` makes them on PostgreSQL."""
        engine = create_engine(self.url)
        self.stack.push_async_callback(engine.dispose)
        token = f"{TOKEN.split(':')[0]}:TEST-{name}"
        self.telegram.tokens.add(token)
        sessions = session_factory(engine)
        outbound = Outbound.of(
            delivery, Topology.SHARED, sessions=sessions, metrics=None, pacer=pacer
        )
        bot = create_bot(token, self.telegram.base_url, outbound)
        self.stack.push_async_callback(bot.session.close)
        deliverer = Deliverer(
            sessions,
            TelegramSender(bot),
            delivery,
            UTC_ZONE,
            outbound=outbound,
            topology=Topology.SHARED,
            worker_id=name,
            metrics=None,
            **{"lease_seconds": 60.0, **options},
        )
        return Node(name, token, deliverer)

    async def chats(self, ids: Iterable[int], **fields: Any) -> None:
        async with self.sessions() as session, session.begin():
            for chat_id in ids:
                session.add(
                    Chat(
                        id=chat_id,
                        title=f"chat {chat_id}",
                        language="en",
                        created_at=T0,
                        kind="private" if chat_id > 0 else "supergroup",
                        **fields,
                    )
                )
                session.add(Subscription(chat_id=chat_id, query="Akhannouch", created_at=T0))

    async def alerts(self, chat_ids: Sequence[int], *, status: str = "pending") -> list[int]:
        """One alert (its own article) per entry of ``chat_ids``, in that order."""
        async with self.sessions() as session, session.begin():
            subscriptions = dict(
                (await session.execute(select(Subscription.chat_id, Subscription.id))).all()
            )
            rows = []
            for chat_id in chat_ids:
                number = next(self._numbers)
                article = Article(
                    source_id=1,
                    guid=f"g{number}",
                    url=f"https://news.example.ma/a{number}",
                    title=f"Akhannouch article {number}",
                    summary=f"Aziz Akhannouch said something, story {number}.",
                    published_at=T0,
                    fetched_at=T0,
                )
                session.add(article)
                await session.flush()
                row = OutboxItem(
                    chat_id=chat_id,
                    article_id=article.id,
                    subscription_ids=[subscriptions[chat_id]],
                    spans=[],
                    status=status,
                    attempts=0,
                    next_attempt_at=T0,
                    created_at=T0,
                )
                session.add(row)
                rows.append(row)
            await session.flush()
            return [row.id for row in rows]

    async def statuses(self) -> dict[int, str]:
        async with self.sessions() as session:
            return dict((await session.execute(select(OutboxItem.id, OutboxItem.status))).all())

    async def unsettled(self) -> int:
        async with self.sessions() as session:
            count = await session.scalar(
                select(func.count()).where(OutboxItem.status.in_(["pending", "sending"]))
            )
        return int(count or 0)

    async def lease(
        self, chat_ids: Iterable[int], owner: str | None, until: datetime | None
    ) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(Chat)
                .where(Chat.id.in_(list(chat_ids)))
                .values(delivery_owner=owner, delivery_until=until)
            )

    async def leases(self) -> dict[int, tuple[str | None, datetime | None]]:
        async with self.sessions() as session:
            rows = await session.execute(select(Chat.id, Chat.delivery_owner, Chat.delivery_until))
        return {chat_id: (owner, until) for chat_id, owner, until in rows.all()}


@pytest.fixture
async def cluster(postgres_url: str, telegram: FakeTelegram) -> AsyncIterator[Cluster]:
    engine = create_engine(postgres_url)
    await migrate(engine)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        session.add(
            Source(
                id=1,
                url="https://news.example.ma/",
                feed_url="https://news.example.ma/rss",
                name="Le Site",
                interval_seconds=600,
                next_poll_at=T0,
                created_at=T0,
            )
        )
    world = Cluster(postgres_url, telegram, sessions)
    try:
        yield world
    finally:
        await world.stack.aclose()
        await engine.dispose()


async def drain_until_settled(cluster: Cluster, node: Node, timeout: float = 20.0) -> int:  # noqa: ASYNC109
    """Drain the way the application's delivery loop does, until no row is left to send."""
    sent = 0
    async with asyncio.timeout(timeout):
        while await cluster.unsettled():
            sent += await node.deliverer.drain(datetime.now(UTC))
            await asyncio.sleep(0.05)
    return sent


def per_article(messages: Iterable[SentMessage]) -> Counter[tuple[int, str]]:
    counts: Counter[tuple[int, str]] = Counter()
    for message in messages:
        found = URL.search(message.text)
        assert found is not None, message.text
        counts[(message.chat_id, found.group())] += 1
    return counts


def busiest_window(times: Sequence[float], seconds: float) -> int:
    """The most messages in any half-open window ``[t, t + seconds)``."""
    times = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(times):
        while times[first] <= at - seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


# -- several deliverers drain one outbox -------------------------------------------------------

RATE = 20  # messages per second, all deliverers together
PRIVATE_INTERVAL = 0.25  # seconds between messages to one private chat
GROUP_PER_WINDOW, GROUP_WINDOW = 3, 0.5  # Telegram's 20 per 60 s, shortened
TRANSIT = 0.5  # a request's time between the lease check and the fake (busy machine)
CHAT_WINDOW = GROUP_WINDOW + TRANSIT  # the lease margin, as chat_window_for in leases.py
PRIVATES = [7001, 7002, 7003, 7004, 7005, 7006]
GROUPS = [-1007001, -1007002, -1007003]
PER_CHAT = 6


async def test_three_deliverers_share_one_outbox_within_telegram_limits(
    cluster: Cluster, telegram: FakeTelegram
) -> None:
    # The fake answers 429 above Telegram's limits. Its global cap sits 5 above RATE: the
    # slots are exactly 1/RATE apart on the database clock, but where the fake counts a send
    # can be late by event-loop and HTTP jitter (three deliverers share one loop on two busy
    # cores), so a 1 s window may catch a few more at its edge (5 = 0.25 s of stall).
    telegram.enforce_limits(
        Limits(
            per_second=RATE + 5,
            private_per_second=1 / (PRIVATE_INTERVAL - 0.05),
            group_per_minute=GROUP_PER_WINDOW,
            group_window=GROUP_WINDOW,
        )
    )
    await cluster.chats(PRIVATES + GROUPS)
    # Round-robin over the chats, so each refill's small batch spans a few chats only.
    row_ids = await cluster.alerts([c for _ in range(PER_CHAT) for c in PRIVATES + GROUPS])
    delivery = config(
        messages_per_second=RATE,
        per_chat_interval=PRIVATE_INTERVAL,
        group_per_minute=GROUP_PER_WINDOW,
        batch_size=3,
    )
    nodes = [  # Telegram's per-minute group window, shortened like the fake's
        cluster.node(
            name,
            delivery,
            Pacer(RATE, PRIVATE_INTERVAL, GROUP_PER_WINDOW, group_window=GROUP_WINDOW),
            lease_seconds=1.0,
            chat_window=CHAT_WINDOW,
        )
        for name in ("deliverer-a", "deliverer-b", "deliverer-c")
    ]

    started = time.monotonic()
    counts = await asyncio.gather(*(drain_until_settled(cluster, node) for node in nodes))
    took = time.monotonic() - started

    # Every row sent exactly once, and Telegram got exactly one message per row.
    assert set((await cluster.statuses()).values()) == {"sent"}
    assert sum(counts) == len(row_ids) == len(telegram.sent)
    assert set(per_article(telegram.sent).values()) == {1}
    # The work was shared: every deliverer sent some of it.
    by_token = Counter(m.token for m in telegram.sent)
    assert set(by_token) == {node.token for node in nodes}, by_token
    assert sorted(by_token.values()) == sorted(counts)
    # Telegram never had to say 429: not globally, not for a chat.
    assert telegram.too_many == []
    # The rate all three kept together: no 1 s window over the fake's cap, and over the
    # whole run no faster than RATE (jitter can only delay the first send; alone, each
    # deliverer's Pacer would allow RATE, three times as fast together).
    times = sorted(m.at for m in telegram.sent)
    assert busiest_window(times, 1.0) <= RATE + 5
    assert times[-1] - times[0] >= (len(times) - 1) / RATE - 0.25
    assert took >= (len(times) - 1) / RATE
    # Per chat: one deliverer at a time. A chat changes hands only after the lease lapsed,
    # which is at least CHAT_WINDOW after the previous holder's last request started (so
    # at least GROUP_WINDOW after it reached Telegram); and the per-chat limits held.
    by_chat: dict[int, list[SentMessage]] = defaultdict(list)
    for message in telegram.sent:
        by_chat[message.chat_id].append(message)
    for chat_id, messages in by_chat.items():
        assert len(messages) == PER_CHAT
        for before, after in itertools.pairwise(messages):
            if before.token != after.token:
                assert after.at - before.at >= CHAT_WINDOW - TRANSIT, (chat_id, before, after)
            if chat_id > 0:
                assert after.at - before.at >= PRIVATE_INTERVAL - 0.01, chat_id
        if chat_id < 0:
            assert busiest_window([m.at for m in messages], GROUP_WINDOW) <= GROUP_PER_WINDOW


# -- a dead deliverer's chats ------------------------------------------------------------------


async def test_a_dead_deliverers_chats_are_taken_over_once_its_lease_lapses(
    cluster: Cluster, telegram: FakeTelegram
) -> None:
    x, y, z = 7101, -1007101, 7102
    await cluster.chats([x, y, z])
    first = await cluster.alerts([x, y, x, y])
    delivery = config()
    a = cluster.node("deliverer-a", delivery, lease_seconds=1.0, chat_window=0.5)
    b = cluster.node("deliverer-b", delivery, lease_seconds=1.0, chat_window=0.5)

    # A claims both chats and its first request to each is under way (held at the fake)...
    telegram.hold("sendMessage")
    running = asyncio.create_task(a.deliverer.drain(datetime.now(UTC)))
    await telegram.wait_for_call("sendMessage", count=2)
    # ...when its process dies: every task stops where it is (the first cancel ends the
    # drain's wait, the second its wait for the requests under way), nothing is settled,
    # and the held requests never reach Telegram.
    while not running.done():
        running.cancel()
        await asyncio.sleep(0.01)
    telegram.drop_held("sendMessage")
    statuses = await cluster.statuses()
    assert [statuses[i] for i in first] == ["sending", "sending", "pending", "pending"]
    leases = await cluster.leases()
    assert leases[x][0] == leases[y][0] == "deliverer-a"
    now, mono = datetime.now(UTC), time.monotonic()
    lapses_at = {c: mono + ((leases[c][1] or T0) - now).total_seconds() for c in (x, y)}
    assert min(lapses_at.values()) - mono > 1.0  # lease_seconds + chat_window, just renewed

    # B starts; a chat nobody holds gets its alert at once, A's chats wait for the lapse.
    later = await cluster.alerts([z, x])
    sent = await drain_until_settled(cluster, b)

    assert sent == 6 == len(telegram.sent)
    assert {m.token for m in telegram.sent} == {b.token}
    assert set(per_article(telegram.sent).values()) == {1}  # each exactly once
    assert len(telegram.dropped_calls) == 2  # A's two requests, never carried out
    by_chat = {c: [m.at for m in telegram.sent if m.chat_id == c] for c in (x, y, z)}
    assert by_chat[z][0] < min(lapses_at.values()) - 0.5
    assert min(by_chat[x]) >= lapses_at[x]
    assert min(by_chat[y]) >= lapses_at[y]
    statuses = await cluster.statuses()
    assert {statuses[i] for i in first + later} == {"sent"}
    leases = await cluster.leases()
    assert leases[x][0] == leases[y][0] == leases[z][0] == "deliverer-b"


async def test_recover_leaves_live_deliverers_rows_alone(
    cluster: Cluster, telegram: FakeTelegram
) -> None:
    live, dead, free = 7201, 7202, 7203
    await cluster.chats([live, dead, free])
    now = datetime.now(UTC)
    await cluster.lease([live], "deliverer-live", now + timedelta(seconds=60))
    await cluster.lease([dead], "deliverer-dead", now - timedelta(seconds=1))
    sending = await cluster.alerts([live, dead, free], status="sending")
    waiting = await cluster.alerts([live])  # pending, of a chat the live deliverer holds

    c = cluster.node("deliverer-c", config())
    assert await c.deliverer.recover() == 2
    statuses = await cluster.statuses()
    assert [statuses[i] for i in sending + waiting] == ["sending", "pending", "pending", "pending"]

    sent = await c.deliverer.drain(datetime.now(UTC))
    assert sent == 2
    assert sorted(m.chat_id for m in telegram.sent) == [dead, free]
    statuses = await cluster.statuses()
    assert [statuses[i] for i in sending + waiting] == ["sending", "sent", "sent", "pending"]
    assert (await cluster.leases())[live][0] == "deliverer-live"


# -- the shared global pace --------------------------------------------------------------------


async def _pacing_next_at(sessions: SessionFactory, name: str) -> datetime:
    async with sessions() as session:
        next_at = await session.scalar(select(Pacing.next_at).where(Pacing.name == name))
    assert next_at is not None
    return next_at


async def _pause_left(sessions: SessionFactory, name: str = "global") -> float:
    """Seconds until the next free slot, on the database's clock."""
    async with sessions() as session:
        left = await session.scalar(
            text(
                "SELECT EXTRACT(EPOCH FROM next_at - clock_timestamp()) FROM pacing WHERE name = :n"
            ),
            {"n": name},
        )
    return float(left) if left is not None else 0.0  # no row yet: no slot taken


async def test_shared_pace_spaces_every_instances_slots(cluster: Cluster) -> None:
    engines = [create_engine(cluster.url) for _ in range(2)]
    try:
        one, two = (SharedPace(session_factory(e), messages_per_second=10) for e in engines)
        assert await one.reserve() == 0.0  # the first slot is now
        # The next slot 5 s away: every reservation below asks before it (nothing waits).
        paused = time.monotonic()
        await two.pause(5.0)
        start = await _pacing_next_at(cluster.sessions, "global")

        async def reserve(pace: SharedPace) -> float:
            wait = await pace.reserve()
            return time.monotonic() + wait  # when this slot's message would go

        slots = await asyncio.gather(*(reserve(p) for p in [one, two] * 9))
        end = await _pacing_next_at(cluster.sessions, "global")
        # 18 slots handed out from both instances, exactly 0.1 s apart on the database clock.
        assert end - start == timedelta(seconds=1.8)
        # Seen from here, each slot moves by one database round trip's jitter (tens of ms
        # on a loaded machine); the exact spacing is the database's, asserted above.
        gaps = [b - a for a, b in itertools.pairwise(sorted(slots))]
        assert all(0.04 <= gap <= 0.16 for gap in gaps), gaps
        assert min(slots) >= paused + 5.0 - 0.05  # the first of them: when the pause ends
        assert 1.6 <= max(slots) - min(slots) <= 1.8

        # A pause (Telegram's 429 for the whole bot) from one instance delays the others.
        one, two = (SharedPace(session_factory(e), 10, name="pause") for e in engines)
        assert await two.reserve() == 0.0
        await one.pause(1.0)
        assert 0.9 <= await two.reserve() <= 1.05
        assert 0.95 <= await one.reserve() <= 1.15  # the slot after
        await two.pause(0.2)  # a shorter pause never brings the next slot forward
        assert await one.reserve() >= 1.0
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_flood_seen_by_one_deliverer_pauses_the_others(
    cluster: Cluster, telegram: FakeTelegram
) -> None:
    mine, theirs = [7301, 7302, 7303], [7311, 7312]
    await cluster.chats(mine + theirs)
    await cluster.alerts(mine)
    their_rows = await cluster.alerts(theirs * 3)
    a = cluster.node("deliverer-a", config(messages_per_second=20))
    b = cluster.node("deliverer-b", config(messages_per_second=20))
    # Each deliverer already holds its chats (as after earlier drains).
    until = datetime.now(UTC) + timedelta(seconds=60)
    await cluster.lease(mine, "deliverer-a", until)
    await cluster.lease(theirs, "deliverer-b", until)
    for chat_id in mine:  # Telegram throttles the bot: 429 for three chats at once
        telegram.fail_next(
            "sendMessage",
            error_code=429,
            description="Too Many Requests: retry after 3",
            retry_after=3,
            chat_id=chat_id,
        )

    assert await a.deliverer.drain(datetime.now(UTC)) == 0  # A stops: all sending paused
    left = await _pause_left(cluster.sessions)
    # About 3 s ahead (the drain itself takes a moment: up to a second on a loaded machine).
    assert 2.0 < left <= 3.0
    paused_until = time.monotonic() + left

    # B never saw a 429; its own Pacer would send at once. The shared pace holds it back.
    started = time.monotonic()
    sent = await b.deliverer.drain(datetime.now(UTC))
    assert sent == len(their_rows) == len(telegram.sent)
    assert {m.chat_id for m in telegram.sent} == set(theirs)
    assert min(m.at for m in telegram.sent) >= paused_until - 0.02
    assert time.monotonic() - started >= left - 0.05


async def test_close_while_sends_are_under_way_lets_them_settle(
    cluster: Cluster, telegram: FakeTelegram
) -> None:
    chats = [7501, 7502, 7503]
    await cluster.chats(chats)
    rows = await cluster.alerts(chats)
    a = cluster.node("deliverer-a", config())
    telegram.hold("sendMessage")
    drain = asyncio.create_task(a.deliverer.drain(datetime.now(UTC)))
    await telegram.wait_for_call("sendMessage", count=3)
    closing = asyncio.create_task(a.deliverer.close())  # shutdown, three requests under way
    await asyncio.sleep(0)  # close() runs up to its first wait: it takes no new rows now
    assert a.deliverer._closed
    telegram.release("sendMessage")

    # The drain stops at once, yet waits for every request under way and records it.
    assert await drain == 3
    await closing
    assert len(telegram.sent) == 3
    statuses = await cluster.statuses()
    assert [statuses[i] for i in rows] == ["sent"] * 3
    await cluster.alerts(chats)
    assert await a.deliverer.drain(datetime.now(UTC)) == 0  # closed: nothing more


async def test_a_deliverer_that_lost_its_chat_before_sending_leaves_it_to_the_new_holder(
    cluster: Cluster, telegram: FakeTelegram
) -> None:
    x = 7401
    await cluster.chats([x])
    rows = await cluster.alerts([x, x])
    a = cluster.node("deliverer-a", config(), lease_seconds=1.0, chat_window=0.5)
    b = cluster.node("deliverer-b", config(), lease_seconds=1.0, chat_window=0.5)
    # Telegram throttled the bot (another deliverer's 429s): no send slot for 2.5 s, longer
    # than A's lease on the chat (lease_seconds + chat_window = 1.5 s from its claim).
    await SharedPace(cluster.sessions, 50).pause(2.5)

    # A claims the chat and its first row, then waits for a send slot...
    a_drain = asyncio.create_task(a.deliverer.drain(datetime.now(UTC)))
    async with asyncio.timeout(5):
        # The database has nothing to wait on: poll it.
        while (await cluster.statuses())[rows[0]] != "sending":  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    assert (await cluster.leases())[x][0] == "deliverer-a"
    # ...meanwhile its lease lapses; B (draining as usual) takes the chat over: A's claimed
    # row is requeued and sent by B, once the pause is over.
    b_sent = await drain_until_settled(cluster, b)
    # A, when its slot comes, finds the chat no longer its own and sends nothing.
    assert await a_drain == 0

    assert b_sent == 2 == len(telegram.sent)
    assert {m.token for m in telegram.sent} == {b.token}
    assert set(per_article(telegram.sent).values()) == {1}
    assert set((await cluster.statuses()).values()) == {"sent"}
    assert (await cluster.leases())[x][0] == "deliverer-b"
