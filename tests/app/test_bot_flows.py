"""What users and admins do in Telegram, and how delivery copes with a hostile world.

The real application runs in-process against FakeTelegram and FeedServer over loopback.
"""

from __future__ import annotations

import asyncio
import io
import logging

import pytest
from sqlalchemy import select

from bot.app import DryRun
from bot.i18n.bidi import BIDI_CONTROLS
from bot.storage.models import Article, Chat, OutboxItem
from tests.support.e2e import (
    ADMIN,
    FEED,
    OLD,
    OTHER_USER,
    TOKEN,
    USER,
    Apps,
    counted,
    item,
    make_settings,
    publish,
    say,
)
from tests.support.fakes.feed_server import FeedItem, FeedServer, rss_feed
from tests.support.fakes.telegram_api import FakeTelegram


async def test_subscriptions_buttons_pause_and_language(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    await apps(make_settings(database_url, telegram, feeds))

    assert "/help" in (await say(telegram, USER, "/frobnicate")).text
    assert "/subscribe" in (await say(telegram, USER, "Retailleau")).text
    assert "for example" in (await say(telegram, USER, "/subscribe")).text
    too_long = await say(telegram, USER, "/subscribe " + "x" * 400)
    assert "could not understand" in too_long.text and "300" in too_long.text
    assert "You follow nothing yet" in (await say(telegram, USER, "/list")).text

    await say(telegram, USER, "/subscribe Retailleau")
    await say(telegram, USER, "/subscribe Laftit")
    await say(telegram, USER, "/subscribe terrorisme")
    again = await say(telegram, USER, "/subscribe Retailleau")
    assert "already follow" in again.text

    listing = await say(telegram, USER, "/list")
    assert listing.reply_markup is not None
    buttons = [b for row in listing.reply_markup["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["❌ 1", "❌ 2", "❌ 3"]
    telegram.press_button(buttons[1]["callback_data"], user_id=USER, message_id=listing.message_id)
    [answer] = await telegram.wait_for_call("answerCallbackQuery")
    assert answer["text"] == "Removed"
    [edit] = await telegram.wait_for_edits(chat_id=USER, message_id=listing.message_id)
    assert "Laftit" not in edit.text and "2. terrorisme" in edit.text
    telegram.press_button(buttons[1]["callback_data"], user_id=USER, message_id=listing.message_id)
    answers = await telegram.wait_for_call("answerCallbackQuery", count=2)
    assert answers[1]["text"] == "Already removed"
    await say(telegram, USER, "/help")  # the handler has had time to edit, had it wanted to
    listing_edits = [
        p
        for c, p in telegram.calls
        if c == "editMessageText" and p["message_id"] == listing.message_id
    ]
    assert len(listing_edits) == 1

    assert "no subscription number 7" in (await say(telegram, USER, "/unsubscribe 7")).text
    assert "Removed: <b>terrorisme</b>" in (await say(telegram, USER, "/unsubscribe 2")).text

    # Paused: a matching article is not alerted, and not queued for later either.
    assert "paused" in (await say(telegram, USER, "/pause")).text
    await publish(feeds, item("r1", "Bruno Retailleau à Rabat"))
    await feeds.wait_for_hits(FEED, feeds.served[FEED] + 1)
    assert "(alerts paused" in (await say(telegram, USER, "/list")).text
    assert "resumed" in (await say(telegram, USER, "/resume")).text
    await publish(feeds, item("r2", "Retailleau reçoit son homologue"), item("r1", "x"))
    [alert] = await telegram.wait_for_messages(
        1, chat_id=USER, predicate=lambda m: "news.example.ma" in m.text
    )
    assert "/r2" in alert.text and "<b>Retailleau</b>" in alert.text
    assert not [m for m in telegram.sent if "/r1" in m.text]

    french = await say(telegram, USER, "/language fr")
    assert french.text == "Langue : français."
    assert "Commandes" in (await say(telegram, USER, "/help")).text
    broken = await say(telegram, USER, '/subscribe "Bruno Retailleau')
    assert "Ce guillemet n’est jamais fermé" in broken.text
    assert '<code>⟦"Bruno Retailleau</code>' in broken.text
    deep = await say(telegram, USER, "/subscribe " + "(" * 200 + "Retailleau")
    assert "La requête est trop imbriquée : 16 niveaux" in deep.text


async def test_allowlist_keeps_strangers_out_until_an_admin_allows_them(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    await apps(make_settings(database_url, telegram, feeds, access="allowlist", allow=[USER]))

    assert "Subscribed" in (await say(telegram, USER, "/subscribe Macron")).text
    refusal = await say(telegram, OTHER_USER, "/subscribe Macron")
    assert "private" in refusal.text and str(OTHER_USER) in refusal.text
    assert "only the bot's administrators" in (await say(telegram, USER, f"/allow {USER}")).text

    assert "may now use" in (await say(telegram, ADMIN, f"/allow {OTHER_USER}")).text
    assert "Subscribed" in (await say(telegram, OTHER_USER, "/subscribe Macron")).text
    assert "may no longer" in (await say(telegram, ADMIN, f"/deny {OTHER_USER}")).text
    assert "private" in (await say(telegram, OTHER_USER, "/list")).text

    # A denied user's subscription stays stored but alerts only the allowed user.
    await publish(feeds, item("m1", "Emmanuel Macron attendu à Rabat"))
    await telegram.wait_for_messages(1, chat_id=USER, predicate=lambda m: "/m1" in m.text)
    assert not [m for m in telegram.sent if m.chat_id == OTHER_USER and "/m1" in m.text]


async def test_rate_limit_and_blocked_chat_do_not_stop_other_users(
    database_url: str,
    telegram: FakeTelegram,
    feeds: FeedServer,
    apps: Apps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    app = await apps(make_settings(database_url, telegram, feeds))
    await say(telegram, USER, "/subscribe Akhannouch")
    await say(telegram, OTHER_USER, "/subscribe Akhannouch")

    telegram.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 1",
        retry_after=1,
        chat_id=USER,
    )
    telegram.block_chat(OTHER_USER)
    await publish(feeds, item("a1", "Aziz Akhannouch préside le conseil"))

    [alert] = await telegram.wait_for_messages(1, chat_id=USER, predicate=lambda m: "/a1" in m.text)
    assert "<b>Akhannouch</b>" in alert.text
    send_attempts = [p for m, p in telegram.calls if m == "sendMessage" and "/a1" in p["text"]]
    assert sum(int(p["chat_id"]) == USER for p in send_attempts) == 2  # 429, then the retry

    await app.deliverer.wait_idle()
    async with app.sessions() as session:
        blocked = await session.get(Chat, OTHER_USER)
        rows = (await session.scalars(select(OutboxItem).order_by(OutboxItem.chat_id))).all()
    assert blocked is not None and blocked.blocked
    assert [(r.chat_id, r.status) for r in rows] == [(USER, "sent"), (OTHER_USER, "dropped")]

    # Writing to the bot again makes the chat reachable again.
    telegram.unblock_chat(OTHER_USER)
    await say(telegram, OTHER_USER, "/start")
    # The chat's row is brought up to date once the reply is sent, still within the update's
    # handling: stopping waits for every update under way, then the row is read.
    await apps.stop(app)
    async with app.sessions() as session:
        unblocked = await session.get(Chat, OTHER_USER)
    assert unblocked is not None and not unblocked.blocked
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text


async def test_only_http_links_and_no_bidi_controls_reach_an_alert(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    app = await apps(make_settings(database_url, telegram, feeds))
    await say(telegram, USER, "/subscribe Retailleau")
    hostile = {
        "js": "javascript:alert(document.cookie)",
        "data": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "tg": "tg://resolve?domain=phishing",
        "upper": "JAVASCRIPT:alert(1)",
    }
    entries: list[FeedItem] = [
        {**item(slug, f"Retailleau {slug}"), "link": link} for slug, link in hostile.items()
    ]
    # A title and a text that would close the isolate early and reverse what follows.
    safe = item("ok", "Retailleau\u2069\u202e à Rabat", "Retailleau\u2066 reçu \u202b au palais.")
    await publish(feeds, *entries, safe)

    [alert] = await telegram.wait_for_messages(1, chat_id=USER, predicate=lambda m: "/ok" in m.text)
    await app.deliverer.wait_idle()
    async with app.sessions() as session:
        urls = set((await session.scalars(select(Article.url))).all())
        rows = (await session.scalars(select(OutboxItem))).all()
    assert urls == {OLD["link"], "https://news.example.ma/ok"}
    assert len(rows) == 1
    assert not [
        m for m in telegram.sent if any(s in m.text for s in ("javascript", "data:", "tg:"))
    ]
    assert not BIDI_CONTROLS.search(alert.text)
    assert "<b>Retailleau</b> à Rabat" in alert.text


async def test_broken_sources_do_not_stop_a_legacy_encoded_one(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, "down", status=500, content_type="text/plain")
    feeds.set("/slow.xml", rss_feed("Slow", [OLD]), delay=2)
    feeds.set("/junk.xml", "<html><body>no feed here</body></html>", content_type="text/html")
    feeds.set_file("/chamal.xml", "arabic_cp1256.xml", content_type="application/xml")
    sources = [
        {"url": feeds.url(FEED), "name": "Broken", "interval": 0.2},
        {"url": feeds.url("/slow.xml"), "name": "Slow", "interval": 0.2},
        {"url": feeds.url("/junk.xml"), "name": "Junk", "interval": 0.2},
        {"url": feeds.url("/chamal.xml"), "name": "الشمال", "interval": 0.2},
    ]
    polling = {
        "min_interval": 0.1,
        "default_interval": 0.2,
        "tick": 0.1,
        "fetch_timeout": 0.5,
        "allow_private_addresses": True,
    }
    app = await apps(make_settings(database_url, telegram, feeds, sources=sources, polling=polling))
    await say(telegram, USER, "/subscribe الشرطة")

    await feeds.wait_for_hits("/chamal.xml", 1)
    arabic = "الشرطة تفكك شبكة للهجرة السرية بطنجة"
    body = rss_feed("جريدة الشمال", [item("chamal-1", arabic)], encoding="windows-1256")
    feeds.set("/chamal.xml", body.encode("cp1256"), content_type="application/xml")

    [alert] = await telegram.wait_for_messages(
        1, chat_id=USER, predicate=lambda m: "chamal-1" in m.text
    )
    assert "<b>الشرطة</b> تفكك شبكة للهجرة السرية بطنجة" in alert.text
    assert "الشمال ·" in alert.text

    await feeds.wait_for_requests("/slow.xml", 2)
    listing = (await say(telegram, ADMIN, "/sources")).text
    by_name = {line.split("</b>")[0].split("<b>")[-1]: line for line in listing.split("\n\n")}
    assert "HTTP 500" in by_name["Broken"]
    assert "timed out" in by_name["Slow"]
    assert "no feed" in by_name["Junk"] or "not a feed" in by_name["Junk"]
    assert "⚠️" not in by_name["الشمال"]
    stats = {s.source.name: s for s in await app.sources.list()}
    assert stats["Broken"].source.error_count >= 1
    assert stats["الشمال"].article_count == 4  # three at first, one new


async def test_admin_source_commands(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    feeds.set("/gone.xml", "gone", status=404, content_type="text/plain")
    await apps(make_settings(database_url, telegram, feeds))

    failed = await say(telegram, ADMIN, f"/addsource {feeds.url('/gone.xml')}", replies=2)
    assert "Could not add" in failed.text and "404" in failed.text
    assert "Usage" in (await say(telegram, ADMIN, "/addsource notaurl")).text
    duplicate = await say(telegram, ADMIN, f"/addsource {feeds.url(FEED)}", replies=2)
    assert "already there" in duplicate.text

    assert "paused" in (await say(telegram, ADMIN, "/pausesource 1")).text
    assert "⏸" in (await say(telegram, ADMIN, "/sources")).text
    assert "resumed" in (await say(telegram, ADMIN, "/resumesource 1")).text
    assert "every 30 min" in (await say(telegram, ADMIN, "/interval 1 30")).text
    short = await say(telegram, ADMIN, "/interval 1 0.001")
    assert "shortest interval" in short.text
    assert "no source #9" in (await say(telegram, ADMIN, "/removesource 9")).text
    assert "Source #1 removed" in (await say(telegram, ADMIN, "/removesource 1")).text
    assert "No sources yet" in (await say(telegram, ADMIN, "/sources")).text
    for command in ("/pausesource 1", "/interval 1 5", "/removesource 1", "/sources"):
        assert "only the bot's administrators" in (await say(telegram, USER, command)).text


async def test_dry_run_prints_alerts_without_telegram(
    database_url: str, feeds: FeedServer, telegram: FakeTelegram, apps: Apps
) -> None:
    feeds.set_file(FEED, "arabic_rss.xml")
    out = io.StringIO()
    settings = make_settings(database_url, telegram, feeds, telegram={"token": ""})
    app = await apps(settings, DryRun(queries=["لفتيت"], out=out))
    await feeds.wait_for_hits(FEED, 1)
    await app.poller.wait_idle()
    await app.deliverer.drain(app.clock())
    printed = out.getvalue()
    assert "*لفتيت*" in printed
    assert "*لفتيت* يترأس اجتماعا حول تدبير ملف الهجرة غير النظامية\n🔗 https://" in printed
    assert "<b>" not in printed and "&quot;" not in printed
    assert telegram.calls == []


async def test_test_command_and_aliases(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set_file(FEED, "arabic_rss.xml")
    app = await apps(make_settings(database_url, telegram, feeds))
    await feeds.wait_for_hits(FEED, 1)
    await app.poller.wait_idle()

    tried = await say(telegram, USER, "/test الهجرة")
    assert "2 of the articles stored in the last 7 days match it" in tried.text
    assert tried.text.count("• <a href=") == 2 and "<b>الهجرة</b>" in tried.text
    assert "0 of the articles" in (await say(telegram, USER, "/test Macron")).text
    broken = await say(telegram, USER, '/test "الهجرة')
    assert "could not understand" in broken.text

    # Before the alias, a Latin spelling the automatic key cannot reach finds nothing.
    assert "0 of the articles" in (await say(telegram, USER, "/test Lafdeet")).text
    refused = await say(telegram, USER, "/alias Lafdeet = لفتيت")
    assert "only the bot's administrators" in refused.text
    added = await say(telegram, ADMIN, "/alias Lafdeet = لفتيت")
    assert "Alias #1" in added.text and "<b>Lafdeet</b> = <b>لفتيت</b>" in added.text
    assert "could not understand" in (await say(telegram, ADMIN, "/alias Lafdeet =")).text
    assert "#1: Lafdeet = لفتيت" in (await say(telegram, ADMIN, "/aliases")).text

    subscribed = await counted(telegram, await say(telegram, USER, "/subscribe Lafdeet"))
    assert "2 of the articles stored in the last 7 days match it" in subscribed
    assert "Alias #1 removed" in (await say(telegram, ADMIN, "/unalias 1")).text
    assert "0 of the articles" in (await say(telegram, USER, "/test Lafdeet")).text
    assert "No aliases yet" in (await say(telegram, ADMIN, "/aliases")).text


async def test_stopping_while_an_alert_is_being_sent_finishes_it_first(
    database_url: str,
    telegram: FakeTelegram,
    feeds: FeedServer,
    apps: Apps,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    app = await apps(make_settings(database_url, telegram, feeds))
    await say(telegram, USER, "/subscribe Bourita")
    telegram.hold("sendMessage")
    await publish(feeds, item("b1", "Nasser Bourita reçoit son homologue"))
    await telegram.wait_for_call("sendMessage", count=2)  # the reply, then the alert

    close_begun, close_done = asyncio.Event(), asyncio.Event()
    close = app.deliverer.close

    async def observed_close() -> None:
        close_begun.set()
        await close()
        close_done.set()

    monkeypatch.setattr(app.deliverer, "close", observed_close)
    stopping = asyncio.create_task(apps.stop(app))
    await close_begun.wait()
    # close() has begun and Telegram still holds the alert: close() waits for it. A close()
    # that did not wait would be done at once, long before this timeout.
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(close_done.wait()), 0.5)
    assert not stopping.done()
    assert not [m for m in telegram.sent if "/b1" in m.text]  # held, not yet sent
    telegram.release("sendMessage")
    await stopping
    assert close_done.is_set()

    [alert] = [m for m in telegram.sent if "/b1" in m.text]
    assert alert.chat_id == USER
    settings = make_settings(database_url, telegram, feeds)
    restarted = await apps(settings)
    async with restarted.sessions() as session:
        [row] = (await session.scalars(select(OutboxItem))).all()
    assert (row.status, row.telegram_message_id) == ("sent", alert.message_id)
