"""Titles, summaries, texts, links and guids are cut where an article is made
(``ParsedEntry``), so whatever a source sends, what is matched and stored stays bounded:
by /addsource and by the poller, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json

from bot.sources.bounds import (
    MAX_GUID_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
)
from bot.sources.model import ParsedEntry
from bot.sources.parse import parse_feed
from tests.support.fakes.feed_server import FeedItem, FeedServer, rss_feed
from tests.support.pipeline_world import pipeline_world

HUGE_TITLE = "Titre énorme " + "mot " * 300_000  # 1.2 million characters
HUGE_SUMMARY = "Résumé géant " + "phrase " * 170_000  # 1.2 million characters
# Hex digits, which compress poorly: PostgreSQL would have to index it almost whole.
LONG_LINK = "https://x.ma/" + "".join(hashlib.sha256(b"%d" % i).hexdigest() for i in range(160))
LONG_GUID = "g" * (MAX_GUID_CHARS + 1)


def hostile_items(n: int) -> list[FeedItem]:
    return [
        {
            "title": HUGE_TITLE,
            "link": f"https://x.ma/huge/{n}",
            "guid": f"huge-{n}",
            "description": HUGE_SUMMARY,
        },
        {"title": "Lien trop long", "link": LONG_LINK, "guid": f"long-link-{n}"},
        {"title": "Guid trop long", "link": f"https://x.ma/guid/{n}", "guid": LONG_GUID + str(n)},
        {"title": "Normal", "link": f"https://x.ma/normal/{n}", "guid": f"normal-{n}"},
    ]


def test_a_hostile_feed_is_cut_to_the_limits() -> None:
    body = rss_feed("Hostile", hostile_items(1)).encode()
    assert len(body) > 2_000_000 and len(LONG_LINK) > MAX_URL_CHARS
    huge, long_link, long_guid, normal = parse_feed(body, base_url="https://x.ma/rss").entries
    assert huge.title == HUGE_TITLE[:MAX_TITLE_CHARS].strip()
    assert huge.summary == HUGE_SUMMARY[:MAX_SUMMARY_CHARS].strip()
    assert long_link.url == "" and long_link.title == "Lien trop long"
    assert long_guid.guid.startswith("sha1:") and len(long_guid.guid) == 45
    again = parse_feed(body, base_url="https://x.ma/rss").entries[2]
    assert again.guid == long_guid.guid  # stable: the article is recognised next time
    assert normal.title == "Normal" and normal.guid == "normal-1"


def test_every_source_kind_gets_the_limits() -> None:
    """A JSON feed (not feedparser) and a Telegram post's own text: the bound is on the
    entry itself, not on one parser."""
    from bot.sources.jsonfeed import parse_json_feed

    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "items": [
            {"id": "1", "url": "https://x.ma/j/1", "title": "T" * 50_000, "summary": "S" * 50_000}
        ],
    }
    [entry] = parse_json_feed(json.dumps(document).encode(), base_url="https://x.ma/f.json").entries
    assert len(entry.title) == MAX_TITLE_CHARS and len(entry.summary) == MAX_SUMMARY_CHARS
    post = ParsedEntry("g", "https://t.me/s/c/1", "t", "s", None, text="p" * (MAX_TEXT_CHARS + 5))
    assert len(post.text) == MAX_TEXT_CHARS


async def test_stored_articles_are_bounded(database_url: str, feeds: FeedServer) -> None:
    feeds.set("/hostile.xml", rss_feed("Hostile", hostile_items(1)))
    async with pipeline_world(database_url) as world:
        added = await world.sources.add(feeds.url("/hostile.xml"))
        # The over-long link is not stored (an alert must link somewhere); the rest are,
        # on PostgreSQL too, where its unique index would have failed the whole write.
        assert added.item_count == 4
        articles = {a.url: a for a in await world.articles()}
        assert set(articles) == {
            "https://x.ma/huge/1",
            "https://x.ma/guid/1",
            "https://x.ma/normal/1",
        }
        huge = articles["https://x.ma/huge/1"]
        assert len(huge.title) <= MAX_TITLE_CHARS and huge.title.startswith("Titre énorme")
        assert len(huge.summary) <= MAX_SUMMARY_CHARS and huge.summary.startswith("Résumé")
        assert articles["https://x.ma/guid/1"].guid.startswith("sha1:")

        # The poller: the same items again are not new (the guid digest is stable); a new
        # hostile item is stored cut, and matched on what is stored.
        await world.subscribe(2002, "énorme")
        feeds.set("/hostile.xml", rss_feed("Hostile", hostile_items(1) + hostile_items(2)))
        world.clock.advance(3600)
        result = await world.poller.poll(added.source.id)
        assert result is not None
        assert result.new_articles == 3  # huge/2, guid/2, normal/2
        stored = await world.articles()
        assert len(stored) == 6
        assert max(len(a.title) for a in stored) <= MAX_TITLE_CHARS
        assert max(len(a.summary) for a in stored) <= MAX_SUMMARY_CHARS
        assert max(len(a.body) for a in stored) <= MAX_TEXT_CHARS
        [alert] = await world.rows()
        assert alert.article_id == {a.url: a.id for a in stored}["https://x.ma/huge/2"]


async def test_a_full_text_page_with_a_huge_canonical_link(
    database_url: str, feeds: FeedServer
) -> None:
    """A page's ``rel=canonical`` is stored as the article's URL; one over the limit is
    ignored and the entry's own link kept (on PostgreSQL it failed the whole write)."""
    feeds.set("/a.xml", rss_feed("A", []))
    paragraph = "<p>" + "Le ministre a présidé une longue réunion sur la migration. " * 40 + "</p>"
    feeds.set(
        "/article/1",
        f"<html><head><title>Réunion</title><link rel='canonical' href='{LONG_LINK}'></head>"
        f"<body><article><h1>Réunion</h1>{paragraph * 3}</article></body></html>",
        content_type="text/html; charset=utf-8",
    )
    async with pipeline_world(database_url) as world:
        source = (await world.sources.add(feeds.url("/a.xml"))).source
        await world.sources.set_full_text(source.id, True)
        item: FeedItem = {"title": "Réunion", "link": feeds.url("/article/1"), "guid": "r1"}
        feeds.set("/a.xml", rss_feed("A", [item]))
        result = await world.poller.poll(source.id)
        assert result is not None and result.new_articles == 1
        [article] = await world.articles()
        assert article.url == feeds.url("/article/1")
        assert "présidé une longue réunion" in article.body  # the page was read
        assert feeds.hits["/article/1"] == 1
