"""Source administration through the real bot: /addsource kinds, /sources health,
/fulltext, /selector, /importopml (caption and reply) and /exportopml."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import text
from bot.sources.opml import parse_opml
from bot.storage.models import Source
from bot.storage.sources import SourceStats
from bot.telegram.views.sources import chunks, source_line
from tests.support.e2e import ADMIN, FEED, TOKEN, USER, Apps, make_settings, say
from tests.support.fakes.feed_server import FeedServer, rss_feed
from tests.support.fakes.telegram_files import FakeTelegramFiles

ITEM = {"title": "Un titre", "link": "https://f.example.ma/1", "guid": "1"}

LISTING = (
    "<html><head><title>Akhbar</title></head><body><nav><a href='/'>Accueil</a></nav><main>"
    + "".join(
        f"<article class='post'><h2 class='t'><a href='/news/{i}'>Nouvelle numéro {i} sur "
        f"le gouvernement</a></h2></article>"
        for i in range(1, 5)
    )
    + "<aside><a class='promo' href='/promo/1'>Offre spéciale abonnement</a></aside>"
    + "</main></body></html>"
)


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeTelegramFiles]:
    async with FakeTelegramFiles(TOKEN) as fake:
        yield fake


async def reply_to(
    telegram: FakeTelegramFiles, user: int, message_id: int, text: str, replies: int = 1
) -> str:
    before = len([m for m in telegram.sent if m.chat_id == user])
    telegram.add_reply(text, user_id=user, reply_to=message_id)
    sent = await telegram.wait_for_messages(before + replies, chat_id=user)
    return sent[before + replies - 1].text


async def test_addsource_reports_the_kind_and_sources_shows_health(
    database_url: str, bot_api: FakeTelegramFiles, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Hespress", [ITEM]))
    feeds.set("/down.xml", "down", status=500, content_type="text/plain")
    feeds.set("/akhbar", LISTING, content_type="text/html; charset=utf-8")
    app = await apps(make_settings(database_url, bot_api, feeds))
    # The config's source has polled once: ✅.
    await feeds.wait_for_hits(FEED, 1)
    await app.poller.wait_idle()

    added = await say(bot_api, ADMIN, f"/addsource {feeds.url('/akhbar')} Akhbar", replies=2)
    assert "added as a <b>HTML listing</b>: 4 items" in added.text  # the promo is no article
    assert "full text of each new article" in added.text
    added = await say(bot_api, ADMIN, f"/addsource {feeds.url('/down.xml')}", replies=2)
    assert "Could not add" in added.text and "HTTP 500" in added.text

    listing = (await say(bot_api, ADMIN, "/sources")).text
    lines = listing.split("\n\n")[1:]
    hespress = next(line for line in lines if "Hespress" in line)
    akhbar = next(line for line in lines if "Akhbar" in line)
    assert hespress.startswith("✅ #1 <b>Hespress &lt;AR&gt;</b> · feed")
    assert "next: " in hespress and hespress.endswith("· 1 item")
    assert akhbar.startswith("✅ #2 <b>Akhbar</b> · HTML listing · full text")

    assert "paused" in (await say(bot_api, ADMIN, "/pausesource 2")).text
    listing = (await say(bot_api, ADMIN, "/sources")).text
    assert "⏸ #2 <b>Akhbar</b>" in listing

    on = await say(bot_api, ADMIN, "/fulltext 1 on")
    assert "full text of each new article will be fetched" in on.text
    assert (await app.sources.list())[0].source.full_text
    assert "summary only" in (await say(bot_api, ADMIN, "/fulltext 1 off")).text
    assert "Usage" in (await say(bot_api, ADMIN, "/fulltext 1 maybe")).text
    assert "no source #9" in (await say(bot_api, ADMIN, "/fulltext 9 on")).text
    assert "only the bot's administrators" in (await say(bot_api, USER, "/fulltext 1 on")).text


async def test_selector_is_checked_by_reading_the_page(
    database_url: str, bot_api: FakeTelegramFiles, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Hespress", [ITEM]))
    feeds.set("/akhbar", LISTING, content_type="text/html; charset=utf-8")
    app = await apps(make_settings(database_url, bot_api, feeds))
    await say(bot_api, ADMIN, f"/addsource {feeds.url('/akhbar')} Akhbar", replies=2)

    assert "HTML listings" in (await say(bot_api, ADMIN, "/selector 1 h2 a")).text
    ok = await say(bot_api, ADMIN, "/selector 2 aside a.promo")
    assert "the selector finds 1 article link." in ok.text  # the page was read with it
    bad = await say(bot_api, ADMIN, "/selector 2 .nothing-here a")
    assert "Selector not changed" in bad.text and "matches no article link" in bad.text
    stored = {s.source.id: s.source for s in await app.sources.list()}
    assert stored[2].selector == "aside a.promo"
    assert "selector: <code>aside a.promo</code>" in (await say(bot_api, ADMIN, "/sources")).text
    back = await say(bot_api, ADMIN, "/selector 2 -")
    assert "detected automatically (4 found)" in back.text
    assert "Usage" in (await say(bot_api, ADMIN, "/selector 2")).text


OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Revue de presse</title></head><body>
<outline text="Maroc">
  <outline type="rss" text="Le Site" xmlUrl="{a}" htmlUrl="https://site.example.ma/"/>
  <outline type="rss" text="هسبريس" xmlUrl="{hespress}"/>
</outline>
<outline type="rss" text="Cassé" xmlUrl="{broken}"/>
<outline type="rss" text="Le Site encore" xmlUrl="{a}"/>
<outline text="Pas un flux" htmlUrl="https://x.example.ma/"/>
</body></opml>
"""


