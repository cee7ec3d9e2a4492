"""One outbound path: replies, progress messages and alerts share the limits; a handler
never sees a 429; a command's effect never depends on its reply; an accepted message whose
answer cannot be read is not sent again.

The real application against FakeTelegram (which enforces Telegram's limits where asked)
and FeedServer over loopback; the Outbound's ordering on its own with real timers.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from bot.alerts.limits import Pacer
from bot.storage.models import OutboxItem, Source, Subscription
from bot.telegram.outbound import Outbound, Priority
from tests.support.e2e import ADMIN, FEED, USER, Apps, counted, make_settings, say
from tests.support.fakes.feed_server import FeedItem, FeedServer, rss_feed
from tests.support.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.alone  # times itself or runs processes: see scripts/test.sh

OLD: FeedItem = {
    "title": "Conseil de gouvernement : adoption de décrets",
    "link": "https://news.example.ma/decrets",
    "guid": "decrets",
    "description": "Le conseil a adopté plusieurs projets de décrets.",
    "published": "Mon, 23 Nov 2026 09:00:00 +0000",
}
# Users commanding at once, two replies each: 160 messages asked for in the same instant,
# over five seconds of Telegram's global budget (30/s).
CROWD = 80
FIRST_USER = 50_000


def item(slug: str, title: str) -> FeedItem:
    return {
        "title": title,
        "link": f"https://news.example.ma/{slug}",
        "guid": slug,
        "description": title,
        "published": datetime.now(UTC),
    }


# -- the Outbound on its own ------------------------------------------------------------------


async def _queued(outbound: Outbound, count: int) -> None:
    """One turn of the event loop: the tasks just created ask for their slots (nothing in
    ``slot`` awaits before a request is queued); then ``count`` of them wait."""
    await asyncio.sleep(0)
    assert len(outbound._waiters) == count


async def test_a_reply_takes_the_next_slot_before_queued_alerts() -> None:
    outbound = Outbound(Pacer(20, 0, 20))  # slots 50 ms apart
    order: list[str] = []

    async def send(chat_id: int, priority: Priority, label: str) -> None:
        async with outbound.slot(chat_id, False, priority):
            order.append(label)

    alerts = [asyncio.create_task(send(100 + n, Priority.ALERT, f"alert {n}")) for n in range(5)]
    await _queued(outbound, 4)  # the first alert has its slot; four wait
    reply = asyncio.create_task(send(1, Priority.REPLY, "reply"))
    await asyncio.gather(*alerts, reply)

    assert order == ["alert 0", "reply", "alert 1", "alert 2", "alert 3", "alert 4"]


async def test_alerts_to_a_chat_wait_while_its_update_is_handled() -> None:
    outbound = Outbound(Pacer(1000, 0, 20))
    done: list[int] = []

    async def alert(chat_id: int) -> None:
        async with outbound.slot(chat_id, False, Priority.ALERT):
            done.append(chat_id)

    with outbound.conversation(7):
        held = asyncio.create_task(alert(7))
        await alert(8)  # another chat is not held up
        await _queued(outbound, 1)
        assert done == [8] and not held.done()
        async with outbound.slot(7, False, Priority.REPLY):  # the reply itself goes
            done.append(-7)
    await held
    assert done == [8, -7, 7]


def test_the_global_ceiling_never_exceeds_telegrams_30_per_second() -> None:
    assert Pacer(25, 1, 20)._window == 30
    assert Pacer(29, 1, 20)._window == 30  # 1.2 x 29 would let 34 through in a second
    assert Pacer(10, 1, 20)._window == 12
    assert Pacer(2000, 1, 20)._window == 2400  # a server without limits (benchmarks)


# -- the application against the limit-enforcing fake -----------------------------------------


async def test_a_crowd_commanding_at_once_is_answered_within_telegrams_limits(
    database_url: str,
    telegram: FakeTelegram,
    feeds: FeedServer,
    apps: Apps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    telegram.enforce_limits()  # 30/s overall, 1/s per private chat, 20/min per group
    app = await apps(make_settings(database_url, telegram, feeds, delivery={"tick": 0.1}))

    users = range(FIRST_USER, FIRST_USER + CROWD)
    for user in users:
        telegram.add_message(f"/subscribe Akhannouch{user}", user_id=user)
        telegram.add_message("/help", user_id=user)  # a second reply to the same chat
    await telegram.wait_for_messages(
        2 * CROWD, predicate=lambda m: m.chat_id >= FIRST_USER, timeout=120
    )

    assert telegram.too_many == []
    replies = [m for m in telegram.sent if m.chat_id >= FIRST_USER]
    assert sorted({m.chat_id for m in replies}) == list(users)
    for user in users:  # both of them, each once
        texts = [m.text for m in replies if m.chat_id == user]
        assert len(texts) == 2 and sum(f"Akhannouch{user}" in t for t in texts) == 1
    async with app.sessions() as session:
        queries = set(
            await session.scalars(
                select(Subscription.query).where(Subscription.chat_id >= FIRST_USER)
            )
        )
    assert queries == {f"Akhannouch{user}" for user in users}
    assert "Traceback" not in caplog.text and "Too Many Requests" not in caplog.text


async def test_a_reply_answered_429_is_sent_again_and_the_command_takes_effect(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    app = await apps(make_settings(database_url, telegram, feeds))
    telegram.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 1",
        retry_after=1,
        chat_id=USER,
        times=2,
    )

    reply = await say(telegram, USER, "/subscribe Laftit")

    assert "Laftit" in reply.text
    attempts = [p for m, p in telegram.calls if m == "sendMessage" and p["chat_id"] == USER]
    assert len(attempts) == 3  # two 429s, then the reply
    async with app.sessions() as session:
        stored = await session.scalar(select(func.count()).where(Subscription.chat_id == USER))
    assert stored == 1
    assert app.metrics.telegram_429._value.get() == 2


async def test_addsource_is_done_whatever_happens_to_its_progress_message(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    feeds.set("/second.xml", rss_feed("Second", [OLD]))
    feeds.set("/third.xml", rss_feed("Third", [OLD]))
    app = await apps(make_settings(database_url, telegram, feeds))

    # The "fetching…" message is answered 429: it waits, goes, and the result follows it.
    telegram.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 1",
        retry_after=1,
        chat_id=ADMIN,
    )
    done = await say(telegram, ADMIN, f"/addsource {feeds.url('/second.xml')}", replies=2)
    assert "Second" in done.text and "Fetching" not in done.text
    # It cannot be sent at all (Telegram fails): the source is added all the same.
    telegram.fail_next(
        "sendMessage", error_code=500, description="Internal Server Error", chat_id=ADMIN
    )
    done = await say(telegram, ADMIN, f"/addsource {feeds.url('/third.xml')}")
    assert "Third" in done.text
    # Accepted, but its answer unreadable: the handler goes on to the result.
    telegram.garble_next("sendMessage", chat_id=ADMIN)
    done = await say(telegram, ADMIN, "/addsource https://feeds.invalid/x.xml", replies=2)
    assert "Could not add" in done.text

    async with app.sessions() as session:
        names = set(await session.scalars(select(Source.name)))
    assert {"Second", "Third"} <= names


async def test_an_accepted_alert_whose_answer_cannot_be_read_is_not_sent_again(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    app = await apps(make_settings(database_url, telegram, feeds))
    subscribed = await say(telegram, USER, "/subscribe Akhannouch")
    await counted(telegram, subscribed)  # its count edited in: the only edit expected
    telegram.garble_next("sendMessage", chat_id=USER)
    await feeds.wait_for_hits(FEED, feeds.served.get(FEED, 0) + 1)
    feeds.set(FEED, rss_feed("Le Site", [item("a1", "Aziz Akhannouch préside le conseil"), OLD]))

    await telegram.wait_for_messages(1, chat_id=USER, predicate=lambda m: "/a1" in m.text)
    await app.deliverer.wait_idle()
    await app.deliverer.drain(app.clock())
    async with app.sessions() as session:
        [row] = (await session.scalars(select(OutboxItem))).all()
    assert (row.status, row.telegram_message_id, row.attempts) == ("sent", None, 1)

    # An edit of it (another outlet's copy) is given up quietly: there is no id to edit.
    async with app.sessions() as session, session.begin():
        await session.execute(
            update(OutboxItem).values(
                edit_pending=True, also=["Le360"], next_attempt_at=app.clock()
            )
        )
    await app.deliverer.drain(app.clock())
    async with app.sessions() as session:
        row = await session.get_one(OutboxItem, row.id)
    assert not row.edit_pending and row.last_error == "edit given up: no message id"
    assert len([m for m in telegram.sent if "/a1" in m.text]) == 1
    assert [p["message_id"] for c, p in telegram.calls if c == "editMessageText"] == [
        subscribed.message_id
    ]


async def test_a_callback_answer_answered_429_is_sent_again(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    app = await apps(make_settings(database_url, telegram, feeds))
    await say(telegram, USER, "/subscribe Laftit")
    listing = await say(telegram, USER, "/list")
    assert listing.reply_markup is not None
    [button] = [b for row in listing.reply_markup["inline_keyboard"] for b in row]
    telegram.fail_next(
        "answerCallbackQuery",
        error_code=429,
        description="Too Many Requests: retry after 1",
        retry_after=1,
    )

    telegram.press_button(button["callback_data"], user_id=USER, message_id=listing.message_id)

    # The 429, then the same answer again (the handler removed the subscription first).
    calls = await telegram.wait_for_call("answerCallbackQuery", count=2)
    assert [call["text"] for call in calls] == ["Removed", "Removed"]
    async with app.sessions() as session:
        left = await session.scalar(select(func.count()).where(Subscription.chat_id == USER))
    assert left == 0
