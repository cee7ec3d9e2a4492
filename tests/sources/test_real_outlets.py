"""Real outlets' feeds and pages (tests/data/realfeeds/feeds, provenance in MANIFEST.tsv
beside them) read right: undeclared legacy encodings, Telegram service messages,
invisible characters in titles, dates written in other languages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sources.charset_evidence import best_single_byte
from bot.sources.clean_text import visible_text
from bot.sources.dates import parse_date
from bot.sources.decode import decode_document, decode_html
from bot.sources.jsonfeed import parse_json_feed
from bot.sources.listing import parse_listing
from bot.sources.model import ParsedEntry, ParsedFeed
from bot.sources.parse import parse_feed
from bot.sources.sitemap import parse_sitemap
from bot.sources.telegram_channel import parse_telegram_channel

REAL = Path(__file__).resolve().parents[1] / "data" / "realfeeds" / "feeds"
PAGES = REAL.parent / "pages"  # the saved HTML pages (the listing tests' own copy)
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


# ------------------------------------------------------------------ undeclared encodings


def test_latin1_feed_without_any_declaration_reads_as_latin1() -> None:
    # charset-normalizer's first guess for it is cp1257: "simulaēões de 2ŗ turno".
    body = real("uol-noticias-latin1-nodecl.rss.xml")
    assert b"<?xml" not in body
    feed = parse_feed(body, base_url="http://noticias.uol.com.br/")
    assert feed.entries[0].title == (
        "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno"
    )
    assert feed.title == "UOL Noticias"
    assert decode_document(body) == body.decode("latin-1")


def test_portuguese_feed_with_its_declaration_removed_reads_the_same() -> None:
    # Without the declaration charset-normalizer's first guess is cp1250.
    declared = real("jn-pt-iso88591.rss.xml")
    stripped = without_declaration(declared)
    assert b"encoding=" not in stripped[:200]
    assert decode_document(stripped) == stripped.decode("iso-8859-1")
    base = "http://feeds.jn.pt/"
    with_decl = [e.title for e in parse_feed(declared, base_url=base).entries]
    without = [e.title for e in parse_feed(stripped, base_url=base).entries]
    assert without == with_decl
    assert any(c in "".join(without) for c in "ãçõéá")


def test_le_monde_page_in_windows_1252_without_its_meta_reads_as_windows_1252() -> None:
    # charset-normalizer's first guess is cp1250: "approuvé ŕ l'Assemblée".
    page = _META_CHARSET_RE.sub("", (PAGES / "lemonde-article.html").read_bytes().decode("utf-8"))
    body = page.encode("cp1252", errors="xmlcharrefreplace")
    text = decode_html(body)
    assert text == body.decode("cp1252")
    assert "approuvé à l’Assemblée" in text or "approuvé à l'Assemblée" in text


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("chardet-ar-cp1256-nodecl.html", "cp1256"),
        ("chardet-ar-iso88596-nodecl.html", "iso-8859-6"),
    ],
)
def test_arabic_pages_without_any_declaration_stay_right(name: str, encoding: str) -> None:
    body = real(name)
    text = decode_html(body)
    assert text == body.decode(encoding)
    assert "كتائب الشهيد عز الدين القسام" in text


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("real_newsru_koi8r.xml", "koi8-r"), ("real_aif_health_cp1251_rss091.xml", "cp1251")],
)
def test_evidence_still_picks_other_scripts_code_pages(name: str, encoding: str) -> None:
    # The preference for our outlets' encodings is a tie-break, not a verdict: Russian
    # feeds stripped of their declaration still come out in Cyrillic (KOI8-R is not
    # windows-1251 with its case swapped).
    body = without_declaration((OLDER / name).read_bytes())
    assert decode_document(body) == body.decode(encoding)


def test_polish_text_is_not_taken_for_windows_1252() -> None:
    # "ł" in cp1250 is "³" in windows-1252: a symbol inside a word is evidence.
    body = "Główny urząd ogłosił, że źródła są wiarygodne.".encode("cp1250")
    assert best_single_byte(body, ["cp1250"]) == body.decode("cp1250")


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


# ------------------------------------------------------------------ dates in other languages


def test_portuguese_dates_of_a_feed_that_declares_no_language() -> None:
    # UOL writes "Seg, 24 Set 2018 19:42:40 -0300" and an empty <language>.
    body = real("uol-noticias-latin1-nodecl.rss.xml")
    assert b"<language></language>" in body
    feed = parse_feed(body, base_url="http://noticias.uol.com.br/")
    assert all(entry.published is not None for entry in feed.entries)
    assert feed.entries[0].published == datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)


def test_portuguese_dates_in_the_feeds_declared_language() -> None:
    body = real("uol-noticias-latin1-nodecl.rss.xml").replace(
        b"<language></language>", b"<language>pt-br</language>"
    )
    feed = parse_feed(body, base_url="http://noticias.uol.com.br/")
    assert feed.entries[0].published == datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)
    assert all(entry.published is not None for entry in feed.entries)


def test_aif_health_items_carry_no_date_at_all() -> None:
    # 0 % dated in the real-feeds run: this RSS 0.91 feed has no <pubDate> anywhere, so
    # its items take the time first seen.
    body = (OLDER / "real_aif_health_cp1251_rss091.xml").read_bytes()
    assert b"pubDate" not in body and b"dc:date" not in body
    feed = parse_feed(body, base_url="http://www.aif.ru/")
    assert len(feed.entries) == 17
    assert all(entry.published is None for entry in feed.entries)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Seg, 24 Set 2018 19:42:40 -0300", "pt-BR", datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)),
        ("Seg, 24 Set 2018 19:42:40 -0300", None, datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)),
        ("Di, 3 Okt 2023 10:00:00 +0200", "de", datetime(2023, 10, 3, 8, 0, tzinfo=UTC)),
        ("3 de outubro de 2023 10:00", "pt", datetime(2023, 10, 3, 10, 0, tzinfo=UTC)),
        ("29 novembre 2026 10:00", "xx-unknown", datetime(2026, 11, 29, 10, 0, tzinfo=UTC)),
    ],
)
def test_dates_in_the_declared_language(
    text: str, language: str | None, expected: datetime
) -> None:
    assert parse_date(text, language=language) == expected


def test_other_shapes_are_not_guessed_without_a_declared_language() -> None:
    # Only the RFC 822 shape leaves nothing but the month's language open.
    assert parse_date("3 de outubro de 2023 10:00") is None
    assert parse_date("3 de outubro de 2023 10:00", language="pt") is not None


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (' lang="pt-BR"', datetime(2018, 9, 24, 19, 42, tzinfo=UTC)),
        ("", None),  # no declared language: this shape is not guessed
    ],
)
def test_listing_dates_in_the_pages_html_lang(lang: str, expected: datetime | None) -> None:
    page = (
        f"<!doctype html><html{lang}><body><article>"
        '<h2><a href="/2018/09/24/ibope-bolsonaro.htm">Ibope: Bolsonaro perde de Haddad</a></h2>'
        "<time>24 de setembro de 2018, 19:42</time></article></body></html>"
    )
    feed = parse_listing(page, page_url="https://noticias.example/", selector="article")
    assert [entry.published for entry in feed.entries] == [expected]
