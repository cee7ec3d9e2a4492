"""Real outlets' feeds and pages (tests/data/realfeeds/feeds, provenance in MANIFEST.tsv
beside them) read right: undeclared legacy encodings, Telegram service messages,
invisible characters in titles, dates written in other languages."""

from __future__ import annotations

import re
from pathlib import Path

from bot.sources.clean_text import visible_text
from bot.sources.jsonfeed import parse_json_feed
from bot.sources.model import ParsedEntry, ParsedFeed
from bot.sources.parse import parse_feed
from bot.sources.sitemap import parse_sitemap
from bot.sources.telegram_channel import parse_telegram_channel

REAL = Path(__file__).resolve().parents[1] / "data" / "realfeeds" / "feeds"
OLDER = Path(__file__).resolve().parents[1] / "data" / "feeds"
_XML_DECL_RE = re.compile(rb"<\?xml[^>]*\?>\s*")
_META_CHARSET_RE = re.compile(r"<meta[^>]*charset[^>]*>", re.IGNORECASE)
# What clean_text removes; the real_feeds checker's own list, plus U+2060 and U+061C.
_INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"  # bidi
)


def real(name: str) -> bytes:
    return (REAL / name).read_bytes()


def without_declaration(body: bytes) -> bytes:
    return _XML_DECL_RE.sub(b"", body, count=1)


def test_the_manifest_names_every_copied_file() -> None:
    rows = (REAL / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("file\tkind\tlanguage\tsource_repo\tsource_path\tcommit")
    listed = {row.split("\t", 1)[0] for row in rows[1:]}
    assert listed == {path.name for path in REAL.iterdir()} - {"MANIFEST.tsv"}


# ------------------------------------------------------------------ Telegram service messages


def test_channel_created_is_not_a_post() -> None:
    feed = parse_telegram_channel(
        real("tme-feedjam.html").decode("utf-8"), page_url="https://t.me/s/feedjam"
    )
    titles = [entry.title for entry in feed.entries]
    assert "Channel created" not in titles
    assert len(titles) == 6
    assert "https://t.me/feedjam/1" not in {entry.url for entry in feed.entries}


def test_pinned_message_notice_is_not_a_post() -> None:
    # The same real page, its service message turned into a pinned-message notice.
    page = real("tme-feedjam.html").decode("utf-8")
    assert page.count(">Channel created<") == 1
    pinned = page.replace(">Channel created<", ">feedjam pinned «what’s upp»<")
    feed = parse_telegram_channel(pinned, page_url="https://t.me/s/feedjam")
    assert not [entry for entry in feed.entries if "pinned" in entry.title]
    assert len(feed.entries) == 6


# ------------------------------------------------------------------ invisible characters


def test_zero_width_space_no_longer_starts_every_channel_title() -> None:
    page = real("tme-habr_com.html").decode("utf-8")
    feed = parse_telegram_channel(page, page_url="https://t.me/s/habr_com")
    assert len(feed.entries) == 20
    assert all(entry.text.startswith("\u200b") for entry in feed.entries[:3])  # as sent
    assert feed.entries[0].title == "⚡️ Новости к этому часу"
    for entry in feed.entries:
        assert entry.title and not set(entry.title) & set(_INVISIBLE)
        assert entry.title == entry.title.strip()


def test_visible_text_removes_every_invisible_character_and_trims() -> None:
    assert visible_text(f" {_INVISIBLE}عاجل:\u200f المغرب\u2069 \n") == "عاجل: المغرب"
    assert visible_text("  Plain title ") == "Plain title"
    assert visible_text("\u200b") == ""


def test_every_entry_and_source_title_is_cleaned() -> None:
    entry = ParsedEntry(
        guid="g",
        url="https://x.example/a",
        title="\u200b\u202bعنوان\u202c ",
        summary="",
        published=None,
    )
    assert entry.title == "عنوان"
    assert ParsedFeed(title="\ufeff Хабр\u200e", link=None, entries=[]).title == "Хабр"


def test_feeds_json_feeds_and_sitemaps_give_clean_titles() -> None:
    title = "\u200bLe titre\u200f"
    rss = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>\u2066Site\u2069</title><item><title>{title}</title>"
        "<link>https://x.example/a</link></item></channel></rss>"
    ).encode()
    feed = parse_feed(rss, base_url="https://x.example/feed")
    assert (feed.title, feed.entries[0].title) == ("Site", "Le titre")
    json_feed = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "\\u200bSite",'
        b' "items": [{"id": "1", "url": "https://x.example/a", "title": "\\u200bLe titre"}]}'
    )
    parsed = parse_json_feed(json_feed, base_url="https://x.example/feed.json")
    assert (parsed.title, parsed.entries[0].title) == ("Site", "Le titre")
    sitemap = (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url>'
        "<loc>https://x.example/2026/11/29/a.html</loc><news:news><news:publication>"
        "<news:name>Site</news:name></news:publication>"
        f"<news:title>{title}</news:title></news:news></url></urlset>"
    ).encode()
    (entry,) = parse_sitemap(sitemap, base_url="https://x.example/sitemap.xml").entries
    assert entry.title == "Le titre"
