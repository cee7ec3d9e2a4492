"""Entity declarations are refused by the XML parser itself, on every XML path (feeds,
sitemaps, sitemap indexes, OPML): each attack is a clear ``hostile`` error, nothing is
expanded or fetched, and memory and time stay small. Valid documents with a DOCTYPE
still read."""

from __future__ import annotations

import asyncio
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.sources.errors import ErrorKind, FeedParseError, SourceError
from bot.sources.fetch import Fetcher
from bot.sources.opml import OpmlError, parse_opml
from bot.sources.parse import parse_feed
from bot.sources.read import SourceRead, read_source
from bot.sources.sitemap import parse_sitemap
from bot.sources.xml_guard import HostileXmlError, guard_prolog
from tests.support.fakes.feed_server import FeedServer, site_bytes
from tests.support.parsing import shared_parsers

pytestmark = pytest.mark.alone  # times itself or runs processes: see scripts/test.sh

MB = 1_000_000
NEWS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

# Documents by kind: root name, a body with {ref} where an entity is used, and a filler
# element (repeated to make a 2 MB document).
ROOTS = {
    "feed": (
        "rss",
        "<rss version='2.0'><channel><title>T</title>{pad}<item><title>{ref}</title>"
        "<link>https://x.ma/a/1</link><description>{ref}</description></item></channel></rss>",
        "<item><title>remplissage</title><link>https://x.ma/p/{n}</link></item>",
    ),
    "sitemap": (
        "urlset",
        f"<urlset {NEWS}>{{pad}}<url><loc>https://x.ma/a/{{ref}}</loc></url></urlset>",
        "<url><loc>https://x.ma/p/{n}</loc></url>",
    ),
    "sitemap index": (
        "sitemapindex",
        f"<sitemapindex {NEWS}>{{pad}}<sitemap><loc>https://x.ma/{{ref}}.xml</loc></sitemap>"
        "</sitemapindex>",
        "<sitemap><loc>https://x.ma/s/{n}.xml</loc></sitemap>",
    ),
    "opml": (
        "opml",
        "<opml version='2.0'><body>{pad}<outline text='{ref}' xmlUrl='https://x.ma/{ref}'/>"
        "</body></opml>",
        "<outline text='p' xmlUrl='https://x.ma/p/{n}'/>",
    ),
}
LAUGHS = "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
)  # 10**9 "lol"s once &lol9; is expanded


@dataclass(frozen=True)
class Attack:
    dtd: str  # the DOCTYPE's internal subset; {secret} and {url} are filled in
    ref: str  # what the body uses
    junk: str = ""  # printed before the document


ATTACKS = {
    "billion laughs": Attack(f'<!ENTITY lol0 "lol">{LAUGHS}', "&lol9;"),
    # A feed root inside a comment of the DTD ended the old text scan of the prolog.
    "comment trick": Attack(
        f'<!-- <rss > <urlset> <opml> --><!ENTITY lol0 "lol">{LAUGHS}', "&lol9;"
    ),
    "processing instruction trick": Attack(f'<?x <rss > ?><!ENTITY lol0 "lol">{LAUGHS}', "&lol9;"),
    "parameter entities": Attack(
        "<!ENTITY % p \"<!ENTITY x 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'>\"> %p;", "&x;"
    ),
    "external file": Attack('<!ENTITY s SYSTEM "file://{secret}">', "&s;"),
    "external http": Attack('<!ENTITY s SYSTEM "{url}">', "&s;"),
    "external parameter": Attack('<!ENTITY % dtd SYSTEM "{url}"> %dtd;', "&s;"),
    "unparsed": Attack(
        '<!NOTATION gif SYSTEM "image/gif"><!ENTITY s SYSTEM "{url}" NDATA gif>', ""
    ),
    # expat cannot read this prolog, so it never sees the declarations: the token refuses it.
    "junk before": Attack(
        f'<!ENTITY lol0 "lol">{LAUGHS}', "&lol9;", junk="Warning: include(x.php) failed\n"
    ),
}