async def test_import_and_export_opml(
    database_url: str, bot_api: FakeTelegramFiles, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Hespress", [ITEM]))
    feeds.set("/a.xml", rss_feed("A", [ITEM]))
    feeds.set("/broken.xml", "nope", status=404, content_type="text/plain")
    app = await apps(make_settings(database_url, bot_api, feeds))
    document = OPML.format(
        a=feeds.url("/a.xml"), hespress=feeds.url(FEED), broken=feeds.url("/broken.xml")
    ).encode()

    before = len([m for m in bot_api.sent if m.chat_id == ADMIN])
    bot_api.add_document(document, user_id=ADMIN, file_name="press.opml", caption="/importopml")
    sent = await bot_api.wait_for_messages(before + 2, chat_id=ADMIN)
    assert "Importing 3 feeds" in sent[before].text
    report = sent[before + 1].text
    assert "1 added, 1 already there, 1 failed" in report
    assert html.escape(feeds.url("/broken.xml")) in report and "HTTP 404" in report
    names = {s.source.name for s in await app.sources.list()}
    assert names == {"Hespress <AR>", "Le Site"}

    # A file sent on its own, then answered with /importopml: everything is there already.
    message_id = bot_api.add_document(document, user_id=ADMIN, file_name="again.opml")
    again = await reply_to(bot_api, ADMIN, message_id, "/importopml", replies=2)
    assert "0 added, 2 already there, 1 failed" in again

    junk = bot_api.add_document(b"<html>no</html>", user_id=ADMIN, file_name="x.opml")
    bad = await reply_to(bot_api, ADMIN, junk, "/importopml")
    assert "Could not read that OPML file" in bad and "not an OPML file" in bad
    bomb = b'<?xml version="1.0"?><!DOCTYPE o [<!ENTITY a "aaaa">]><opml>&a;</opml>'
    bad = await reply_to(
        bot_api, ADMIN, bot_api.add_document(bomb, user_id=ADMIN, file_name="b.opml"), "/importopml"
    )
    assert "refused" in bad
    assert "Send an .opml file" in (await say(bot_api, ADMIN, "/importopml")).text
    refused = await say(bot_api, USER, "/importopml")
    assert "only the bot's administrators" in refused.text

    bot_api.add_message("/exportopml", user_id=ADMIN)
    await bot_api.wait_for_call("sendDocument")
    [exported] = bot_api.documents
    assert exported.chat_id == ADMIN and exported.file_name.endswith(".opml")
    assert exported.caption == "2 sources"
    outlines = parse_opml(exported.content)
    assert {(o.url, o.title) for o in outlines} == {
        (feeds.url(FEED), "Hespress <AR>"),
        (feeds.url("/a.xml"), "Le Site"),
    }


def test_a_long_source_list_is_split_into_messages_under_telegrams_limit() -> None:
    now = datetime(2026, 11, 29, 4, tzinfo=UTC)
    stats = [
        SourceStats(
            Source(
                id=i,
                url=f"https://site{i}.example.ma/",
                feed_url=f"https://site{i}.example.ma/feed/",
                name=f"جريدة رقم {i} <أخبار>",
                interval_seconds=600,
                next_poll_at=now,
                last_success_at=now if i % 3 else None,
                error_count=i % 4,
                last_error="timeout: timed out after 20s " * 15 if i % 4 else None,
                unhealthy_since=now if i % 5 == 0 else None,
                paused=i % 7 == 0,
                kind=("feed", "sitemap", "html", "telegram")[i % 4],
                full_text=i % 2 == 0,
                selector="div.list h2 > a" if i % 4 == 2 else None,
            ),
            article_count=i * 10,
        )
        for i in range(1, 121)
    ]
    for lang in ("ar", "fr", "en"):
        lines = [source_line(s, lang, ZoneInfo("Africa/Casablanca")) for s in stats]
        messages = chunks(text(lang, "sources_header"), lines)
        assert len(messages) > 3
        assert all(len(m) < 4096 for m in messages)
        assert "\n\n".join(messages).count("#") >= 120
    joined = "\n\n".join(lines)
    assert "⏸ #7 " in joined and "⛔ #5 " in joined and "⚠️ #1 " in joined
    assert "✅ #4 " in joined and "⏳ #12 " in joined and "⚠️ #3 " in joined
    assert "&lt;أخبار&gt;" in joined and "<أخبار>" not in joined
