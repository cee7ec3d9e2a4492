"""read_source / resolve_source / preview over real loopback HTTP, for every kind."""

from __future__ import annotations

import asyncio
import gzip
import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.sources.errors import SourceError
from bot.sources.fetch import Fetcher
from bot.sources.fetch_limits import FetchLimits
from bot.sources.http_session import create_session
from bot.sources.preview import preview_rows
from bot.sources.read import SourceRead, read_source
from bot.sources.resolve import ResolvedSource, SourceResolveError, resolve_source
from tests.support.fakes.feed_server import FeedServer, numbered_items, rss_feed, site_bytes
from tests.support.parsing import shared_parsers

CASABLANCA = ZoneInfo("Africa/Casablanca")
HTML = "text/html; charset=utf-8"
XML = "application/xml"
LAFTIT_TITLE = "لفتيت يترأس اجتماعا حول تدبير ملف الهجرة غير النظامية"


async def read(
    fetcher: Fetcher,
    url: str,
    kind: str = "feed",
    *,
    selector: str | None = None,
    etag: str | None = None,
    max_items: int = 500,
) -> SourceRead:
    return await read_source(
        fetcher,
        kind=kind,  # type: ignore[arg-type]
        url=url,
        selector=selector,
        etag=etag,
        last_modified=None,
        parsers=shared_parsers(),
        max_items=max_items,
        zone=CASABLANCA,
    )


async def resolve(fetcher: Fetcher, url: str, **options: Any) -> ResolvedSource:
    return await resolve_source(fetcher, url, parsers=shared_parsers(), **options)


async def preview(fetcher: Fetcher, url: str) -> list[dict[str, Any]]:
    return await preview_rows(fetcher, url, parsers=shared_parsers())


def titles(result: SourceRead) -> list[str]:
    assert result.entries is not None
    return [e.title for e in result.entries]


# ----------------------------------------------------------------------------- read_source


async def test_read_feed_with_conditional_get(server: FeedServer, fetcher: Fetcher) -> None:
    server.set_file("/rss.xml", "arabic_rss.xml", etag='"v1"')
    first = await read(fetcher, server.url("/rss.xml"))
    assert first.title == "صدى المغرب - أخبار المغرب والعالم"
    assert titles(first)[0] == "لفتيت يترأس اجتماعا حول تدبير ملف الهجرة غير النظامية"
    assert first.fetched.etag == '"v1"'
    second = await read(fetcher, server.url("/rss.xml"), etag=first.fetched.etag)
    assert second.entries is None
    assert second.fetched.not_modified
    assert server.requests[-1][1]["If-None-Match"] == '"v1"'


async def test_read_feed_ttl(server: FeedServer, fetcher: Fetcher) -> None:
    server.set_file("/dates.xml", "rss_dates.xml")
    result = await read(fetcher, server.url("/dates.xml"))
    assert result.ttl == 1800
    assert result.entries is not None and len(result.entries) == 9


@pytest.mark.parametrize("name", ["jsonfeed_1_1.json", "jsonfeed_1_0.json"])
async def test_read_json_feed(server: FeedServer, fetcher: Fetcher, name: str) -> None:
    server.set_file("/feed.json", name, content_type="application/feed+json")
    result = await read(fetcher, server.url("/feed.json"))
    assert result.entries and result.entries[0].published is not None
    assert result.title in ("صدى المغرب", "L’Écho du Maroc")


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("arabic_cp1256.xml", "text/xml"),
        ("arabic_cp1256.xml", "text/xml; charset=windows-1256"),
        ("arabic_iso8859_6.xml", "application/rss+xml"),
        ("arabic_iso8859_6.xml", "application/rss+xml; charset=ISO-8859-6"),
    ],
)
async def test_read_legacy_arabic_feeds(
    server: FeedServer, fetcher: Fetcher, name: str, content_type: str
) -> None:
    server.set_file("/rss.php", name, content_type=content_type)
    result = await read(fetcher, server.url("/rss.php"))
    assert result.entries
    assert any("لفتيت" in e.title or "الهجرة" in e.title for e in result.entries)
    assert all("\ufffd" not in e.title for e in result.entries)