class Canary:
    """A loopback HTTP server in its own thread: records every request, so an external
    entity fetched by a (synchronous) parser would show up here."""

    def __init__(self) -> None:
        requests: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                body = b'<!ENTITY s "CANARY-SECRET">'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.requests = requests
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/entity"
        self.thread = threading.Thread(
            target=self.http.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> Canary:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    with Canary() as server:
        yield server


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("FILE-SECRET-VALUE", encoding="utf-8")
    return path


def document(kind: str, attack: Attack, *, secret: Path, url: str, size: int = 0) -> bytes:
    root, body, filler = ROOTS[kind]
    dtd = attack.dtd.replace("{secret}", str(secret)).replace("{url}", url)
    pieces: list[str] = []
    total = 0
    while total < size:
        pieces.append(filler.format(n=len(pieces)))
        total += len(pieces[-1])
    pad = "".join(pieces)
    text = (
        f'{attack.junk}<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE {root} [{dtd}]>\n'
        + body.replace("{pad}", pad).replace("{ref}", attack.ref)
    )
    return text.encode()


PARSERS: dict[str, Callable[[bytes], object]] = {
    "feed": lambda data: parse_feed(data, base_url="https://x.ma/rss"),
    "sitemap": lambda data: parse_sitemap(data, base_url="https://x.ma/sitemap.xml"),
    "sitemap index": lambda data: parse_sitemap(data, base_url="https://x.ma/sitemap.xml"),
    "opml": parse_opml,
}


@dataclass
class Outcome:
    error: BaseException | None
    result: object
    seconds: float
    peak_bytes: int


def measured(parse: Callable[[bytes], object], data: bytes) -> Outcome:
    tracemalloc.start()
    started = time.monotonic()
    error: BaseException | None = None
    result: object = None
    try:
        result = parse(data)
    except Exception as exc:
        error = exc
    seconds = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return Outcome(error, result, seconds, peak)


def assert_refused(kind: str, outcome: Outcome, *leaks: str) -> None:
    error = outcome.error
    assert error is not None, f"accepted: {outcome.result!r:.200}"
    if kind == "opml":
        assert isinstance(error, OpmlError)
        assert "declares XML entities" in str(error)
    else:
        assert isinstance(error, HostileXmlError) and isinstance(error, SourceError)
        assert isinstance(error, FeedParseError)  # what every parse of a source raises
        assert str(error) == (
            f"not a {'feed' if kind == 'feed' else 'sitemap'}: the document declares XML"
            " entities (refused: entity expansion and external entities are never processed)"
        )
    assert error.kind is ErrorKind.HOSTILE
    assert str(error.kind) == "hostile"  # still the plain word stored and logged
    for leak in leaks:
        assert leak not in str(error)


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("kind", ROOTS)
def test_every_attack_is_refused_on_every_xml_path(
    kind: str, attack: str, canary: Canary, secret: Path
) -> None:
    data = document(kind, ATTACKS[attack], secret=secret, url=canary.url)
    outcome = measured(PARSERS[kind], data)
    assert_refused(kind, outcome, "FILE-SECRET-VALUE", "CANARY-SECRET", "lollol")
    assert canary.requests == []  # nothing external was ever fetched
    assert outcome.seconds < 1.0
    assert outcome.peak_bytes < 5 * MB


@pytest.mark.parametrize("kind", ROOTS)
def test_a_two_megabyte_document_is_refused_in_bounded_memory(
    kind: str, canary: Canary, secret: Path
) -> None:
    """The reported attack: ~2 MB, the DTD hidden behind ``<!-- <rss > -->``, one entity
    of 10,000 characters used 10,000 times in a title (100,000,000 once expanded)."""
    big = Attack(
        '<!-- <rss > <urlset> <opml> --><!ENTITY e "' + "A" * 10_000 + '">', "&e;" * 10_000
    )
    data = document(kind, big, secret=secret, url=canary.url, size=int(1.8 * MB))
    assert 1.8 * MB < len(data) < MB * 2.1
    outcome = measured(PARSERS[kind], data)
    assert_refused(kind, outcome, "AAAAAAAAAA")
    assert outcome.seconds < 3.0
    # The document itself, a few copies of it while decoding: never the expansion.
    assert outcome.peak_bytes < 40 * MB


def test_a_utf16_bomb_is_refused(canary: Canary, secret: Path) -> None:
    data = document("feed", ATTACKS["comment trick"], secret=secret, url=canary.url)
    utf16 = data.decode().replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    assert_refused("feed", measured(PARSERS["feed"], utf16))


# ----------------------------------------------------------------------------- valid documents

# A DTD without entity declarations: element and attribute declarations, a comment holding
# an entity declaration as text, a processing instruction. All of it is fine.
HARMLESS_DTD = "<!ELEMENT x ANY><!ATTLIST x a CDATA 'b'><!-- <!ENTITY a \"zzz\"> --><?x y?>"


@pytest.mark.parametrize("kind", ROOTS)
def test_a_doctype_without_entity_declarations_is_read(
    kind: str, canary: Canary, secret: Path
) -> None:
    data = document(kind, Attack(HARMLESS_DTD, "ok"), secret=secret, url=canary.url)
    result = PARSERS[kind](data)
    if kind == "feed":
        assert [e.title for e in result.entries] == ["ok"]  # type: ignore[attr-defined]
    elif kind == "sitemap":
        assert [e.url for e in result.entries] == ["https://x.ma/a/ok"]  # type: ignore[attr-defined]
    elif kind == "sitemap index":
        assert result.children == [("https://x.ma/ok.xml", None)]  # type: ignore[attr-defined]
    else:
        assert [o.url for o in result] == ["https://x.ma/ok"]  # type: ignore[attr-defined]
    assert canary.requests == []


def test_an_entity_declared_only_in_a_comment_stays_inert_text(
    canary: Canary, secret: Path
) -> None:
    data = document("feed", Attack(HARMLESS_DTD, "&a;"), secret=secret, url=canary.url)
    feed = parse_feed(data, base_url="https://x.ma/rss")
    assert feed.entries[0].title == "&a;"
    assert "zzz" not in feed.entries[0].summary


def test_declarations_after_the_root_element_are_inert_text() -> None:
    """Only the DTD can declare; markup that looks like it inside the document must not
    reach feedparser's own DOCTYPE handling (it would put "safe" entities back)."""
    data = (
        b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>T</title>'
        b'<!DOCTYPE rss [<!ENTITY a "EXPANDED">]><!ENTITY b "EXPANDED">'
        b"<item><title>x &a; &b;</title><link>https://x.ma/1</link></item></channel></rss>"
    )
    [entry] = parse_feed(data, base_url="https://x.ma/rss").entries
    assert entry.title == "x &a; &b;"


def test_junk_before_a_feed_without_declarations_is_still_read() -> None:
    """expat cannot read this prolog; with no ``<!ENTITY`` in it, feedparser's lenient
    parser reads it as before."""
    data = (
        b"Warning: mysql_connect() failed in /var/www/rss.php on line 3\n"
        b"<rss version='2.0'><channel><title>T</title><item><title>A &amp; B</title>"
        b"<link>https://x.ma/1</link></item></channel></rss>"
    )
    assert guard_prolog(data) is None
    assert [e.title for e in parse_feed(data, base_url="https://x.ma/rss").entries] == ["A & B"]


def test_the_guard_finds_the_real_root_after_a_decoy_in_the_dtd() -> None:
    prolog = b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!-- <rss > --><!ELEMENT rss ANY>]>\n'
    data = prolog + b"<rss version='2.0'><channel/></rss>"
    assert guard_prolog(data) == len(prolog)


