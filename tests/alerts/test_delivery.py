"""The Deliverer against the fake Bot API (real aiogram client, real database).

Each test writes outbox rows the way ingest does, drains, and checks both what Telegram got
and how every row was settled.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import select

from bot.access import AccessPolicy
from bot.alerts.deliver import Deliverer
from bot.alerts.limits import Pacer
from bot.cluster import new_worker_id
from bot.config import DeliveryConfig
from bot.i18n import text
from bot.services.chats import ChatService
from bot.storage.db import SessionFactory, create_engine, migrate, session_factory
from bot.storage.models import Article, Chat, OutboxItem, Source, Subscription
from bot.telegram.dispatcher import create_bot
from bot.telegram.outbound import Outbound
from bot.telegram.sender import TelegramSender
from bot.topology import Topology
from tests.support.e2e import ADMIN, FEED, TOKEN, Apps, make_settings, say
from tests.support.e2e import USER as E2E_USER
from tests.support.fakes.feed_server import FeedServer, rss_feed
from tests.support.fakes.telegram_api import FakeTelegram, Limits

UTC_ZONE = ZoneInfo("UTC")
T0 = datetime(2026, 11, 29, 10, 20, tzinfo=UTC)
USER = 5001
OTHER = 5002
THIRD = 5003
GROUP = -100777


@dataclass
class World:
    """A database with one source, and helpers to add chats, subscriptions and alerts."""

    sessions: SessionFactory
    telegram: FakeTelegram
    deliverer: Deliverer
    _numbers: Any = None

    def __post_init__(self) -> None:
        self._numbers = itertools.count(1)

    async def chat(self, chat_id: int, language: str = "en", **fields: Any) -> None:
        kind = "private" if chat_id > 0 else "supergroup"
        async with self.sessions() as session, session.begin():
            session.add(
                Chat(
                    id=chat_id,
                    title=f"chat {chat_id}",
                    language=language,
                    created_at=T0,
                    kind=fields.pop("kind", kind),
                    **fields,
                )
            )

    async def subscription(self, chat_id: int, query: str, thread_id: int = 0) -> int:
        async with self.sessions() as session, session.begin():
            subscription = Subscription(
                chat_id=chat_id, query=query, created_at=T0, thread_id=thread_id
            )
            session.add(subscription)
            await session.flush()
            return subscription.id

    async def alert(
        self,
        chat_id: int,
        subscription_ids: Sequence[int],
        *,
        title: str | None = None,
        at: datetime = T0,
        **fields: Any,
    ) -> int:
        number = next(self._numbers)
        async with self.sessions() as session, session.begin():
            article = Article(
                source_id=1,
                guid=f"g{number}",
                url=f"https://news.example.ma/a{number}",
                title=title or f"Akhannouch article {number}",
                summary=f"Aziz Akhannouch said something, story {number}.",
                published_at=at,
                fetched_at=at,
            )
            session.add(article)
            await session.flush()
            row = OutboxItem(
                chat_id=chat_id,
                article_id=article.id,
                subscription_ids=list(subscription_ids),
                spans=[["title", 0, 10]],
                status=fields.pop("status", "pending"),
                attempts=0,
                next_attempt_at=at,
                created_at=at,
                **fields,
            )
            session.add(row)
            await session.flush()
            return row.id

    async def notice(self, chat_id: int, key: str, params: dict[str, object]) -> int:
        async with self.sessions() as session, session.begin():
            row = OutboxItem(
                chat_id=chat_id,
                article_id=None,
                kind="notice",
                payload={"key": key, "params": params},
                subscription_ids=[],
                spans=[],
                status="pending",
                attempts=0,
                next_attempt_at=T0,
                created_at=T0,
            )
            session.add(row)
            await session.flush()
            return row.id

    async def rows(self) -> list[OutboxItem]:
        async with self.sessions() as session:
            return list((await session.scalars(select(OutboxItem).order_by(OutboxItem.id))).all())

    async def row(self, row_id: int) -> OutboxItem:
        async with self.sessions() as session:
            row = await session.get(OutboxItem, row_id)
        assert row is not None
        return row

    async def get_chat(self, chat_id: int) -> Chat:
        async with self.sessions() as session:
            chat = await session.get(Chat, chat_id)
        assert chat is not None
        return chat


def config(**values: Any) -> DeliveryConfig:
    base: dict[str, Any] = {"per_chat_interval": 0, "messages_per_second": 200}
    base.update(values)
    return DeliveryConfig(**base)


@pytest.fixture
async def world(database_url: str, telegram: FakeTelegram) -> AsyncIterator[World]:
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        session.add(
            Source(
                id=1,
                url="https://news.example.ma/",
                feed_url="https://news.example.ma/rss",
                name="Le Site <MA>",
                interval_seconds=600,
                next_poll_at=T0,
                created_at=T0,
            )
        )
    # As build_app makes them for this database (SQLite: alone; PostgreSQL: shared).
    topology = Topology.of(database_url)
    outbound = Outbound.of(config(), topology, sessions=sessions, metrics=None)
    bot = create_bot(TOKEN, telegram.base_url, outbound)
    deliverer = Deliverer(
        sessions,
        TelegramSender(bot),
        config(),
        UTC_ZONE,
        outbound=outbound,
        topology=topology,
        worker_id=new_worker_id(),
        lease_seconds=60.0,
        metrics=None,
    )
    try:
        yield World(sessions, telegram, deliverer)
    finally:
        await bot.session.close()
        await engine.dispose()


def buttons(markup: dict[str, Any] | None) -> list[list[str]]:
    assert markup is not None
    return [[b["callback_data"] for b in row] for row in markup["inline_keyboard"]]


async def test_alert_with_buttons_also_line_and_forum_topic(world: World) -> None:
    await world.chat(GROUP, "fr")
    first = await world.subscription(GROUP, "Akhannouch", thread_id=42)
    second = await world.subscription(GROUP, "Rabat", thread_id=42)
    row_id = await world.alert(GROUP, [first, second], thread_id=42, also=["Le360", "H<24>"])

    assert await world.deliverer.drain(T0) == 1

    [message] = world.telegram.sent
    assert message.chat_id == GROUP and message.thread_id == 42
    assert "➕ Aussi publié par : Le360, H&lt;24&gt;" in message.text
    assert buttons(message.reply_markup) == [
        [f"mute:{first}:day", f"mute:{first}:ever", f"aunsub:{first}"],
        [f"mute:{second}:day", f"mute:{second}:ever", f"aunsub:{second}"],
    ]
    labels = [b["text"] for b in message.reply_markup["inline_keyboard"][1]]  # type: ignore[index]
    assert labels[2] == "❌ Se désabonner · Rabat"
    row = await world.row(row_id)
    assert (row.status, row.telegram_message_id, row.attempts) == ("sent", message.message_id, 1)


async def test_single_subscription_buttons_have_plain_labels_in_arabic(world: World) -> None:
    await world.chat(USER, "ar")
    sid = await world.subscription(USER, "لفتيت")
    await world.alert(USER, [sid])
    await world.deliverer.drain(T0)
    [message] = world.telegram.sent
    labels = [b["text"] for b in message.reply_markup["inline_keyboard"][0]]  # type: ignore[index]
    assert labels == [
        text("ar", "btn_mute_day"),
        text("ar", "btn_mute_ever"),
        text("ar", "btn_unsubscribe"),
    ]
    assert message.thread_id is None and "نشره أيضًا" not in message.text


async def test_notice_is_rendered_in_the_chat_language(world: World) -> None:
    await world.chat(USER, "fr")
    row_id = await world.notice(USER, "stats_chats", {"chats": 3, "blocked": 1})
    await world.deliverer.drain(T0)
    [message] = world.telegram.sent
    assert message.text == text("fr", "stats_chats", chats=3, blocked=1)
    assert message.reply_markup is None
    assert (await world.row(row_id)).status == "sent"


async def test_edit_pending_updates_the_sent_message(world: World) -> None:
    await world.chat(USER)
    sid = await world.subscription(USER, "Akhannouch")
    row_id = await world.alert(USER, [sid])
    await world.deliverer.drain(T0)
    [message] = world.telegram.sent

    async with world.sessions() as session, session.begin():
        row = await session.get(OutboxItem, row_id)
        assert row is not None
        row.also, row.edit_pending = ["Le360"], True
    assert await world.deliverer.drain(T0) == 0  # an edit is not a new message

    [edit] = world.telegram.edits
    assert edit.message_id == message.message_id and "Also reported by: Le360" in edit.text
    assert world.telegram.message(USER, message.message_id)["reply_markup"] is not None
    assert not (await world.row(row_id)).edit_pending

    # Asking again with the same text: Telegram says "not modified", which is success.
    async with world.sessions() as session, session.begin():
        row = await session.get(OutboxItem, row_id)
        assert row is not None
        row.edit_pending = True
    await world.deliverer.drain(T0)
    assert len(world.telegram.edits) == 1
    calls = [p for m, p in world.telegram.calls if m == "editMessageText"]
    assert len(calls) == 2
    settled = await world.row(row_id)
    assert not settled.edit_pending and settled.last_error is None


async def test_edit_of_a_vanished_message_is_given_up_quietly(world: World) -> None:
    await world.chat(USER)
    sid = await world.subscription(USER, "Akhannouch")
    row_id = await world.alert(
        USER, [sid], status="sent", telegram_message_id=999, edit_pending=True, also=["X"]
    )
    await world.deliverer.drain(T0)
    row = await world.row(row_id)
    assert row.status == "sent" and not row.edit_pending
    assert row.last_error is not None and "not found" in row.last_error
    assert world.telegram.sent == []


async def test_429_waits_exactly_as_told_and_uses_no_attempt(world: World) -> None:
    await world.chat(USER)
    await world.chat(OTHER)
    sid = await world.subscription(USER, "Akhannouch")
    other = await world.subscription(OTHER, "Akhannouch")
    row_id = await world.alert(USER, [sid])
    await world.alert(OTHER, [other])
    world.telegram.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 7",
        retry_after=7,
        chat_id=USER,
    )
    assert await world.deliverer.drain(T0) == 1  # the other chat is not held up

    row = await world.row(row_id)
    assert (row.status, row.attempts) == ("pending", 0)
    waited = (row.next_attempt_at - T0).total_seconds()
    assert 7 <= waited < 8
    assert USER in world.deliverer.pacer.waiting_chats(5.0)
    assert [m.chat_id for m in world.telegram.sent] == [OTHER]


async def test_429_for_several_chats_pauses_everything(world: World) -> None:
    chats = [USER, OTHER, THIRD, 5004]
    for chat_id in chats:
        await world.chat(chat_id)
        await world.alert(chat_id, [await world.subscription(chat_id, "Akhannouch")])
    for chat_id in chats[:3]:
        world.telegram.fail_next(
            "sendMessage",
            error_code=429,
            description="Too Many Requests: retry after 30",
            retry_after=30,
            chat_id=chat_id,
        )
    world.deliverer.max_in_flight = 1  # one at a time: the order is the rows' order
    await world.deliverer.drain(T0)
    pacer = world.deliverer.pacer
    assert pacer.global_ready_at() - pacer.monotonic() > 25  # a global pause
    assert world.telegram.sent == []  # the fourth chat waits too
    statuses = [(r.status, r.attempts) for r in await world.rows()]
    assert statuses == [("pending", 0)] * 4


async def test_blocked_chat_is_marked_and_its_alerts_dropped_until_start(world: World) -> None:
    await world.chat(USER)
    await world.chat(OTHER)
    sid = await world.subscription(USER, "Akhannouch")
    for _ in range(3):
        await world.alert(USER, [sid])
    await world.alert(OTHER, [await world.subscription(OTHER, "Akhannouch")])
    world.telegram.block_chat(USER)

    await world.deliverer.drain(T0)

    assert (await world.get_chat(USER)).blocked
    rows = await world.rows()
    assert [r.status for r in rows if r.chat_id == USER] == ["dropped"] * 3
    assert all("chat unreachable" in (r.last_error or "") for r in rows if r.chat_id == USER)
    assert [m.chat_id for m in world.telegram.sent] == [OTHER]
    sends_to_user = [p for m, p in world.telegram.calls if p.get("chat_id") == USER]
    assert len(sends_to_user) == 1  # one 403, then no more tries

    chats = ChatService(
        world.sessions, AccessPolicy("open", frozenset(), frozenset()), lambda: T0, "en"
    )
    await chats.register(USER, title="back", language="en")
    world.telegram.unblock_chat(USER)
    await world.alert(USER, [sid])
    await world.deliverer.drain(T0)
    assert [m.chat_id for m in world.telegram.sent] == [OTHER, USER]


async def test_bad_html_goes_out_as_plain_text_once(world: World) -> None:
    await world.chat(USER)
    row_id = await world.alert(USER, [await world.subscription(USER, "Akhannouch")])
    world.telegram.fail_next(
        "sendMessage", error_code=400, description="Bad Request: can't parse entities"
    )
    assert await world.deliverer.drain(T0) == 1
    [message] = world.telegram.sent
    assert message.parse_mode is None
    assert "<a href" not in message.text and "(https://news.example.ma/a1)" in message.text
    row = await world.row(row_id)
    assert (row.status, row.plain) == ("sent", True)


async def test_bad_message_twice_is_parked_with_its_error(world: World) -> None:
    await world.chat(USER)
    row_id = await world.alert(USER, [await world.subscription(USER, "Akhannouch")])
    world.telegram.fail_next(
        "sendMessage", error_code=400, description="Bad Request: odd thing", times=2
    )
    assert await world.deliverer.drain(T0) == 0
    row = await world.row(row_id)
    assert (row.status, row.plain) == ("parked", True)
    assert row.last_error == "Bad Request: odd thing"
    assert len([m for m, _ in world.telegram.calls if m == "sendMessage"]) == 2


async def test_server_errors_back_off_then_fail(world: World) -> None:
    world.deliverer.config = config(max_attempts=3)
    await world.chat(USER)
    row_id = await world.alert(USER, [await world.subscription(USER, "Akhannouch")])
    world.telegram.fail_next(
        "sendMessage", error_code=500, description="Internal Server Error", times=5
    )
    now = T0
    seen = []
    for _ in range(3):
        await world.deliverer.drain(now)
        row = await world.row(row_id)
        seen.append((row.status, row.attempts))
        assert await world.deliverer.drain(now) == 0  # not due again before its backoff
        now = row.next_attempt_at
    assert seen == [("pending", 1), ("pending", 2), ("failed", 3)]
    assert "Internal Server Error" in (row.last_error or "")
    assert len([m for m, _ in world.telegram.calls if m == "sendMessage"]) == 3


async def test_rows_left_sending_by_a_crash_are_sent_again(world: World) -> None:
    await world.chat(USER)
    sid = await world.subscription(USER, "Akhannouch")
    crashed = await world.alert(USER, [sid], status="sending")
    assert await world.deliverer.drain(T0) == 0  # not touched while another may be sending
    assert await world.deliverer.recover() == 1
    assert await world.deliverer.drain(T0) == 1
    assert (await world.row(crashed)).status == "sent"


@pytest.mark.alone  # timed
async def test_limits_hold_against_an_enforcing_server_and_work_is_conserved(
    world: World,
) -> None:
    # A private chat's four messages take about 0.3 s, well inside the group's 1 s window,
    # so the order below holds on a loaded machine too (at 4/s it once did not).
    limits = Limits(per_second=30, private_per_second=10, group_per_minute=2, group_window=1.0)
    world.telegram.enforce_limits(limits)
    world.deliverer.config = config(messages_per_second=25, per_chat_interval=0.1)
    world.deliverer.outbound.pacer = Pacer(25, 0.1, 2, group_window=1.0)
    await world.chat(GROUP)
    group_sub = await world.subscription(GROUP, "Akhannouch")
    for _ in range(5):
        await world.alert(GROUP, [group_sub])
    private = [USER, OTHER, THIRD]
    for chat_id in private:
        await world.chat(chat_id)
        sid = await world.subscription(chat_id, "Akhannouch")
        for _ in range(4):
            await world.alert(chat_id, [sid])

    sent = await world.deliverer.drain(T0)

    assert world.telegram.too_many == []
    assert sent == 17 and len(world.telegram.sent) == 17
    order = [m.chat_id for m in world.telegram.sent]
    # The group's third message waits a window; the private chats go on meanwhile.
    positions = {c: [i for i, o in enumerate(order) if o == c] for c in (GROUP, USER)}
    assert positions[GROUP][2] > positions[USER][3]
    assert {r.status for r in await world.rows()} == {"sent"}


async def test_enforcing_server_answers_429_to_a_careless_client(world: World) -> None:
    world.telegram.enforce_limits(Limits(per_second=None, private_per_second=1))
    # A bare aiogram client: nothing paces it (the bot's own goes through its Outbound).
    bot = Bot(
        TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(world.telegram.base_url))
    )
    try:
        await bot.send_message(USER, "one")
        with pytest.raises(Exception, match="retry after 1"):
            await bot.send_message(USER, "two")
        await bot.send_message(OTHER, "another chat is fine")
    finally:
        await bot.session.close()
    assert world.telegram.too_many == [("sendmessage", USER, 1)]
    assert [m.text for m in world.telegram.sent] == ["one", "another chat is fine"]


async def test_hourly_digest_holds_then_sends_one_message(world: World) -> None:
    await world.chat(USER, mode="hourly")
    sid = await world.subscription(USER, "Akhannouch")
    first = await world.alert(USER, [sid], title="Akhannouch à Rabat")
    second = await world.alert(
        USER, [sid], title="Akhannouch & <Madrid>", at=T0 + timedelta(minutes=5)
    )

    assert await world.deliverer.drain(T0 + timedelta(minutes=6)) == 0
    held = await world.rows()
    slot = datetime(2026, 11, 29, 11, 0, tzinfo=UTC)
    assert [(r.status, r.next_attempt_at) for r in held] == [("pending", slot)] * 2

    assert await world.deliverer.drain(slot + timedelta(seconds=3)) == 1
    [digest] = world.telegram.sent
    assert "Akhannouch à Rabat" in digest.text
    assert html.escape("Akhannouch & <Madrid>", quote=False) in digest.text
    rows = [await world.row(first), await world.row(second)]
    assert {(r.status, r.telegram_message_id) for r in rows} == {("sent", digest.message_id)}
    last = (await world.get_chat(USER)).last_digest_at
    assert last is not None and slot + timedelta(seconds=3) <= last < slot + timedelta(seconds=4)


async def test_a_later_copy_never_overwrites_a_digest(world: World) -> None:
    await world.chat(USER, mode="hourly")
    sid = await world.subscription(USER, "Akhannouch")
    first = await world.alert(USER, [sid], title="Akhannouch à Rabat")
    await world.alert(USER, [sid], title="Akhannouch à Madrid")
    slot = datetime(2026, 11, 29, 11, 0, tzinfo=UTC)
    assert await world.deliverer.drain(slot) == 1
    [digest] = world.telegram.sent

    async with world.sessions() as session, session.begin():
        row = await session.get(OutboxItem, first)
        assert row is not None
        row.also, row.edit_pending = ["Le360"], True
    await world.deliverer.drain(slot + timedelta(minutes=1))

    assert world.telegram.edits == []
    assert "Akhannouch à Madrid" in world.telegram.message(USER, digest.message_id)["text"]
    settled = await world.row(first)
    assert not settled.edit_pending and "digest" in (settled.last_error or "")


async def test_quiet_hours_hold_alerts_and_release_them_together(world: World) -> None:
    await world.chat(USER, quiet_start="22:00", quiet_end="07:00")
    sid = await world.subscription(USER, "Akhannouch")
    night = datetime(2026, 11, 29, 23, 10, tzinfo=UTC)
    for minutes in (0, 20):
        await world.alert(USER, [sid], at=night + timedelta(minutes=minutes))
    await world.deliverer.drain(night + timedelta(minutes=30))
    assert world.telegram.sent == []
    morning = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    assert {r.next_attempt_at for r in await world.rows()} == {morning}

    assert await world.deliverer.drain(morning) == 1
    assert len(world.telegram.sent) == 1
    assert {r.status for r in await world.rows()} == {"sent"}

    # In the day, alerts go one by one again.
    await world.alert(USER, [sid], at=morning + timedelta(hours=2))
    await world.deliverer.drain(morning + timedelta(hours=2))
    assert len(world.telegram.sent) == 2 and "🔎 Akhannouch" in world.telegram.sent[1].text


async def test_stats_shows_queue_sent_and_parked_to_admins_only(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", []))
    app = await apps(make_settings(database_url, telegram, feeds))
    await say(telegram, E2E_USER, "/start")
    now = app.clock()
    async with app.sessions() as session, session.begin():
        for status, error in [
            ("parked", "Bad Request: can't parse <entities>"),
            ("failed", "TelegramNetworkError: timeout"),
            ("sent", None),
            ("pending", None),
        ]:
            session.add(
                OutboxItem(
                    chat_id=E2E_USER,
                    kind="notice",
                    payload={"key": "stats_title", "params": {}},
                    subscription_ids=[],
                    spans=[],
                    status=status,
                    last_error=error,
                    attempts=1,
                    sent_at=now if status == "sent" else None,
                    next_attempt_at=now + timedelta(hours=1),
                    created_at=now,
                )
            )
    reply = await say(telegram, ADMIN, "/stats")
    assert "Outbox: 0 due now · 1 held (digest, quiet hours, retry) · 0 being sent" in reply.text
    assert "Sent: 1 in the last hour, 1 in the last day, 1 in all" in reply.text
    assert "Parked: 1 · failed: 1 · dropped: 0" in reply.text
    assert "can't parse &lt;entities&gt;" in reply.text
    assert "TelegramNetworkError: timeout" in reply.text
    refusal = await say(telegram, E2E_USER, "/stats")
    assert "only the bot's administrators" in refusal.text