@pytest.mark.parametrize(
    ("name", "content_type", "site"),
    [
        ("listing_cp1256.html", "text/html", "جريدة الشمال"),
        ("listing_cp1256.html", "text/html; charset=windows-1256", "جريدة الشمال"),
        ("listing_iso8859_6.html", "text/html", "جريدة الرباط"),
        ("listing_iso8859_6.html", "text/html; charset=iso-8859-6", "جريدة الرباط"),
    ],
)
async def test_read_legacy_arabic_listing_pages(
    server: FeedServer, fetcher: Fetcher, name: str, content_type: str, site: str
) -> None:
    server.set("/akhbar.php", site_bytes(name), content_type=content_type)
    result = await read(fetcher, server.url("/akhbar.php"), "html")
    assert result.title == f"{site} - آخر الأخبار"
    assert titles(result) == [
        "وزير الداخلية لفتيت يزور مدينة طنجة لتتبع مشاريع التنمية",
        "الحكومة تناقش ملف الهجرة غير النظامية وتقرر تعزيز المراقبة",
    ]
    assert result.entries is not None
    assert result.entries[0].url == server.url("/news.php?id=7001")
    assert result.entries[0].published == datetime(2026, 11, 29, 9, tzinfo=UTC)


async def test_read_news_sitemap(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/news-sitemap.xml", site_bytes("news_sitemap.xml"), content_type=XML)
    result = await read(fetcher, server.url("/news-sitemap.xml"), "sitemap")
    assert result.title == "صوت الشمال"
    assert titles(result)[0] == LAFTIT_TITLE


async def test_read_sitemap_index_follows_one_level(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/sitemap.xml", site_bytes("sitemap_index.xml", server.base_url), content_type=XML)
    server.set("/news-sitemap.xml", site_bytes("news_sitemap.xml"), content_type=XML)
    # A child that is itself an index is not followed further.
    server.set("/post-sitemap.xml", site_bytes("sitemap_index.xml", server.base_url))
    result = await read(fetcher, server.url("/sitemap.xml"), "sitemap")
    assert len(titles(result)) == 3 and titles(result)[0] == LAFTIT_TITLE
    assert server.hits.get("/news-sitemap.xml") == 1
    assert "/page-sitemap.xml" not in server.hits and "/post-sitemap.xml" not in server.hits


async def test_read_gzipped_sitemap(server: FeedServer, fetcher: Fetcher) -> None:
    body = gzip.compress(site_bytes("news_sitemap.xml"))
    server.set("/sitemap_news.xml.gz", body, content_type="application/x-gzip")
    result = await read(fetcher, server.url("/sitemap_news.xml.gz"), "sitemap")
    assert titles(result)[0] == LAFTIT_TITLE


async def test_read_gzip_bomb_sitemap_is_refused(server: FeedServer, fetcher: Fetcher) -> None:
    body = gzip.compress(b"<urlset>" + b" " * 30_000_000, compresslevel=9)
    assert len(body) < 100_000
    server.set("/sitemap.xml.gz", body, content_type="application/x-gzip")
    with pytest.raises(SourceError) as caught:
        await read(fetcher, server.url("/sitemap.xml.gz"), "sitemap")
    assert caught.value.kind == "too_large"


async def test_read_html_listing_and_selector(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/category/politique/", site_bytes("listing_ar.html"), content_type=HTML)
    result = await read(fetcher, server.url("/category/politique/"), "html")
    assert titles(result) == [
        LAFTIT_TITLE,
        "مجلس الحكومة يصادق على مشروع مرسوم يتعلق بالجماعات الترابية",
        "أخنوش يستقبل وفدا برلمانيا أوروبيا",
    ]
    server.set("/depeches", site_bytes("listing_selector.html"), content_type=HTML)
    selected = await read(fetcher, server.url("/depeches"), "html", selector="div.akhbar-row")
    assert titles(selected)[0] == "Rabat : le Parlement adopte la loi de finances"
    with pytest.raises(SourceError) as caught:
        await read(fetcher, server.url("/depeches"), "html", selector="div.gone")
    assert str(caught.value) == "the selector matches no article link on the page"
    with pytest.raises(SourceError, match="no article links found on the page"):
        await read(fetcher, server.url("/depeches"), "html")


async def test_read_telegram_channel(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/s/hespress_demo", site_bytes("telegram_channel.html"), content_type=HTML)
    result = await read(fetcher, server.url("/s/hespress_demo"), "telegram")
    assert result.title == "Hespress هسبريس"
    assert result.entries is not None
    assert [e.url for e in result.entries] == [
        "https://t.me/hespress_demo/4810",
        "https://t.me/hespress_demo/4812",
    ]
    assert "عبد الوافي لفتيت" in result.entries[0].text


async def test_fetch_errors_keep_their_kind(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/down.xml", "oops", status=404, content_type="text/plain")
    with pytest.raises(SourceError) as caught:
        await read(fetcher, server.url("/down.xml"))
    assert caught.value.kind == "http" and caught.value.status == 404
    assert str(caught.value) == "HTTP 404"
    limits = FetchLimits(allow_private=False)
    async with create_session(limits) as http:
        with pytest.raises(SourceError) as refused:
            await read(Fetcher(http, limits), server.url("/down.xml"))
    assert refused.value.kind == "private_address"
    assert server.hits["/down.xml"] == 1  # the refused fetch never reached the server


async def test_unknown_kind(fetcher: Fetcher) -> None:
    with pytest.raises(SourceError, match="unknown source kind"):
        await read(fetcher, "https://x.ma/", "podcast")


# ----------------------------------------------------------------------------- hostile input


@pytest.mark.alone  # timed
async def test_hostile_sources_fail_alone(server: FeedServer, fetcher: Fetcher) -> None:
    """Each hostile document is a clear error on its own source; the good ones
    read in the same round are untouched, and nothing secret leaks or is fetched."""
    secret_path = "/secret-entity"
    server.set(secret_path, "HTTP-ENTITY-SECRET", content_type="text/plain")
    xxe_http = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY s SYSTEM "{server.url(secret_path)}">]>'
        "<rss version='2.0'><channel><title>&s;</title>"
        "<item><title>&s;</title><link>https://x.ma/1</link></item></channel></rss>"
    )
    server.set("/bomb.xml", site_bytes("billion_laughs.xml"))
    server.set("/xxe-file.xml", site_bytes("xxe_passwd.xml"))
    server.set("/xxe-http.xml", xxe_http)
    server.set("/malformed.xml", site_bytes("malformed.xml"))
    server.set("/scripts.xml", site_bytes("script_titles.xml"))
    server.set_file("/good.xml", "arabic_rss.xml")
    big = rss_feed("كبير", numbered_items(10_000, start=datetime(2026, 1, 1, tzinfo=UTC)))
    server.set("/big.xml", big)

    paths = ["/bomb.xml", "/xxe-file.xml", "/xxe-http.xml", "/malformed.xml", "/good.xml"]
    started = time.monotonic()
    results = await asyncio.gather(
        *(read(fetcher, server.url(p)) for p in paths),
        read(fetcher, server.url("/big.xml")),
        read(fetcher, server.url("/scripts.xml")),
        return_exceptions=True,
    )
    elapsed = time.monotonic() - started
    bomb, xxe_file, xxe_http_result, malformed, good, big_result, scripts = results
    for hostile in (bomb, xxe_file, xxe_http_result):
        assert isinstance(hostile, SourceError) and hostile.kind == "hostile"
        assert "declares XML entities" in str(hostile)
        assert "root:" not in str(hostile) and "HTTP-ENTITY-SECRET" not in str(hostile)
    assert secret_path not in server.hits  # the external entity was never fetched
    assert isinstance(malformed, SourceError) and malformed.kind == "parse"
    assert isinstance(good, SourceRead) and titles(good)[0] == LAFTIT_TITLE
    assert isinstance(big_result, SourceRead) and big_result.entries is not None
    assert len(big_result.entries) == 500
    assert big_result.entries[-1].guid == "g9999"
    assert isinstance(scripts, SourceRead) and scripts.entries is not None
    assert len(scripts.entries) == 2  # both items read, so the check below is not vacuous
    assert all("<" not in e.title and "SCRIPT-BODY" not in e.summary for e in scripts.entries)
    assert elapsed < 20  # a generous bound: the 10,000 items are cut before parsing


# ----------------------------------------------------------------------------- resolve_source


async def test_resolve_direct_kinds(server: FeedServer, fetcher: Fetcher) -> None:
    server.set_file("/feed.json", "jsonfeed_1_1.json", content_type="application/json")
    server.set("/news.xml", site_bytes("news_sitemap.xml"), content_type="text/xml")
    server.set_file("/rdf", "rss1_rdf.xml", content_type="text/html")  # mislabelled
    json_feed = await resolve(fetcher, server.url("/feed.json"))
    assert (json_feed.kind, json_feed.feed_url) == ("feed", server.url("/feed.json"))
    sitemap = await resolve(fetcher, server.url("/news.xml"))
    assert (sitemap.kind, sitemap.feed_url, sitemap.title) == (
        "sitemap",
        server.url("/news.xml"),
        "صوت الشمال",
    )
    rdf = await resolve(fetcher, server.url("/rdf"))
    assert (rdf.kind, rdf.title) == ("feed", "Agence Maghreb Info")
    assert rdf.selector is None


async def test_resolve_common_feed_paths(server: FeedServer, fetcher: Fetcher) -> None:
    server.set_file("/", "page_without_feed.html", content_type=HTML)
    server.set("/rss", "<html><body>soft 404: the home page again</body></html>", content_type=HTML)
    server.set_file("/?feed=rss2", "french_atom.xml")
    resolved = await resolve(fetcher, server.url("/"))
    assert resolved.kind == "feed"
    assert resolved.feed_url == server.url("/?feed=rss2")
    assert resolved.title == "L’Écho du Maroc — Actualités"
    hit_order = [path for path, _ in server.requests]
    assert hit_order[:3] == ["/", "/feed/", "/rss"]


async def test_resolve_news_sitemap_from_an_index(server: FeedServer, fetcher: Fetcher) -> None:
    server.set_file("/", "page_without_feed.html", content_type=HTML)
    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{server.url('/sitemaps/posts-1.xml')}</loc></sitemap>"
        f"<sitemap><loc>{server.url('/sitemaps/news-1.xml')}</loc></sitemap>"
        "</sitemapindex>"
    )
    server.set("/sitemap.xml", index, content_type=XML)
    server.set("/sitemaps/news-1.xml", site_bytes("news_sitemap.xml"), content_type=XML)
    server.set("/sitemaps/posts-1.xml", site_bytes("plain_sitemap.xml"), content_type=XML)
    resolved = await resolve(fetcher, server.url("/"))
    assert resolved.kind == "sitemap"
    assert resolved.feed_url == server.url("/sitemap.xml")  # the index is what gets polled
    assert resolved.read.entries and resolved.read.entries[0].title == LAFTIT_TITLE
    assert "/sitemaps/posts-1.xml" not in server.hits  # only the news child is read


async def test_resolve_news_sitemap_named_in_robots_txt(
    server: FeedServer, fetcher: Fetcher
) -> None:
    server.set_file("/", "page_without_feed.html", content_type=HTML)
    robots = (
        "User-agent: *\nDisallow: /wp-admin/\n"
        f"Sitemap: {server.url('/sitemap_index.xml')}\n"
        f"sitemap: {server.url('/seo/google-news.xml')}\n"
    )
    server.set("/robots.txt", robots, content_type="text/plain")
    server.set("/seo/google-news.xml", site_bytes("news_sitemap.xml"), content_type=XML)
    resolved = await resolve(fetcher, server.url("/"))
    assert (resolved.kind, resolved.feed_url) == ("sitemap", server.url("/seo/google-news.xml"))
    assert "/sitemap_index.xml" not in server.hits  # not a news sitemap by its name


async def test_resolve_prefers_feeds_then_sitemaps_then_listing(
    server: FeedServer, fetcher: Fetcher
) -> None:
    server.set_file("/", "page_without_feed.html", content_type=HTML)
    server.set("/sitemap.xml", site_bytes("plain_sitemap.xml"), content_type=XML)  # no news
    listing = await resolve(fetcher, server.url("/"))
    assert listing.kind == "html"
    assert listing.feed_url == server.url("/")
    assert [e.title for e in listing.read.entries or []] == [
        "Fès : la restauration de la médina se poursuit"
    ]
    assert server.hits["/sitemap.xml"] == 1

    server.set("/sitemap_news.xml", site_bytes("news_sitemap.xml"), content_type=XML)
    sitemap = await resolve(fetcher, server.url("/"))
    assert (sitemap.kind, sitemap.feed_url) == ("sitemap", server.url("/sitemap_news.xml"))

    server.set_file("/feed/", "arabic_rss.xml")
    feed = await resolve(fetcher, server.url("/"))
    assert (feed.kind, feed.feed_url) == ("feed", server.url("/feed/"))


async def test_resolve_stops_guessing_on_a_slow_site(server: FeedServer) -> None:
    server.set_file("/", "page_without_feed.html", content_type=HTML)
    server.set_file("/feed/", "arabic_rss.xml", delay=2.0)
    server.set_file("/rss", "arabic_rss.xml")
    limits = FetchLimits(allow_private=True, timeout=0.3)
    async with create_session(limits) as http:
        resolved = await resolve(Fetcher(http, limits), server.url("/"))
    # /feed/ timed out: no more guesses (not /rss, not the sitemaps), the page is the listing.
    assert resolved.kind == "html"
    assert "/rss" not in server.hits and "/sitemap.xml" not in server.hits
    assert "/robots.txt" not in server.hits


async def test_resolve_with_a_selector(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/depeches", site_bytes("listing_selector.html"), content_type=HTML)
    with pytest.raises(SourceResolveError, match="give a CSS selector"):
        await resolve(fetcher, server.url("/depeches"))
    resolved = await resolve(fetcher, server.url("/depeches"), selector="div.akhbar-row")
    assert (resolved.kind, resolved.selector, resolved.title) == (
        "html",
        "div.akhbar-row",
        "Akhbar Express — Dernières dépêches",
    )
    assert len(resolved.read.entries or []) == 3
    with pytest.raises(SourceResolveError, match="not valid"):
        await resolve(fetcher, server.url("/depeches"), selector="a[")


async def test_resolve_telegram(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/s/hespress_demo", site_bytes("telegram_channel.html"), content_type=HTML)
    for pasted in ("https://t.me/hespress_demo", "t.me/s/hespress_demo", "t.me/hespress_demo/4810"):
        resolved = await resolve(fetcher, pasted, telegram_base=server.base_url)
        assert resolved.kind == "telegram"
        assert resolved.page_url == pasted
        assert resolved.feed_url == server.url("/s/hespress_demo")
        assert resolved.title == "Hespress هسبريس"
        assert len(resolved.read.entries or []) == 2
    # A preview page served from anywhere is recognised by its content.
    mirrored = await resolve(fetcher, server.url("/s/hespress_demo"))
    assert mirrored.kind == "telegram"
    with pytest.raises(SourceResolveError, match="Telegram channel @nobody_here: HTTP 404"):
        await resolve(fetcher, "https://t.me/nobody_here", telegram_base=server.base_url)


async def test_resolve_refuses_private_addresses_by_default(server: FeedServer) -> None:
    server.set_file("/rss.xml", "arabic_rss.xml")
    limits = FetchLimits()
    async with create_session(limits) as http:
        with pytest.raises(SourceResolveError) as caught:
            await resolve(Fetcher(http, limits), server.url("/rss.xml"))
    assert caught.value.kind == "private_address"
    assert "/rss.xml" not in server.hits


# ----------------------------------------------------------------------------- preview


async def test_preview_rows(server: FeedServer, fetcher: Fetcher) -> None:
    server.set_file("/", "page_with_feed.html", content_type=HTML)
    server.set_file("/rss.xml", "arabic_rss.xml")
    rows = await preview(fetcher, server.url("/"))
    assert rows[0] == {
        "kind": "feed",
        "url": server.url("/"),
        "feed_url": server.url("/rss.xml"),
        "title": "صدى المغرب - أخبار المغرب والعالم",
        "items": 3,
    }
    assert rows[1]["title"] == "لفتيت يترأس اجتماعا حول تدبير ملف الهجرة غير النظامية"
    assert rows[1]["published"] == "2025-01-13T09:30:00+00:00"
    assert rows[1]["link"] == "https://sada.example.ma/politique/laftit-hijra-45821.html?id=45821"
    assert rows[1]["text"].startswith("ترأس وزير الداخلية عبد الوافي لفتيت")
    assert len(rows) == 4


async def test_preview_text_is_cut_at_200_characters(server: FeedServer, fetcher: Fetcher) -> None:
    long_text = "الهجرة " * 100
    server.set(
        "/rss.xml",
        rss_feed("t", [{"title": "x", "link": "https://x.ma/1", "description": long_text}]),
    )
    _, row = await preview(fetcher, server.url("/rss.xml"))
    assert row["text"] == long_text.strip()[:200]
    assert row["published"] is None