@pytest.mark.parametrize(
    ("name", "count", "first_title"),
    [
        # RSS 0.91 with the Netscape DOCTYPE (external DTD, never fetched), windows-1251.
        (
            "real_aif_health_cp1251_rss091.xml",
            17,
            "Как пережить новогоднюю ночь",
        ),
        # A comment before the root, koi8-r.
        ("real_newsru_koi8r.xml", 30, None),
    ],
)
def test_real_feeds_with_a_prolog_still_parse(
    name: str, count: int, first_title: str | None
) -> None:
    feed = parse_feed(site_bytes(name), base_url="https://real.example/rss")
    assert len(feed.entries) >= count
    assert all(e.title and e.url for e in feed.entries)
    if first_title is not None:
        assert feed.entries[0].title == first_title


# ----------------------------------------------------------------------------- over HTTP


async def test_hostile_sources_over_http_fail_alone(server: FeedServer, fetcher: Fetcher) -> None:
    """Feed, sitemap, sitemap index and an index whose child is hostile, read like the
    poller reads them, beside a good source: each hostile one is its own clear error and
    the entity URL is never requested."""
    url = server.url("/entity")
    server.set("/entity", '<!ENTITY s "HTTP-ENTITY-SECRET">', content_type="text/plain")
    no_secret = Path("/nonexistent")
    attack = ATTACKS["comment trick"]
    server.set(
        "/feed.xml", document("feed", attack, secret=no_secret, url=url, size=2 * MB - 100_000)
    )
    server.set("/xxe.xml", document("feed", ATTACKS["external http"], secret=no_secret, url=url))
    server.set("/sitemap.xml", document("sitemap", attack, secret=no_secret, url=url))
    server.set("/index.xml", document("sitemap index", attack, secret=no_secret, url=url))
    child = document("sitemap", ATTACKS["external http"], secret=no_secret, url=url)
    server.set("/news-child.xml", child)
    server.set(
        "/index-ok.xml",
        f'<?xml version="1.0"?><sitemapindex {NEWS}><sitemap>'
        f"<loc>{server.url('/news-child.xml')}</loc></sitemap></sitemapindex>",
    )
    server.set_file("/good.xml", "arabic_rss.xml")

    async def read(path: str, kind: str) -> SourceRead:
        return await read_source(
            fetcher,
            kind=kind,  # type: ignore[arg-type]
            url=server.url(path),
            selector=None,
            etag=None,
            last_modified=None,
            parsers=shared_parsers(),
            max_items=500,
            zone=None,
        )

    feed, xxe, sitemap, index, via_child, good = await asyncio.gather(
        read("/feed.xml", "feed"),
        read("/xxe.xml", "feed"),
        read("/sitemap.xml", "sitemap"),
        read("/index.xml", "sitemap"),
        read("/index-ok.xml", "sitemap"),
        read("/good.xml", "feed"),
        return_exceptions=True,
    )
    for refused in (feed, xxe, sitemap, index):
        assert isinstance(refused, SourceError), refused
        assert refused.kind == ErrorKind.HOSTILE
        assert "declares XML entities" in str(refused)
    assert isinstance(via_child, SourceError)
    assert "declares XML entities" in str(via_child)  # the child's reason is the one given
    assert server.hits["/news-child.xml"] == 1  # the child was read, and refused
    assert isinstance(good, SourceRead) and good.entries
    assert "/entity" not in server.hits
    for error in (feed, xxe, sitemap, index, via_child):
        assert "HTTP-ENTITY-SECRET" not in str(error)
