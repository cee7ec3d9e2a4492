"""bot.sources: fetching, parsing, discovery and resolution over real loopback HTTP."""

from __future__ import annotations

import random
import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sources.discover import discover_feed_links
from bot.sources.errors import FeedParseError
from bot.sources.fetch import Fetcher, FetchResult
from bot.sources.fetch_errors import FetchError
from bot.sources.fetch_limits import DEFAULT_USER_AGENT, FetchLimits
from bot.sources.guard import AddressGuard
from bot.sources.html_text import html_to_text
from bot.sources.http_session import create_session
from bot.sources.model import ParsedFeed
from bot.sources.parse import parse_feed
from bot.sources.resolve import SourceResolveError, resolve_source
from bot.sources.sniff import looks_like_feed
from bot.sources.urls import canonical_url
from tests.support.fakes.feed_server import FEEDS_DIR, FeedItem, FeedServer, atom_feed, rss_feed
from tests.support.parsing import shared_parsers

CP1256_TITLES = [
    "وزارة الداخلية تعلن عن إجراءات جديدة لمحاربة الهجرة السرية",
    "عبد الوافي لفتيت يستقبل والي جهة طنجة تطوان الحسيمة",
    "الأمْطَارُ تعود إلى شمال المملكة ابتداءً من الثلاثاء",
]
CP1256_SUMMARY_1 = "استقبل وزير الداخلية «عبد الوافي لفتيت» والي الجهة لبحث مشاريع التنمية."


def guarded(*ports: int) -> aiohttp.ClientSession:
    """A session behind the address guard, which lets through only 127.0.0.1 on ``ports``."""
    guard = AddressGuard(allow=frozenset(("127.0.0.1", port) for port in ports))
    return create_session(FetchLimits(), guard=guard)


