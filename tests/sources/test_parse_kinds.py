"""Every kind of source parsed from fixture files (pure: bytes in, entries out)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.sources.dates import parse_date, parse_date_naive, site_zone
from bot.sources.decode import decode_html
from bot.sources.errors import FeedParseError, SourceError
from bot.sources.jsonfeed import is_json_feed, parse_json_feed
from bot.sources.listing import check_selector, parse_listing
from bot.sources.model import keep_newest
from bot.sources.page_meta import page_published
from bot.sources.parse import parse_feed
from bot.sources.sitemap import Sitemap, is_sitemap, parse_sitemap, pick_children, title_from_url
from bot.sources.telegram_channel import channel_name, channel_url, parse_telegram_channel
from tests.support.fakes.feed_server import numbered_items, rss_feed, site_bytes

CASABLANCA = ZoneInfo("Africa/Casablanca")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# ----------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sun, 29 Nov 2026 10:00:00 GMT", utc(2026, 11, 29, 10)),
        ("Sun, 29 Nov 2026 10:00:00 GMT+1", utc(2026, 11, 29, 9)),
        ("Sun, 29 Nov 2026 10:00:00 UTC+01:00", utc(2026, 11, 29, 9)),
        ("Sun, 29 Nov 2026 10:00:00 +01:00", utc(2026, 11, 29, 9)),
        ("Sun, 29 Nov 2026 10:00:00 CET", utc(2026, 11, 29, 9)),
        ("Sun, 29 Nov 2026 10:00:00 EDT", utc(2026, 11, 29, 14)),
        ("Sun, 29 Nov 2026 10:00:00 Z", utc(2026, 11, 29, 10)),
        ("29 Nov 2026 10:00 +0100", utc(2026, 11, 29, 9)),
        ("Dim, 29 nov 2026 10:00:00 +0100", utc(2026, 11, 29, 9)),
        ("2026-11-29T10:00:00Z", utc(2026, 11, 29, 10)),
        ("2026-11-29T10:00:00+0100", utc(2026, 11, 29, 9)),
        ("2026-11-29T10:00:00.250-03:00", datetime(2026, 11, 29, 13, 0, 0, 250000, tzinfo=UTC)),
        ("2026-11-29 10:00:00 +0100", utc(2026, 11, 29, 9)),
        ("1795946400", utc(2026, 11, 29, 10)),
    ],
)
def test_dates_with_zones(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected
    assert parse_date(text, CASABLANCA) == expected  # an explicit zone wins over the default


@pytest.mark.parametrize(
    ("text", "expected_local"),
    [
        ("2026-11-29 10:00:00", datetime(2026, 11, 29, 10)),
        ("2026-11-29", datetime(2026, 11, 29)),
        ("dimanche 29 novembre 2026 à 10h00", datetime(2026, 11, 29, 10)),
        ("الأحد 29 نونبر 2026 - 10:00", datetime(2026, 11, 29, 10)),
        ("29 نوفمبر 2026 10:00", datetime(2026, 11, 29, 10)),
        ("٢٩ شتنبر ٢٠٢٦", datetime(2026, 9, 29)),
    ],
)
def test_local_times_take_the_site_zone(text: str, expected_local: datetime) -> None:
    assert parse_date_naive(text) == expected_local
    assert parse_date(text) == expected_local.replace(tzinfo=UTC)
    # Morocco is UTC+1 in November and in late September.
    assert parse_date(text, CASABLANCA) == expected_local.replace(tzinfo=UTC) - timedelta(hours=1)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "bientôt",
        "منذ ساعتين",
        "il y a 2 heures",
        "yesterday",
        "31/02/2026 99:99",
        "0",
        None,
        12,
    ],
)
def test_unusable_dates_are_none(text: object) -> None:
    assert parse_date(text) is None


def test_site_zone_is_the_most_common_offset() -> None:
    plus_one = timezone(timedelta(hours=1))
    values = [
        datetime(2026, 1, 1, tzinfo=plus_one),
        datetime(2026, 1, 2, tzinfo=plus_one),
        datetime(2026, 1, 3, tzinfo=UTC),
        datetime(2026, 1, 4),
        None,
    ]
    zone = site_zone(values)
    assert zone is not None and zone.utcoffset(None) == timedelta(hours=1)
    assert site_zone([datetime(2026, 1, 4), None]) is None


# ----------------------------------------------------------------------------- RSS / Atom / RDF


def test_feed_times_in_every_format() -> None:
    feed = parse_feed(site_bytes("rss_dates.xml"), base_url="https://dates.example.ma/rss")
    published = {e.title: e.published for e in feed.entries}
    assert published == {
        "rfc822 gmt plus one": utc(2026, 11, 29, 9),
        "rfc822 numeric offset": utc(2026, 11, 29, 10, 30),
        # No zone written: the feed's other times are +01:00, so this one is too.
        "local time without zone": utc(2026, 11, 29, 11),
        "french weekday and month": utc(2026, 11, 29, 12),
        "arabic maghrebi month": utc(2026, 11, 29, 13),
        "dublin core iso": utc(2026, 11, 29, 14),
        "named zone CET": utc(2026, 11, 29, 15),
        "no date at all": None,
        "garbage date": None,
    }
    # <ttl>30</ttl> is 30 minutes; sy:updatePeriod hourly / 4 is 15 minutes: the larger.
    assert feed.ttl == 1800


def test_naive_feed_times_use_the_given_zone_when_the_feed_names_none() -> None:
    body = rss_feed(
        "t", [{"title": "a", "link": "https://x.ma/1", "published": "2026-11-29 10:00:00"}]
    ).encode()
    assert parse_feed(body, base_url="https://x.ma/rss").entries[0].published == utc(
        2026, 11, 29, 10
    )
    local = parse_feed(body, base_url="https://x.ma/rss", zone=CASABLANCA)
    assert local.entries[0].published == utc(2026, 11, 29, 9)


def test_rss_091_with_a_doctype_is_read_and_its_dtd_never_fetched() -> None:
    # The DTD URL points at a closed loopback port: fetching it would fail loudly.
    feed = parse_feed(site_bytes("rss091_doctype.xml"), base_url="https://matin.example.ma/rss")
    assert feed.title == "Le Matin du Sahara"
    (entry,) = feed.entries
    assert entry.title == "Santé : lancement d'une campagne de vaccination"
    assert entry.summary == "Le ministère de la Santé lance une campagne nationale."


def test_iso_8859_6_feed_decodes_to_arabic() -> None:
    raw = site_bytes("arabic_iso8859_6.xml")
    assert "لفتيت".encode("iso-8859-6") in raw and "لفتيت".encode() not in raw
    feed = parse_feed(raw, base_url="http://rabat.example.ma/rss.php")
    assert feed.title == "جريدة الرباط"
    assert [e.title for e in feed.entries] == [
        "وزير الداخلية لفتيت يزور مدينة طنجة",
        "الحكومة تناقش ملف الهجرة غير النظامية",
    ]
    assert "عبد الوافي لفتيت" in feed.entries[0].summary
    # Declared only by the HTTP header.
    bare = raw.replace(b' encoding="ISO-8859-6"', b"")
    again = parse_feed(bare, base_url="http://rabat.example.ma/rss.php", charset="iso-8859-6")
    assert (
        again.entries[1].summary == "ناقش مجلس الحكومة ملف الهجرة، وقرر تعزيز المراقبة على الحدود."
    )


def test_html_and_scripts_in_titles_come_out_as_plain_text() -> None:
    feed = parse_feed(site_bytes("script_titles.xml"), base_url="https://scripts.example.ma/rss")
    assert feed.title == "Scripts partout"
    first, second = feed.entries
    assert first.title == "Laftit préside une réunion"
    assert first.summary == "Texte du résumé"
    assert second.title == "الهجرة غير النظامية"
    for entry in feed.entries:
        for text in (entry.title, entry.summary):
            assert "<" not in text and "SCRIPT-BODY" not in text and "alert" not in text


@pytest.mark.alone  # timed
@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe_passwd.xml"])
def test_entity_declarations_are_refused(name: str) -> None:
    started = time.monotonic()
    with pytest.raises(FeedParseError) as caught:
        parse_feed(site_bytes(name), base_url="https://evil.example/rss")
    assert caught.value.kind == "hostile"
    assert "declares XML entities" in str(caught.value)
    assert "root:" not in str(caught.value)
    assert isinstance(caught.value, SourceError)
    assert time.monotonic() - started < 1.0


def test_external_entity_is_never_read(tmp_path: pytest.TempPathFactory) -> None:
    secret = tmp_path / "secret.txt"  # type: ignore[operator]
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY s SYSTEM "file://{secret}">]>'
        "<rss version='2.0'><channel><title>t &s;</title>"
        "<item><title>x &s;</title><link>https://x.ma/1</link></item></channel></rss>"
    ).encode()
    with pytest.raises(FeedParseError) as caught:
        parse_feed(body, base_url="https://x.ma/rss")
    assert "TOP-SECRET-VALUE" not in str(caught.value)
    # An entity that is used but never declared stays inert text.
    undeclared = body.replace(b'<!DOCTYPE rss [<!ENTITY s SYSTEM "file://', b"<!-- ").replace(
        b'">]>', b" -->"
    )
    feed = parse_feed(undeclared, base_url="https://x.ma/rss")
    assert "TOP-SECRET-VALUE" not in feed.entries[0].title


def test_malformed_xml_is_a_clear_parse_error() -> None:
    with pytest.raises(FeedParseError) as caught:
        parse_feed(site_bytes("malformed.xml"), base_url="https://x.ma/rss")
    assert caught.value.kind == "parse"
    assert str(caught.value).startswith("not a feed: malformed XML")


@pytest.mark.parametrize("newest_first", [True, False])
def test_ten_thousand_items_keep_the_newest_max_items(newest_first: bool) -> None:
    items = numbered_items(10_000, start=utc(2026, 1, 1))
    if newest_first:
        items.reverse()
    body = rss_feed("كبير", items).encode()
    feed = parse_feed(body, base_url="https://big.example.ma/rss", max_items=500)
    assert len(feed.entries) == 500
    assert {e.guid for e in feed.entries} == {f"g{i}" for i in range(9_500, 10_000)}
    small = parse_feed(body, base_url="https://big.example.ma/rss", max_items=3)
    assert {e.guid for e in small.entries} == {"g9999", "g9998", "g9997"}


def test_keep_newest_keeps_order_and_puts_undated_last() -> None:
    feed = parse_feed(site_bytes("rss_dates.xml"), base_url="https://dates.example.ma/rss")
    kept = keep_newest(feed.entries, 3)
    assert [e.title for e in kept] == [
        "arabic maghrebi month",
        "dublin core iso",
        "named zone CET",
    ]
    assert keep_newest(feed.entries, 100) == feed.entries


# ----------------------------------------------------------------------------- JSON Feed


def test_json_feed_1_1() -> None:
    body = site_bytes("jsonfeed_1_1.json")
    assert is_json_feed(body)
    feed = parse_json_feed(body, base_url="https://sada.example.ma/feed.json")
    assert feed.title == "صدى المغرب"
    assert feed.link == "https://sada.example.ma/"
    first, second, third = feed.entries
    assert first.guid == "sada-45821"
    assert first.url == "https://sada.example.ma/politique/laftit-hijra-45821.html"
    assert first.title == "لفتيت يترأس اجتماعا حول تدبير ملف الهجرة غير النظامية"
    assert first.summary == (
        "ترأس وزير الداخلية عبد الوافي لفتيت اجتماعا خُصّص لتتبع ملف الهجرة.\n"
        "وأكد الوزير على تعزيز التنسيق."
    )
    assert first.published == utc(2026, 11, 29, 9, 15)
    # Numeric id, relative URL, no title: the first line of the text.
    assert second.guid == "45817"
    assert second.url == "https://sada.example.ma/societe/hijra-arqam-45817.html"
    assert second.title == "الهجرة نحو أوروبا: أرقام جديدة"
    assert third.url == "https://bourse.example.ma/masi"
    assert third.published == utc(2026, 11, 28, 17, 30)  # date_modified as the fallback


def test_json_feed_1_0_with_local_times() -> None:
    body = site_bytes("jsonfeed_1_0.json")
    feed = parse_json_feed(body, base_url="https://echo.example.ma/feed.json", zone=CASABLANCA)
    assert [e.title for e in feed.entries] == [
        "Migration : l’Intérieur annonce un plan",
        "Météo : alerte aux fortes pluies",
    ]
    assert feed.entries[0].published == utc(2026, 11, 29, 8)
    assert feed.entries[0].summary.startswith("Le ministre de l’Intérieur, Abdelouafi Laftit")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "malformed JSON"),
        (b'{"version": "https://jsonfeed.org/version/1.1"}', "without an items list"),
        (b'{"hello": "world"}', "not a JSON Feed"),
        (b"[1, 2]", "not a JSON Feed"),
    ],
)
def test_broken_json_feeds(body: bytes, message: str) -> None:
    with pytest.raises(FeedParseError, match=message):
        parse_json_feed(body, base_url="https://x.ma/feed.json")


def test_big_json_feed_is_bounded() -> None:
    import json

    items = [
        {"id": str(i), "url": f"https://x.ma/{i}", "title": f"t{i}", "date_published": f"{d}"}
        for i, d in enumerate(
            (utc(2026, 1, 1) + timedelta(minutes=i)).isoformat() for i in range(5_000)
        )
    ]
    body = json.dumps({"version": "https://jsonfeed.org/version/1", "items": items}).encode()
    feed = parse_json_feed(body, base_url="https://x.ma/feed.json", max_items=10)
    assert [e.guid for e in feed.entries] == [str(i) for i in range(4_990, 5_000)]


# ----------------------------------------------------------------------------- sitemaps


def test_news_sitemap() -> None:
    body = site_bytes("news_sitemap.xml")
    assert is_sitemap(body)
    sitemap = parse_sitemap(body, base_url="https://sawt-chamal.example/news-sitemap.xml")
    assert sitemap.is_news and sitemap.title == "صوت الشمال" and sitemap.children == []
    assert [(e.title, e.published) for e in sitemap.entries] == [
        ("لفتيت يترأس اجتماعا حول تدبير ملف الهجرة غير النظامية", utc(2026, 11, 29, 9, 15)),
        # No zone written: the sitemap's other times are +01:00.
        ("مجلس الحكومة يصادق على «مشروع مرسوم» يتعلق بالجماعات الترابية", utc(2026, 11, 29, 8)),
        ("Tanger Med & le record historique de conteneurs", utc(2026, 11, 27, 23)),
    ]
    assert sitemap.entries[0].url == (
        "https://sawt-chamal.example/politique/laftit-preside-reunion-migration-45821.html"
    )
    assert sitemap.entries[0].guid == sitemap.entries[0].url


def test_plain_sitemap_titles_from_slugs_and_no_home_page() -> None:
    sitemap = parse_sitemap(site_bytes("plain_sitemap.xml"), base_url="https://fes.example.ma/x")
    assert not sitemap.is_news
    assert [(e.title, e.published) for e in sitemap.entries] == [
        ("fes medina restauration se poursuit", None),  # lastmod is not a publication time
        ("الهجرة السرية", None),
    ]


def test_sitemap_index_children() -> None:
    body = site_bytes("sitemap_index.xml", "https://s.example.ma")
    index = parse_sitemap(body, base_url="https://s.example.ma/sitemap.xml")
    assert index.entries == []
    assert [url for url, _ in index.children] == [
        "https://s.example.ma/post-sitemap.xml",
        "https://s.example.ma/page-sitemap.xml",
        "https://s.example.ma/news-sitemap.xml",
    ]
    assert pick_children(index, 2) == ["https://s.example.ma/news-sitemap.xml"]
    no_news = Sitemap(
        entries=[],
        children=[(u, d) for u, d in index.children if "news" not in u],
        is_news=False,
        title="",
    )
    assert pick_children(no_news, 1) == ["https://s.example.ma/post-sitemap.xml"]  # newest lastmod
    undated = Sitemap(
        entries=[],
        children=[(f"https://s.ma/post-sitemap{i}.xml", None) for i in range(1, 6)],
        is_news=False,
        title="",
    )
    assert pick_children(undated, 2) == [
        "https://s.ma/post-sitemap5.xml",
        "https://s.ma/post-sitemap4.xml",
    ]


def test_sitemap_bounded_to_the_newest() -> None:
    rows = "".join(
        f"<url><loc>https://x.ma/article-{i}-long-slug-here</loc>"
        f"<lastmod>{(utc(2026, 1, 1) + timedelta(hours=i)).isoformat()}</lastmod></url>"
        for i in range(3_000)
    )
    body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</urlset>'
    sitemap = parse_sitemap(body.encode(), base_url="https://x.ma/sitemap.xml", max_items=5)
    assert [e.url for e in sitemap.entries] == [
        f"https://x.ma/article-{i}-long-slug-here" for i in range(2_995, 3_000)
    ]


@pytest.mark.parametrize(
    ("body", "kind", "message"),
    [
        (
            site_bytes("billion_laughs.xml")
            .replace(b"<rss", b"<urlset")
            .replace(b"</rss>", b"</urlset>"),
            "hostile",
            "declares XML entities",
        ),
        (b"<?xml version='1.0'?><urlset><url><loc>x</loc></url>", "parse", "malformed XML"),
        (b"<?xml version='1.0'?><opml><body/></opml>", "parse", "unexpected root element <opml>"),
    ],
    ids=["bomb", "malformed", "opml"],
)
def test_bad_sitemaps(body: bytes, kind: str, message: str) -> None:
    with pytest.raises(FeedParseError) as caught:
        parse_sitemap(body, base_url="https://x.ma/sitemap.xml")
    assert caught.value.kind == kind
    assert message in str(caught.value)


def test_title_from_url() -> None:
    assert title_from_url("https://x.ma/politique/laftit-preside-reunion-45821.html") == (
        "laftit preside reunion"
    )
    assert title_from_url("https://x.ma/") == ""


# ----------------------------------------------------------------------------- HTML listings


def test_listing_heuristics_find_articles_and_skip_chrome() -> None:
    page = "https://sawt-chamal.example/category/politique/"
    feed = parse_listing(site_bytes("listing_ar.html").decode(), page_url=page)
    assert feed.title == "صوت الشمال"
    assert [(e.title, e.url) for e in feed.entries] == [
        (
            "لفتيت يترأس اجتماعا حول تدبير ملف الهجرة غير النظامية",
            "https://sawt-chamal.example/politique/laftit-preside-reunion-migration-45821.html",
        ),
        (
            "مجلس الحكومة يصادق على مشروع مرسوم يتعلق بالجماعات الترابية",
            "https://sawt-chamal.example/politique/majlis-hokouma-marsoum-jamaat-45810.html",
        ),
        (
            "أخنوش يستقبل وفدا برلمانيا أوروبيا",
            "https://sawt-chamal.example/index.php?option=com_content&view=article&id=45799",
        ),
        (
            "ميناء طنجة المتوسط يحقق رقما قياسيا جديدا",
            "https://www.sawt-chamal.example/economie/port-tanger-med-record-45790.html",
        ),
    ]
    first, second, *_ = feed.entries
    assert first.published == utc(2026, 11, 29, 9, 15)  # <time datetime>
    assert first.summary.startswith("ترأس وزير الداخلية عبد الوافي لفتيت")
    # "الأحد 29 نونبر 2026 - 09:00" in a .date span, in the zone of the page's other times.
    assert second.published == utc(2026, 11, 29, 8)
    assert feed.entries[2].published is None


def test_listing_with_a_selector() -> None:
    html = site_bytes("listing_selector.html").decode()
    assert parse_listing(html, page_url="https://akhbar.example.ma/").entries == []
    feed = parse_listing(html, page_url="https://akhbar.example.ma/", selector="div.akhbar-row")
    assert [(e.title, e.url) for e in feed.entries] == [
        ("Rabat : le Parlement adopte la loi de finances", "https://akhbar.example.ma/d/91"),
        ("Casablanca : ouverture du salon de l’auto", "https://akhbar.example.ma/d/90"),
        ("Fès : la médina accueille un festival", "https://akhbar.example.ma/d/89"),
    ]
    links = parse_listing(html, page_url="https://akhbar.example.ma/", selector=".akhbar-row a")
    assert len(links.entries) == 3
    limited = parse_listing(
        html, page_url="https://akhbar.example.ma/", selector="div.akhbar-row", max_items=2
    )
    assert len(limited.entries) == 2


def test_invalid_selector() -> None:
    assert check_selector("div.news > a") is None
    assert check_selector("div >>> a") == "not a valid CSS selector"
    with pytest.raises(FeedParseError, match="not valid"):
        parse_listing("<p></p>", page_url="https://x.ma/", selector="a[")


@pytest.mark.parametrize(
    ("name", "http_charset", "site"),
    [
        ("listing_cp1256.html", None, "جريدة الشمال"),  # <meta http-equiv> says windows-1256
        ("listing_cp1256.html", "windows-1256", "جريدة الشمال"),
        ("listing_iso8859_6.html", None, "جريدة الرباط"),  # <meta charset="iso-8859-6">
        ("listing_iso8859_6.html", "iso-8859-6", "جريدة الرباط"),
    ],
)
def test_legacy_arabic_listing_pages(name: str, http_charset: str | None, site: str) -> None:
    raw = site_bytes(name)
    assert "لفتيت".encode() not in raw  # really a legacy encoding
    html = decode_html(raw, http_charset)
    feed = parse_listing(html, page_url="http://rabat.example.ma/", zone=CASABLANCA)
    assert feed.title == f"{site} - آخر الأخبار"
    assert [e.title for e in feed.entries] == [
        "وزير الداخلية لفتيت يزور مدينة طنجة لتتبع مشاريع التنمية",
        "الحكومة تناقش ملف الهجرة غير النظامية وتقرر تعزيز المراقبة",
    ]
    assert "عبد الوافي لفتيت" in feed.entries[0].summary
    assert feed.entries[0].published == utc(2026, 11, 29, 9)  # local time, Morocco is UTC+1


def test_windows_1256_page_without_any_declaration_is_detected() -> None:
    raw = site_bytes("listing_cp1256.html").replace(b"; charset=windows-1256", b"")
    html = decode_html(raw)
    assert "وزير الداخلية لفتيت يزور مدينة طنجة" in html


def test_page_published_prefers_json_ld_then_meta_then_time() -> None:
    html = site_bytes("article_page.html").decode()
    assert page_published(html) == utc(2026, 11, 29, 8, 30)  # JSON-LD datePublished
    no_ld = html.replace('"datePublished"', '"dateX"')
    assert page_published(no_ld) == utc(2026, 11, 29, 9)  # article:published_time
    no_meta = no_ld.replace("article:published_time", "x")
    assert page_published(no_meta) == utc(2026, 11, 29, 8)  # <time datetime>
    assert page_published("<html><body><p>rien</p></body></html>") is None
    naive = "<html><body><time datetime='2026-11-29 10:00'>x</time></body></html>"
    assert page_published(naive, CASABLANCA) == utc(2026, 11, 29, 9)


# ----------------------------------------------------------------------------- Telegram


def test_telegram_channel_preview() -> None:
    page = "https://t.me/s/hespress_demo"
    feed = parse_telegram_channel(site_bytes("telegram_channel.html").decode(), page_url=page)
    assert feed.title == "Hespress هسبريس"
    first, second = feed.entries  # the photo-only post and the service message are skipped
    assert first.url == first.guid == "https://t.me/hespress_demo/4810"
    assert first.title == (
        "عاجل: وزير الداخلية عبد الوافي لفتيت يترأس اجتماعا حول الهجرة غير النظامية"
    )
    assert first.text.splitlines() == [
        "عاجل: وزير الداخلية عبد الوافي لفتيت يترأس اجتماعا حول الهجرة غير النظامية",
        "ترأس وزير الداخلية اجتماعا بالرباط خصص لتتبع ملف الهجرة، بحضور ولاة الجهات الشمالية.",
        "https://www.hespress.example/politique/laftit-hijra-1234567.html",
    ]
    assert first.summary == first.text
    assert first.published == utc(2026, 11, 29, 8, 15, 3)
    # The quoted reply is not part of the second post's text.
    assert second.url == "https://t.me/hespress_demo/4812"
    assert second.text == (
        "Le ministre de l’Intérieur a présidé une réunion sur la migration irrégulière à Rabat.\n"
        "Les walis du Nord étaient présents. #Maroc"
    )
    assert "عاجل" not in second.text
    assert second.published == utc(2026, 11, 29, 9, 2, 44)
    newest = parse_telegram_channel(
        site_bytes("telegram_channel.html").decode(), page_url=page, max_items=1
    )
    assert [e.guid for e in newest.entries] == ["https://t.me/hespress_demo/4812"]


def test_long_telegram_post_title_is_cut_at_a_word() -> None:
    words = " ".join(["الهجرة"] * 60)
    html = (
        '<div class="tgme_channel_info"></div>'
        '<div class="tgme_widget_message" data-post="chan_x/7">'
        f'<div class="tgme_widget_message_text">{words}</div></div>'
    )
    (entry,) = parse_telegram_channel(html, page_url="https://t.me/s/chan_x").entries
    assert entry.title.endswith("…") and len(entry.title) <= 141
    assert entry.title[:-1].split() == ["الهجرة"] * len(entry.title[:-1].split())
    assert entry.published is None


def test_page_that_is_no_channel_preview() -> None:
    with pytest.raises(FeedParseError, match="not a Telegram channel preview"):
        parse_telegram_channel("<html><body><p>x</p></body></html>", page_url="https://t.me/s/x")
    with pytest.raises(FeedParseError, match="no public web preview"):
        parse_telegram_channel(
            '<html><body><div class="tgme_page">x</div></body></html>', page_url="https://t.me/s/x"
        )


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://t.me/s/hespress_demo", "hespress_demo"),
        ("https://t.me/hespress_demo", "hespress_demo"),
        ("t.me/hespress_demo/4810", "hespress_demo"),
        ("http://telegram.me/s/Le360_ma?before=10", "Le360_ma"),
        ("https://t.me/joinchat/AAAAAE", None),
        ("https://t.me/+AbCdEf", None),
        ("https://t.me/", None),
        ("https://example.ma/s/hespress", None),
        ("https://t.me/abc", None),  # usernames have at least 5 characters... 4+ after the first
    ],
)
def test_channel_name(url: str, name: str | None) -> None:
    assert channel_name(url) == name


def test_channel_url() -> None:
    assert channel_url("hespress_demo") == "https://t.me/s/hespress_demo"
    assert channel_url("x_chan", "http://127.0.0.1:8080/") == "http://127.0.0.1:8080/s/x_chan"
