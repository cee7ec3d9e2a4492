"""The real application against a fake Telegram Bot API server and a local feed server.

Everything here goes over HTTP on 127.0.0.1: aiogram's own client talks to FakeTelegram,
the poller fetches from FeedServer, storage is a real database.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from tests.support.e2e import ADMIN, FEED, OTHER_USER, USER, Apps, make_settings, say
from tests.support.fakes.feed_server import FeedItem, FeedServer, rss_feed
from tests.support.fakes.telegram_api import FakeTelegram
from tests.support.story_copies import FR_BODIES, FR_TITLES

pytestmark = pytest.mark.alone  # times itself or runs processes: see scripts/test.sh

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
    assert re.search(r"Source #\d+ <b>Le Site</b> added as a <b>feed</b>: \d+ items", added.text)
    assert html.escape(feeds.url("/rss.xml")) in added.text
    sources = await say(telegram, ADMIN, "/sources")
    assert "Le Site" in sources.text and "Hespress" in sources.text


async def test_story_copies_edit_the_alert_and_admins_hear_once_about_a_failing_source(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:

    feeds.set(FEED, rss_feed("Hespress", OLD_ITEMS))
    feeds.set("/le360.xml", rss_feed("Le360", []))
    feeds.set("/down.xml", "down", status=500, content_type="text/plain")
    sources = [
        {"url": feeds.url(FEED), "name": "Hespress", "interval": 0.2},
        {"url": feeds.url("/le360.xml"), "name": "Le360", "interval": 0.2},
        {"url": feeds.url("/down.xml"), "name": "Down <1>", "interval": 0.2},
    ]
    polling = {
        "min_interval": 0.1,
        "default_interval": 0.2,
        "tick": 0.1,
        "fetch_timeout": 3,
        "allow_private_addresses": True,
        "unhealthy_after": 2,
        "max_backoff": 0.5,
    }
    settings = make_settings(database_url, telegram, feeds, sources=sources, polling=polling)
    app = await apps(settings)
    await say(telegram, USER, '/subscribe "Conseil des ministres"')
    await feeds.wait_for_hits(FEED, 1)
    await feeds.wait_for_hits("/le360.xml", 1)

    def item(n: int) -> FeedItem:
        return {
            "title": FR_TITLES[n],
            "link": f"https://outlet{n}.example.ma/roi-conseil",
            "guid": f"roi-{n}",
            "description": FR_BODIES[n],
            "published": datetime.now(UTC),
        }

    feeds.set(FEED, rss_feed("Hespress", [item(0), *OLD_ITEMS]))
    [alert] = await telegram.wait_for_messages(
        1, chat_id=USER, predicate=lambda m: "outlet0" in m.text
    )
    feeds.set("/le360.xml", rss_feed("Le360", [item(1)]))
    [edit] = await telegram.wait_for_edits(chat_id=USER, message_id=alert.message_id)
    assert "Also reported by: Le360" in edit.text and "outlet0" in edit.text
    assert not [m for m in telegram.sent if "outlet1" in m.text]  # one alert per story

    # The failing source: one notice to the admin when it goes unhealthy, none after.
    [notice] = await telegram.wait_for_messages(
        1, chat_id=ADMIN, predicate=lambda m: "failed" in m.text
    )
    assert "Down &lt;1&gt;" in notice.text and "HTTP 500" in notice.text
    hits = feeds.hits["/down.xml"]
    await feeds.wait_for_hits("/down.xml", hits + 3)
    feeds.set("/down.xml", rss_feed("Down", []))
    [back] = await telegram.wait_for_messages(
        1, chat_id=ADMIN, predicate=lambda m: "works again" in m.text
    )
    assert "Down &lt;1&gt;" in back.text
    to_admin = [m for m in telegram.sent if m.chat_id == ADMIN]
    assert len([m for m in to_admin if "failed" in m.text]) == 1
    listing = (await say(telegram, ADMIN, "/sources")).text
    assert "✅ #3 <b>Down &lt;1&gt;</b>" in listing
    assert app.poller.stories.loaded


def listing_page(links: list[tuple[str, str]]) -> str:
    items = "".join(
        f"<article class='post'><h2><a href='{href}'>{title}</a></h2></article>"
        for href, title in links
    )
    return f"<html><head><title>أخبار</title></head><body><main>{items}</main></body></html>"


async def test_an_html_listing_alerts_on_names_found_only_in_the_article_body(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Hespress", OLD_ITEMS))
    old = [(f"/news/{i}", f"خبر محلي رقم {i} من جهة الرباط سلا القنيطرة") for i in range(1, 4)]
    feeds.set("/akhbar", listing_page(old), content_type="text/html; charset=utf-8")
    app = await apps(make_settings(database_url, telegram, feeds))
    assert app.scheduler.get_job("retention") is not None
    added = await say(telegram, ADMIN, f"/addsource {feeds.url('/akhbar')} Akhbar", replies=2)
    assert "added as a <b>HTML listing</b>: 3 items" in added.text
    await say(telegram, USER, "/subscribe لفتيت بوريطة")

    # The headline names neither minister: only the article page does.
    body = (
        "<p>ترأس وزير الداخلية عبد الوافي لفتيت ووزير الخارجية ناصر بوريطة، اليوم بالرباط، "
        "اجتماعا خصص لتتبع تنفيذ الاستراتيجية الوطنية لمحاربة الهجرة غير النظامية.</p>"
        "<p>وأكد المسؤولان على ضرورة تعزيز التنسيق بين مختلف المتدخلين على مستوى المملكة.</p>"
    )
    page = (
        "<html><head><meta charset='windows-1256'><title>اجتماع</title></head><body>"
        "<nav><a href='/'>الرئيسية</a></nav><article><h1>اجتماع حول الهجرة بالرباط</h1>"
        f"{body}</article><footer>جميع الحقوق محفوظة</footer></body></html>"
    )
    feeds.set("/news/9", page.encode("cp1256"), content_type="text/html")
    fresh = [("/news/9", "اجتماع حول الهجرة بالرباط"), *old]
    feeds.set("/akhbar", listing_page(fresh), content_type="text/html; charset=utf-8")
    [alert] = await telegram.wait_for_messages(
        1, chat_id=USER, predicate=lambda m: "/news/9" in m.text
    )
    assert "<b>لفتيت</b>" in alert.text and "<b>بوريطة</b>" in alert.text
    assert feeds.hits["/news/9"] == 1
    assert not any(f"/news/{i}" in path for i in range(1, 4) for path in feeds.hits)
