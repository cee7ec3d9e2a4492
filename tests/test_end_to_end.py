"""The real application against a fake Telegram Bot API server and a local feed server.

Everything here goes over HTTP on 127.0.0.1: aiogram's own client talks to FakeTelegram,
the poller fetches from FeedServer, storage is a real database.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from tests.e2e import ADMIN, FEED, OTHER_USER, USER, Apps, make_settings, say
from tests.fakes.feed_server import FeedItem, FeedServer, rss_feed
from tests.fakes.telegram_api import FakeTelegram

OLD_ITEMS: list[FeedItem] = [
    {
        "title": "الحكومة تصادق على مشروع قانون المالية",
        "link": "https://news.example.ma/finance-2026",
        "guid": "finance-2026",
        "description": "صادق مجلس الحكومة على مشروع قانون المالية لسنة 2026.",
        "published": "Mon, 23 Nov 2026 09:00:00 +0000",
    },
    {
        "title": "لقاء حول الهجرة بالرباط",
        "link": "https://news.example.ma/old-migration",
        "guid": "old-migration",
        "description": "نظم لقاء حول الهجرة النظامية.",
        "published": "Mon, 23 Nov 2026 10:00:00 +0000",
    },
]

NEW_ITEM: FeedItem = {
    "title": "لفتيت يقدم حصيلة محاربة <الهجرة> & التهريب",
    "link": "https://news.example.ma/laftit-migration?utm_source=rss",
    "guid": "laftit-migration",
    "description": (
        "<p>قدم وزير الداخلية عبد الوافي لفتيت، اليوم، أمام البرلمان حصيلة جهود "
        "محاربة الهجْرة غير النظامية.</p><p>وأكد استمرار التعاون مع الشركاء.</p>"
    ),
    "published": datetime.now(UTC),
}


async def test_subscribe_alert_restart_and_admin_commands(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("هسبريس", OLD_ITEMS))
    settings = make_settings(database_url, telegram, feeds)
    app = await apps(settings)

    await telegram.wait_for_call("setMyCommands", count=5)
    menus = {key: {c["command"] for c in cmds} for key, cmds in telegram.command_sets.items()}
    assert all({"subscribe", "list", "pause"} <= names for names in menus.values())
    assert any("addsource" in names for names in menus.values())  # the admin's own menu
    assert not all("addsource" in names for names in menus.values())

    welcome = await say(telegram, USER, "/start")
    assert "/subscribe" in welcome.text and "/addsource" not in welcome.text

    reply = await say(telegram, USER, "/subscribe الهجرة")
    assert "Subscribed" in reply.text and "الهجرة" in reply.text
    await say(telegram, USER, "/sub لفتيت")
    listing = await say(telegram, USER, "/list")
    assert "1. الهجرة" in listing.text and "2. لفتيت" in listing.text
    assert listing.reply_markup is not None

    # The first poll only records what the feed already holds: no alert for old news.
    await feeds.wait_for_hits(FEED, 1)
    feeds.set(FEED, rss_feed("هسبريس", [NEW_ITEM, *OLD_ITEMS]))
    [alert] = await telegram.wait_for_messages(
        1, chat_id=USER, predicate=lambda m: "news.example.ma" in m.text
    )
    assert alert.parse_mode == "HTML"
    assert 'href="https://news.example.ma/laftit-migration"' in alert.text
    assert "&lt;<b>الهجرة</b>&gt; &amp; التهريب" in alert.text  # escaped title, bold match
    assert "<b>لفتيت</b>" in alert.text and "<b>الهجْرة</b>" in alert.text
    assert "Hespress &lt;AR&gt;" in alert.text
    assert "🔎 الهجرة · لفتيت" in alert.text  # one alert naming both subscriptions
    assert "old-migration" not in " ".join(m.text for m in telegram.sent)

    # Restart: the new process polls again and must not send the alert twice.
    await apps.stop(app)
    hits_before_restart = feeds.hits[FEED]
    app = await apps(settings)
    await feeds.wait_for_hits(FEED, hits_before_restart + 2)
    await app.poller.wait_idle()
    assert await app.deliverer.drain(app.clock()) == 0
    alerts = [m for m in telegram.sent if m.chat_id == USER and "news.example.ma" in m.text]
    assert len(alerts) == 1

    # A non-admin cannot add sources; an admin can, from a page that links its feed.
    feeds.set_file("/page.html", "page_with_feed.html", content_type="text/html; charset=utf-8")
    feeds.set_file("/rss.xml", "arabic_rss.xml")
    refusal = await say(telegram, OTHER_USER, f"/addsource {feeds.url('/page.html')}")
    assert "only the bot's administrators" in refusal.text
    assert len(await app.sources.list()) == 1

    added = await say(telegram, ADMIN, f"/addsource {feeds.url('/page.html')} Le Site", replies=2)
    assert re.search(r"Source #\d+ <b>Le Site</b> added: \d+ items", added.text), added.text
    assert html.escape(feeds.url("/rss.xml")) in added.text
    sources = await say(telegram, ADMIN, "/sources")
    assert "Le Site" in sources.text and "Hespress" in sources.text