def port_of(server: FeedServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


@pytest.fixture
async def session(server: FeedServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with guarded(port_of(server)) as sess:
        yield sess


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = 20.0,  # noqa: ASYNC109 - the fetch's budget, not asyncio.timeout
    max_bytes: int = 5_000_000,
) -> FetchResult:
    """One guarded `Fetcher.get` with these limits (the bot has no unguarded path)."""
    limits = FetchLimits(timeout=timeout, max_bytes=max_bytes, max_redirects=10)
    return await Fetcher(session, limits).get(url, etag=etag, last_modified=last_modified)


def fixture_bytes(name: str) -> bytes:
    return (FEEDS_DIR / name).read_bytes()


async def fetch_and_parse(
    session: aiohttp.ClientSession, url: str
) -> tuple[FetchResult, ParsedFeed]:
    result = await fetch(session, url)
    return result, parse_feed(result.body, base_url=result.url, charset=result.charset)


# ----------------------------------------------------------------------------- fetch


async def test_fetch_returns_body_and_validators(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    server.set_file(
        "/rss.xml",
        "arabic_rss.xml",
        etag='"v1"',
        last_modified="Mon, 13 Jan 2025 11:05:00 GMT",
    )
    result = await fetch(session, server.url("/rss.xml"))
    assert result.status == 200
    assert not result.not_modified
    assert result.url == server.url("/rss.xml")
    assert result.body == fixture_bytes("arabic_rss.xml")
    assert result.content_type == "application/rss+xml"
    assert result.charset == "utf-8"
    assert result.etag == '"v1"'
    assert result.last_modified == "Mon, 13 Jan 2025 11:05:00 GMT"
    _, headers = server.requests[-1]
    assert headers["User-Agent"] == DEFAULT_USER_AGENT
    assert "If-None-Match" not in headers


async def test_conditional_get_with_etag_gives_304(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    server.set_file("/rss.xml", "arabic_rss.xml", etag='"v1"')
    first = await fetch(session, server.url("/rss.xml"))
    second = await fetch(session, server.url("/rss.xml"), etag=first.etag)
    assert second.status == 304
    assert second.not_modified
    assert second.body == b""
    assert second.etag == '"v1"'
    assert server.requests[-1][1]["If-None-Match"] == '"v1"'

    # New content with a new validator: a full response again.
    server.set("/rss.xml", rss_feed("صدى المغرب", []), etag='"v2"')
    third = await fetch(session, server.url("/rss.xml"), etag=second.etag)
    assert third.status == 200
    assert third.etag == '"v2"'


async def test_conditional_get_with_last_modified_gives_304(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    stamp = "Mon, 13 Jan 2025 11:05:00 GMT"
    server.set_file("/atom.xml", "french_atom.xml", last_modified=stamp)
    first = await fetch(session, server.url("/atom.xml"))
    second = await fetch(
        session, server.url("/atom.xml"), etag=first.etag, last_modified=first.last_modified
    )
    assert first.etag is None
    assert second.not_modified
    assert second.last_modified == stamp
    assert server.requests[-1][1]["If-Modified-Since"] == stamp


@pytest.mark.alone  # timed
async def test_timeout_fails_fast_without_retry(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    server.set("/slow", rss_feed("بطيء", []), delay=3.0)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        await fetch(session, server.url("/slow"), timeout=0.2)
    assert str(caught.value) == "timed out after 0.2s"
    assert time.monotonic() - started < 1.0
    assert server.hits["/slow"] == 1


@pytest.mark.parametrize("status", [500, 404, 410, 403])
async def test_http_errors_are_not_retried(
    server: FeedServer, session: aiohttp.ClientSession, status: int
) -> None:
    server.set("/broken", "oops", content_type="text/plain", status=status)
    with pytest.raises(FetchError) as caught:
        await fetch(session, server.url("/broken"))
    assert str(caught.value) == f"HTTP {status}"
    assert caught.value.status == status
    assert server.hits["/broken"] == 1


async def test_503_is_retried_and_recovers(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    server.set_file("/rss.xml", "arabic_rss.xml")
    server.fail_next("/rss.xml", 503)
    result = await fetch(session, server.url("/rss.xml"))
    assert result.status == 200
    assert result.body == fixture_bytes("arabic_rss.xml")
    assert server.hits["/rss.xml"] == 2


async def test_persistent_502_gives_up_after_two_attempts(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    server.set_file("/rss.xml", "arabic_rss.xml")
    server.fail_next("/rss.xml", 502, 502, 502)
    with pytest.raises(FetchError) as caught:
        await fetch(session, server.url("/rss.xml"))
    assert str(caught.value) == "HTTP 502"
    assert type(caught.value) is FetchError
    assert server.hits["/rss.xml"] == 2


async def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with guarded(port) as session:
        with pytest.raises(FetchError) as caught:
            await fetch(session, f"http://127.0.0.1:{port}/rss.xml?token=s3cret")
    assert str(caught.value) == "connection refused"


async def test_the_guard_is_on(server: FeedServer) -> None:
    """The helper above fetches through the guard: another port of 127.0.0.1 is refused."""
    async with guarded(port_of(server) + 1) as session:
        with pytest.raises(FetchError) as caught:
            await fetch(session, server.url("/rss.xml"))
    assert caught.value.kind == "private_address"
    assert server.hits == {}


async def test_non_http_url_is_rejected(session: aiohttp.ClientSession) -> None:
    with pytest.raises(FetchError, match="not an http"):
        await fetch(session, "ftp://example.ma/feed.xml")


async def test_max_bytes_with_content_length(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    server.set("/huge", b"x" * 5_000_001, content_type="application/xml")
    with pytest.raises(FetchError) as caught:
        await fetch(session, server.url("/huge"))
    assert str(caught.value) == "response larger than 5 MB"


async def test_max_bytes_while_streaming(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    server.set("/stream", b"<rss>" + b"x" * 300_000, chunked=True)
    with pytest.raises(FetchError) as caught:
        await fetch(session, server.url("/stream"), max_bytes=100_000)
    assert str(caught.value) == "response larger than 100 KB"
    # Exactly at the limit is fine.
    server.set("/exact", b"y" * 100_000, chunked=True)
    result = await fetch(session, server.url("/exact"), max_bytes=100_000)
    assert len(result.body) == 100_000


async def test_redirect_is_followed(server: FeedServer, session: aiohttp.ClientSession) -> None:
    server.set_file("/new/rss.xml", "french_atom.xml", content_type="application/atom+xml")
    server.redirect("/old-feed", server.url("/new/rss.xml"), status=301)
    result = await fetch(session, server.url("/old-feed"))
    assert result.url == server.url("/new/rss.xml")
    assert result.content_type == "application/atom+xml"
    assert result.charset is None


async def test_missing_content_type(server: FeedServer, session: aiohttp.ClientSession) -> None:
    server.set_file("/feed", "rss1_rdf.xml", content_type="")
    result = await fetch(session, server.url("/feed"))
    assert result.content_type == ""
    assert result.charset is None


# ----------------------------------------------------------------------------- parse


def test_parse_arabic_rss() -> None:
    feed = parse_feed(fixture_bytes("arabic_rss.xml"), base_url="https://sada.example.ma/rss.xml")
    assert feed.title == "صدى المغرب - أخبار المغرب والعالم"
    assert feed.link == "https://sada.example.ma/"
    # The fourth item has neither title nor link and is skipped.
    assert [e.title for e in feed.entries] == [
        "لفتيت يترأس اجتماعا حول تدبير ملف الهجرة غير النظامية",
        "الهِجْرَةُ نحو أوروبا: أرقام جديدة لسنة 2024",
        "مجلس الحكومة يصادق على «مشروع مرسوم» يتعلق بالجماعات الترابية",
    ]
    first, second, third = feed.entries
    assert first.guid == "sada-45821"
    assert first.url == "https://sada.example.ma/politique/laftit-hijra-45821.html?id=45821"
    assert first.published == datetime(2025, 1, 13, 9, 30, tzinfo=UTC)
    assert first.summary == (
        "ترأس وزير الداخلية عبد الوافي لفتيت، يوم الاثنين بالرباط، اجتماعا خُصّص لتتبع ملف"
        " الهجرة غير النظامية.\n"
        "وأكد الوزير على تعزيز التنسيق مع السلطات المحلية والجهوية."
    )
    assert (
        second.guid == second.url == ("https://sada.example.ma/societe/hijra-arqam-2024-45817.html")
    )
    assert second.summary == (
        "كشفت معطيات رسمية عن تراجع محاولات العبور\nنحو السواحل الإسبانية خلال السنة الماضية."
    )
    # Relative link resolved against the feed URL; the longer content:encoded wins.
    assert third.url == "https://sada.example.ma/politique/majlis-hokouma-45810.html"
    assert third.guid == third.url
    assert third.summary.splitlines() == [
        "صادق مجلس الحكومة، المنعقد يوم الأحد، على مشروع مرسوم يتعلق بـ:",
        "تنظيم الجماعات الترابية",
        "مالية الجهات",
        "وقدّم المشروع وزير الداخلية عبد الوافي لفتيت.",
    ]
    assert "trackView" not in third.summary


def test_parse_french_atom() -> None:
    feed = parse_feed(fixture_bytes("french_atom.xml"), base_url="https://echo.example.ma/atom.xml")
    assert feed.title == "L’Écho du Maroc — Actualités"
    assert feed.link == "https://echo.example.ma/"
    titles = [e.title for e in feed.entries]
    assert titles == [
        "Migration : l’Intérieur annonce « un plan d’action renforcé »",
        "Économie : la Bourse de Casablanca termine la semaine en hausse",
        "Météo : alerte aux fortes pluies dans le Nord",
    ]
    migration, bourse, meteo = feed.entries
    assert migration.guid == "tag:echo.example.ma,2025:article-1201"
    assert migration.url == "https://echo.example.ma/politique/migration-plan-action-2025?page=1"
    assert migration.published == datetime(2025, 1, 13, 9, 0, tzinfo=UTC)
    assert migration.summary == (
        "Le ministre de l’Intérieur, Abdelouafi Laftit, a présenté lundi à Rabat"
        " « un plan d’action renforcé » contre la migration irrégulière.\n"
        "Les walis des régions du Nord étaient présents."
    )
    assert bourse.url == "https://echo.example.ma/economie/bourse-casablanca-hausse"
    assert bourse.published == datetime(2025, 1, 12, 17, 30, tzinfo=UTC)  # from <updated>
    assert bourse.summary == (
        "Le MASI a gagné 1,2 % sur la semaine.\nLes valeurs bancaires ont mené la hausse."
    )
    assert meteo.summary.endswith("jusqu’à mardi.")


def test_parse_rss1_rdf() -> None:
    feed = parse_feed(fixture_bytes("rss1_rdf.xml"), base_url="https://agence.example.ma/rss1.rdf")
    assert feed.title == "Agence Maghreb Info"
    assert [(e.title, e.url, e.published) for e in feed.entries] == [
        (
            "Tanger : inauguration d’un nouveau terminal au port Tanger Med",
            "https://agence.example.ma/depeches/4410",
            datetime(2025, 1, 13, 8, 40, tzinfo=UTC),
        ),
        (
            "Agriculture : le programme de soutien aux éleveurs prolongé",
            "https://agence.example.ma/depeches/4409",
            datetime(2025, 1, 12, 16, 0, tzinfo=UTC),
        ),
    ]


def _assert_cp1256_feed(feed: ParsedFeed) -> None:
    assert feed.title == "جريدة الشمال الإلكترونية"
    assert [e.title for e in feed.entries] == CP1256_TITLES
    assert feed.entries[1].summary == CP1256_SUMMARY_1
    assert feed.entries[0].summary == (
        "أعلنت وزارة الداخلية، اليوم الاثنين، عن إجراءات جديدة لمحاربة شبكات الهجرة السرّية."
    )
    assert feed.entries[0].url == "http://chamal.example.ma/index.php?option=com_content&id=9120"


def _without_declared_encoding(raw: bytes) -> bytes:
    stripped = raw.replace(b' encoding="windows-1256"', b"", 1)
    assert stripped != raw
    return stripped


@pytest.mark.parametrize(
    ("declared", "content_type"),
    [
        # declared in the XML, no HTTP charset
        (True, "application/rss+xml"),
        # only the HTTP header says windows-1256
        (False, "text/xml; charset=windows-1256"),
        # the XML says windows-1256 but the server claims UTF-8
        (True, "application/rss+xml; charset=UTF-8"),
        # nobody says anything: charset-normalizer has to guess
        (False, "application/rss+xml"),
    ],
)
async def test_windows_1256_feed_decodes_to_arabic(
    server: FeedServer, session: aiohttp.ClientSession, declared: bool, content_type: str
) -> None:
    raw = fixture_bytes("arabic_cp1256.xml")
    assert "الهجرة".encode("cp1256") in raw  # the fixture really is windows-1256
    server.set(
        "/rss.php", raw if declared else _without_declared_encoding(raw), content_type=content_type
    )
    _, feed = await fetch_and_parse(session, server.url("/rss.php"))
    _assert_cp1256_feed(feed)


async def test_utf8_feed_mislabelled_as_windows_1256(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    server.set_file("/rss.xml", "arabic_rss.xml", content_type="text/xml; charset=windows-1256")
    _, feed = await fetch_and_parse(session, server.url("/rss.xml"))
    assert feed.entries[0].title == "لفتيت يترأس اجتماعا حول تدبير ملف الهجرة غير النظامية"


def test_utf16_feed() -> None:
    text = fixture_bytes("french_atom.xml").decode("utf-8")
    body = text.replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    feed = parse_feed(body, base_url="https://echo.example.ma/atom.xml")
    assert feed.entries[0].title == "Migration : l’Intérieur annonce « un plan d’action renforcé »"


def test_rss_helper_round_trips_through_cp1256() -> None:
    body = rss_feed(
        "جريدة",
        [{"title": "لفتيت & «الهجرة» <عاجل>", "link": "http://x.ma/?a=1&b=2"}],
        encoding="windows-1256",
    ).encode("cp1256")
    feed = parse_feed(body, base_url="http://x.ma/rss")
    assert feed.entries[0].title == "لفتيت & «الهجرة» <عاجل>"
    assert feed.entries[0].url == "http://x.ma/?a=1&b=2"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (fixture_bytes("truncated.xml"), "not a feed: malformed XML (no element found at line 9)"),
        (fixture_bytes("page_with_feed.html"), "not a feed: looks like an HTML page"),
        (fixture_bytes("page_without_feed.html"), "not a feed: looks like an HTML page"),
        (b"", "not a feed: empty document"),
        (b'{"version": "2.0", "items": []}', "not a feed: a JSON document that is not a JSON Feed"),
        (random.Random(1256).randbytes(4000), "not a feed: "),
        (
            b"<?xml version='1.0'?><urlset><url><loc>https://x.ma/</loc></url></urlset>",
            "not a feed: ",
        ),
    ],
    ids=["truncated", "html-with-feed", "html", "empty", "json", "random-bytes", "sitemap"],
)
def test_malformed_documents_raise(body: bytes, reason: str) -> None:
    with pytest.raises(FeedParseError) as caught:
        parse_feed(body, base_url="https://x.ma/feed")
    assert str(caught.value).startswith(reason)


def test_slightly_broken_feed_with_entries_is_accepted() -> None:
    # Undefined entity, bare ampersand, a control character and leading blank lines.
    body = (
        b"\n\n<?xml version='1.0' encoding='utf-8'?>"
        b"<rss version='2.0'><channel><title>Le 360</title>"
        b"<item><title>Rabat &nbsp;&amp; Sal\xc3\xa9 : R&D \x0b en hausse</title>"
        b"<link>https://le360.example.ma/a/1</link></item>"
        b"</channel></rss>"
    )
    feed = parse_feed(body, base_url="https://le360.example.ma/rss")
    assert [e.title for e in feed.entries] == ["Rabat & Salé : R&D en hausse"]


def test_truncated_download_keeps_complete_items_only() -> None:
    full = fixture_bytes("arabic_rss.xml")
    cut = full[: full.index("السواحل".encode())]  # inside the second item's description
    feed = parse_feed(cut, base_url="https://sada.example.ma/rss.xml")
    assert [e.guid for e in feed.entries] == ["sada-45821"]


def test_php_warning_before_the_declaration() -> None:
    body = (
        b"<br />\n<b>Warning</b>:  mysql_connect(): Too many connections in "
        b"<b>/var/www/rss.php</b> on line <b>12</b><br />\n" + fixture_bytes("arabic_cp1256.xml")
    )
    assert looks_like_feed(body, "text/html")
    feed = parse_feed(body, base_url="http://chamal.example.ma/rss.php")
    assert [e.title for e in feed.entries] == CP1256_TITLES


def test_stray_byte_does_not_garble_a_utf8_feed() -> None:
    full = fixture_bytes("arabic_rss.xml")
    body = full.replace("والجهوية".encode(), "والجهوية".encode() + b"\x96", 1)
    feed = parse_feed(body, base_url="https://sada.example.ma/rss.xml", charset="iso-8859-1")
    assert feed.entries[0].title == "لفتيت يترأس اجتماعا حول تدبير ملف الهجرة غير النظامية"
    assert feed.entries[0].summary.endswith("السلطات المحلية والجهوية\ufffd.")


def test_entry_without_link_gets_hash_guid() -> None:
    body = rss_feed("t", [{"title": "بلاغ", "description": "<p>نص</p>"}]).encode()
    (entry,) = parse_feed(body, base_url="https://x.ma/rss").entries
    assert entry.url == ""
    assert entry.guid.startswith("sha1:") and len(entry.guid) == 45
    assert entry.summary == "نص"
    assert entry.published is None


def test_empty_but_valid_feed_is_accepted() -> None:
    feed = parse_feed(rss_feed("جديد", []).encode(), base_url="https://x.ma/rss")
    assert feed.title == "جديد"
    assert feed.entries == []


@pytest.mark.parametrize(
    ("markup", "multiline", "expected"),
    [
        ("<p>premier</p><p>second</p>", True, "premier\nsecond"),
        ("<p>premier</p><p>second</p>", False, "premier second"),
        ("<div>un<div>deux</div>trois</div>", False, "un deux trois"),
        ("ligne<br>suivante<br/>fin", True, "ligne\nsuivante\nfin"),
        ("<b>J</b>ohn <i>Doe</i>", False, "John Doe"),
        ("<ul><li>أ</li><li>ب</li></ul>", False, "أ ب"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", True, "a b\nc"),
        ("<p>x</p><script>alert(1)</script><style>p{}</style><p>y</p>", False, "x y"),
        ("l&#8217;Int&eacute;rieur&nbsp;&amp;&nbsp;co", False, "l’Intérieur & co"),
        ("  spaced \n\t out  ", False, "spaced out"),
        ("<h2>عنوان</h2>نص<img src='a.jpg'>بعد", True, "عنوان\nنص بعد"),
        ("a < b and c > d", False, "a < b and c > d"),
        ("", True, ""),
    ],
)
def test_html_to_text(markup: str, multiline: bool, expected: str) -> None:
    assert html_to_text(markup, multiline=multiline) == expected


def test_looks_like_feed() -> None:
    assert looks_like_feed(fixture_bytes("arabic_rss.xml"), "text/html")  # mislabelled feed
    assert looks_like_feed(fixture_bytes("french_atom.xml"), "")
    assert looks_like_feed(fixture_bytes("rss1_rdf.xml"), "application/rdf+xml")
    assert looks_like_feed(fixture_bytes("arabic_cp1256.xml"), "text/xml")
    assert looks_like_feed("<rss version='2.0'/>".encode("utf-16"), "")  # with a BOM
    assert not looks_like_feed(fixture_bytes("page_with_feed.html"), "application/rss+xml")
    assert not looks_like_feed(b"<html><body>x</body></html>", "text/xml")
    assert not looks_like_feed(b"\x89PNG\r\n", "image/png")
    assert looks_like_feed(b"\x00\x01garbage", "application/atom+xml")  # undecidable: trust type


# ----------------------------------------------------------------------------- urls


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        (
            "HTTPS://WWW.Hespress.Example.MA:443/politique/x.html?utm_source=fb&id=3&fbclid=AB#top",
            None,
            "https://www.hespress.example.ma/politique/x.html?id=3",
        ),
        ("http://Site.ma:80", None, "http://site.ma/"),
        ("http://site.ma:8080/a?", None, "http://site.ma:8080/a"),
        ("https://site.ma/a?b=2&a=1&gclid=z&UTM_Medium=x&c", None, "https://site.ma/a?b=2&a=1&c"),
        ("../x/y.html#frag", "https://site.ma/a/b/c.html", "https://site.ma/a/x/y.html"),
        ("//cdn.site.ma/f.xml", "https://site.ma/", "https://cdn.site.ma/f.xml"),
        (
            "https://site.ma/الهجرة?q=لفتيت",
            None,
            "https://site.ma/%D8%A7%D9%84%D9%87%D8%AC%D8%B1%D8%A9?q=%D9%84%D9%81%D8%AA%D9%8A%D8%AA",
        ),
        ("https://site.ma/%d8%a7?x=a+b", None, "https://site.ma/%D8%A7?x=a+b"),
        ("  https://site.ma/p  ", None, "https://site.ma/p"),
    ],
)
def test_canonical_url(url: str, base: str | None, expected: str) -> None:
    assert canonical_url(url, base) == expected


def test_canonical_url_is_idempotent() -> None:
    once = canonical_url("HTTPS://Site.ma/الهجرة?utm_campaign=x&id=1#c")
    assert canonical_url(once) == once


_SEGMENT = st.text(alphabet="abcXYZ019-_.~%+ الهجرةé", min_size=0, max_size=8)
_PARAM = st.tuples(
    st.sampled_from(["id", "q", "utm_source", "UTM_medium", "fbclid", "gclid", "page", "ref"]),
    _SEGMENT,
)


@settings(max_examples=60, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https", "HTTPS"]),
    host=st.sampled_from(["hespress.com", "Le360.MA", "www.alyaoum24.com", "127.0.0.1"]),
    port=st.sampled_from(["", ":80", ":443", ":8080"]),
    segments=st.lists(_SEGMENT, max_size=4),
    params=st.lists(_PARAM, max_size=5),
    fragment=st.sampled_from(["", "#", "#top", "#الهجرة"]),
)
def test_canonical_url_properties(
    scheme: str,
    host: str,
    port: str,
    segments: list[str],
    params: list[tuple[str, str]],
    fragment: str,
) -> None:
    query = "&".join(f"{k}={v}" for k, v in params)
    url = f"{scheme}://{host}{port}/{'/'.join(segments)}{'?' + query if params else ''}{fragment}"
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert once.startswith(f"{scheme.lower()}://{host.lower()}")
    assert "#" not in once
    assert "utm_" not in once.lower() and "clid=" not in once
    assert once.isascii()
    kept = [f"{k}=" for k, _ in params if k in ("id", "q", "page", "ref")]
    positions = [once.find(k) for k in kept]
    assert all(p >= 0 for p in positions)


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéàالهجرة", min_size=1, max_size=8)
_WRAPPER = st.sampled_from(
    ["<p>{}</p>", "<div>{}</div>", "{}<br>", "<li>{}</li>", "<h2>{}</h2>", "<b>{}</b> ", "{}\n"]
)


@settings(max_examples=60, deadline=None)
@given(words=st.lists(st.tuples(_WORD, _WRAPPER), min_size=1, max_size=8))
def test_html_to_text_never_glues_words(words: list[tuple[str, str]]) -> None:
    markup = "".join(wrapper.format(word) for word, wrapper in words)
    text = html_to_text(markup, multiline=False)
    assert text.split(" ") == [word for word, _ in words]


# ----------------------------------------------------------------------------- discover


def test_discover_links_in_document_order_json_last() -> None:
    links = discover_feed_links(fixture_bytes("page_with_feed.html"), "https://sada.example.ma/")
    # JSON Feed after RSS/Atom; the footer <a href="/rss.xml"> duplicates the first link.
    assert links == [
        "https://sada.example.ma/rss.xml",
        "https://sada.example.ma/atom.xml",
        "https://sada.example.ma/feed.json",
    ]


def test_discover_nothing_on_page_without_feed() -> None:
    # /sitemap.xml is an .xml anchor but not a feed.
    assert (
        discover_feed_links(fixture_bytes("page_without_feed.html"), "https://fes.example.ma/")
        == []
    )


def test_discover_anchor_fallback_and_base_href() -> None:
    page = """<html><head><base href="https://news.example.ma/ar/"></head><body>
        <a href="category/feed/">خلاصة القسم</a>
        <a href="article.html">مقال</a>
        <a href="/index.php?option=com_content&amp;format=feed&amp;type=rss">RSS</a>
        <a href="javascript:void(0)">x</a>
        <link rel="alternate" type="application/atom+xml" href="atom.xml">
    </body></html>"""
    assert discover_feed_links(page, "https://news.example.ma/") == [
        "https://news.example.ma/ar/atom.xml",
        "https://news.example.ma/ar/category/feed/",
        "https://news.example.ma/index.php?option=com_content&format=feed&type=rss",
    ]


# ----------------------------------------------------------------------------- resolve


async def test_resolve_html_page_finds_its_feed(server: FeedServer, fetcher: Fetcher) -> None:
    server.set_file("/", "page_with_feed.html", content_type="text/html; charset=utf-8")
    server.set_file("/rss.xml", "arabic_rss.xml", etag='"abc"')
    resolved = await resolve_source(fetcher, server.url("/"), parsers=shared_parsers())
    assert resolved.page_url == server.url("/")
    assert resolved.feed_url == server.url("/rss.xml")
    assert resolved.title == "صدى المغرب - أخبار المغرب والعالم"
    assert resolved.kind == "feed"
    entries = resolved.read.entries or []
    assert len(entries) == 3
    assert resolved.read.fetched.etag == '"abc"'
    # The relative item link resolves against the real feed location.
    assert entries[2].url == server.url("/politique/majlis-hokouma-45810.html")


async def test_resolve_direct_feed(server: FeedServer, fetcher: Fetcher) -> None:
    server.set_file("/atom.xml", "french_atom.xml", content_type="text/html")  # mislabelled
    resolved = await resolve_source(fetcher, server.url("/atom.xml"), parsers=shared_parsers())
    assert resolved.feed_url == server.url("/atom.xml")
    assert resolved.title == "L’Écho du Maroc — Actualités"
    assert resolved.kind == "feed"
    assert len(resolved.read.entries or []) == 3
    assert server.hits["/atom.xml"] == 1


async def test_resolve_page_without_feed_or_articles(server: FeedServer, fetcher: Fetcher) -> None:
    server.set(
        "/",
        "<html><body><nav><a href='/politique'>Politique</a></nav><p>Bienvenue</p></body></html>",
        content_type="text/html; charset=utf-8",
    )
    with pytest.raises(SourceResolveError) as caught:
        await resolve_source(fetcher, server.url("/"), parsers=shared_parsers())
    assert str(caught.value) == (
        f"{server.url('/')} is an HTML page with no feed, no news sitemap and no article"
        " links recognised (give a CSS selector)"
    )


async def test_resolve_tries_next_link_when_first_fails(
    server: FeedServer, fetcher: Fetcher
) -> None:
    server.set(
        "/",
        '<html><head><link rel="alternate" type="application/rss+xml" href="/gone.xml">'
        '<link rel="alternate" type="application/rss+xml" href="/rss1.rdf"></head></html>',
        content_type="text/html",
    )
    server.set_file("/rss1.rdf", "rss1_rdf.xml")
    resolved = await resolve_source(fetcher, server.url("/"), parsers=shared_parsers())
    assert resolved.feed_url == server.url("/rss1.rdf")
    assert resolved.title == "Agence Maghreb Info"
    assert server.hits["/gone.xml"] == 1


async def test_resolve_all_links_broken(server: FeedServer, fetcher: Fetcher) -> None:
    server.set(
        "/",
        '<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        "</head></html>",
        content_type="text/html",
    )
    server.set_file("/rss.xml", "truncated.xml")
    with pytest.raises(SourceResolveError) as caught:
        await resolve_source(fetcher, server.url("/"), parsers=shared_parsers())
    assert str(caught.value) == (
        f"{server.url('/')} links a feed but none could be read "
        f"({server.url('/rss.xml')}: not a feed: malformed XML (no element found at line 9))"
    )


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (None, "", "HTTP 404"),
        (
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
            "image/png",
            "{url} is not a feed, sitemap or HTML page",
        ),
        (fixture_bytes("truncated.xml"), "application/rss+xml", "not a feed: malformed XML"),
    ],
    ids=["404", "png", "broken-feed"],
)
async def test_resolve_errors(
    server: FeedServer,
    fetcher: Fetcher,
    body: bytes | None,
    content_type: str,
    message: str,
) -> None:
    if body is not None:
        server.set("/thing", body, content_type=content_type)
    url = server.url("/thing")
    with pytest.raises(SourceResolveError) as caught:
        await resolve_source(fetcher, url, parsers=shared_parsers())
    assert str(caught.value).startswith(message.format(url=url))


# ----------------------------------------------------------------------------- end to end


async def test_polling_sees_new_article_and_uses_304(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    items: list[FeedItem] = [
        {
            "title": "لفتيت يترأس اجتماعا حول الهجرة",
            "link": "https://sada.example.ma/a/1",
            "guid": "a-1",
            "description": "<p>نص <b>الخبر</b> الأول</p>",
            "published": datetime(2025, 1, 13, 9, 0, tzinfo=UTC),
        }
    ]
    server.set("/rss.xml", rss_feed("صدى", items), etag='"1"')
    first, feed = await fetch_and_parse(session, server.url("/rss.xml"))
    assert [e.guid for e in feed.entries] == ["a-1"]
    assert feed.entries[0].summary == "نص الخبر الأول"
    assert feed.entries[0].published == datetime(2025, 1, 13, 9, 0, tzinfo=UTC)

    unchanged = await fetch(session, server.url("/rss.xml"), etag=first.etag)
    assert unchanged.not_modified

    items.insert(
        0,
        {
            "title": "خبر عاجل: «الهجرة» & التنمية",
            "link": "https://sada.example.ma/a/2",
            "guid": "a-2",
        },
    )
    server.set("/rss.xml", rss_feed("صدى", items), etag='"2"')
    changed = await fetch(session, server.url("/rss.xml"), etag=unchanged.etag)
    assert changed.status == 200 and changed.etag == '"2"'
    feed = parse_feed(changed.body, base_url=changed.url, charset=changed.charset)
    assert [(e.guid, e.title) for e in feed.entries] == [
        ("a-2", "خبر عاجل: «الهجرة» & التنمية"),
        ("a-1", "لفتيت يترأس اجتماعا حول الهجرة"),
    ]


async def test_atom_helper_end_to_end(server: FeedServer, session: aiohttp.ClientSession) -> None:
    body = atom_feed(
        "L’Écho",
        [
            {
                "title": "Laftit <annonce> « R&D »",
                "link": "https://echo.example.ma/a?x=1&utm_source=tw",
                "description": "<p>Un</p><p>Deux</p>",
                "published": "2025-01-13T10:00:00+01:00",
            }
        ],
    )
    server.set("/atom.xml", body, content_type="application/atom+xml")
    _, feed = await fetch_and_parse(session, server.url("/atom.xml"))
    (entry,) = feed.entries
    assert entry.title == "Laftit <annonce> « R&D »"
    assert entry.url == "https://echo.example.ma/a?x=1"
    assert entry.guid == "https://echo.example.ma/a?x=1&utm_source=tw"
    assert entry.summary == "Un\nDeux"
    assert entry.published == datetime(2025, 1, 13, 9, 0, tzinfo=UTC)


def test_parse_feed_reads_json_feeds_too() -> None:
    body = b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": []}'
    feed = parse_feed(body, base_url="https://x.ma/feed.json")
    assert (feed.title, feed.entries) == ("t", [])
    full = parse_feed(fixture_bytes("jsonfeed_1_1.json"), base_url="https://sada.example.ma/f")
    assert full.entries[0].guid == "sada-45821"
