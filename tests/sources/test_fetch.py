"""bot.sources.fetch.Fetcher over real loopback HTTP: validators, redirects, limits,
Retry-After/Cache-Control, concurrency, and hostile servers (huge, endless, trickling,
gzip bombs).  The address guard has its own file, tests/sources/test_fetch_guard.py."""

from __future__ import annotations

import asyncio
import gzip
import socket
import tracemalloc
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web

from bot.sources.fetch import Fetcher, FetchResult
from bot.sources.fetch_errors import FetchError
from bot.sources.fetch_limits import DEFAULT_USER_AGENT, FetchLimits
from bot.sources.http_headers import parse_max_age, parse_retry_after
from bot.sources.http_session import create_session
from tests.support.fakes.feed_server import FakeDNS, FeedServer, gzip_bomb, rss_feed

NOW = datetime(2025, 1, 13, 12, 0, tzinfo=UTC)
LOOPBACK = FetchLimits(allow_private=True, timeout=5.0)
FEED = rss_feed("صدى", [{"title": "خبر", "link": "https://x.ma/1"}])


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with create_session(LOOPBACK) as session:
        yield session


def fetcher(http: aiohttp.ClientSession, **limits: object) -> Fetcher:
    merged = {"allow_private": True, "timeout": 5.0, **limits}
    return Fetcher(http, FetchLimits(**merged), clock=lambda: NOW)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Mon, 13 Jan 2025 12:05:00 GMT", 300.0),
        ("Mon, 13 Jan 2025 11:00:00 GMT", 0.0),  # in the past: no wait
        ("-5", None),
        ("soon", None),
        ("1.5", None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, NOW) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("no-cache", None),
        ("max-age=300", 300.0),
        ("public, MAX-AGE=60, must-revalidate", 60.0),
        ('max-age="90"', 90.0),
        ("s-maxage=10", None),
        ("max-age=abc", None),
    ],
)
def test_parse_max_age(header: str | None, expected: float | None) -> None:
    assert parse_max_age(header) == expected


async def test_get_sends_user_agent_accept_and_validators(
    server: FeedServer, http: aiohttp.ClientSession
) -> None:
    server.set("/rss.xml", FEED, etag='"v1"', headers={"Cache-Control": "public, max-age=900"})
    get = fetcher(http).get
    first = await get(server.url("/rss.xml"))
    assert (first.status, first.etag, first.max_age, first.permanent_url) == (
        200,
        '"v1"',
        900.0,
        None,
    )
    _, headers = server.requests[-1]
    assert headers["User-Agent"] == DEFAULT_USER_AGENT
    assert "application/rss+xml" in headers["Accept"]

    second = await get(server.url("/rss.xml"), etag=first.etag, accept="text/html")
    assert second.not_modified and second.body == b""
    assert second.etag == '"v1"' and second.max_age == 900.0
    _, headers = server.requests[-1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["Accept"] == "text/html"


async def test_304_without_validators_keeps_the_ones_sent(
    server: FeedServer, http: aiohttp.ClientSession
) -> None:
    async def not_modified(request: web.Request) -> web.StreamResponse:
        return web.Response(status=304)

    server.set_handler("/feed", not_modified)
    stamp = "Mon, 13 Jan 2025 11:05:00 GMT"
    result = await fetcher(http).get(server.url("/feed"), etag='"e"', last_modified=stamp)
    assert (result.status, result.etag, result.last_modified) == (304, '"e"', stamp)


# ----------------------------------------------------------------------------- errors


async def test_429_retry_after_seconds_is_not_retried(
    server: FeedServer, http: aiohttp.ClientSession
) -> None:
    server.set("/feed", "slow down", status=429, headers={"Retry-After": "120"})
    with pytest.raises(FetchError) as caught:
        await fetcher(http).get(server.url("/feed"))
    error = caught.value
    assert (str(error), error.kind, error.status, error.retry_after) == (
        "HTTP 429",
        "http",
        429,
        120.0,
    )
    assert server.hits["/feed"] == 1


async def test_503_with_retry_after_date_is_not_retried_at_once(
    server: FeedServer, http: aiohttp.ClientSession
) -> None:
    server.set(
        "/feed", "maintenance", status=503, headers={"Retry-After": "Mon, 13 Jan 2025 13:00:00 GMT"}
    )
    with pytest.raises(FetchError) as caught:
        await fetcher(http).get(server.url("/feed"))
    assert caught.value.retry_after == 3600.0
    assert caught.value.status == 503
    assert server.hits["/feed"] == 1


async def test_503_without_retry_after_is_retried_once(
    server: FeedServer, http: aiohttp.ClientSession
) -> None:
    server.set("/feed", "down", status=503)
    with pytest.raises(FetchError) as caught:
        await fetcher(http).get(server.url("/feed"))
    assert (caught.value.kind, caught.value.retry_after) == ("http", None)
    assert type(caught.value) is FetchError
    assert server.hits["/feed"] == 2


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://x.ma/feed", "not an http(s) URL"),
        ("http:///nohost", "not an http(s) URL"),
        ("feed.xml", "not an http(s) URL"),
        ("http://[::1", "an invalid URL"),
    ],
)
async def test_invalid_urls(http: aiohttp.ClientSession, url: str, message: str) -> None:
    with pytest.raises(FetchError) as caught:
        await fetcher(http).get(url)
    assert (str(caught.value), caught.value.kind) == (message, "invalid_url")


async def test_unknown_host_is_a_dns_error(server: FeedServer) -> None:
    async with create_session(LOOPBACK, resolver=FakeDNS({})) as http:
        with pytest.raises(FetchError) as caught:
            await fetcher(http).get("http://nowhere.example.ma/feed")
    assert (str(caught.value), caught.value.kind) == ("could not resolve host name", "dns")


async def test_corrupt_gzip_is_a_decompress_error(
    server: FeedServer, http: aiohttp.ClientSession
) -> None:
    server.set("/feed", b"\x1f\x8b\x08\x00garbage" * 10, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError) as caught:
        await fetcher(http).get(server.url("/feed"))
    assert caught.value.kind == "decompress"
    assert str(caught.value) == "could not decompress the response body"


async def test_gzip_body_is_inflated(server: FeedServer, http: aiohttp.ClientSession) -> None:
    server.set("/feed", gzip.compress(FEED.encode()), headers={"Content-Encoding": "gzip"})
    result = await fetcher(http).get(server.url("/feed"))
    assert result.body == FEED.encode()


# ----------------------------------------------------------------------------- redirects


async def test_permanent_redirects_report_the_new_url(
    server: FeedServer, http: aiohttp.ClientSession
) -> None:
    server.set("/final.xml", FEED)
    server.redirect_chain(["/a", "/b"], "/final.xml", statuses=[301, 308])
    result = await fetcher(http).get(server.url("/a"))
    assert result.url == server.url("/final.xml")
    assert result.permanent_url == server.url("/final.xml")
    assert result.body == FEED.encode()


@pytest.mark.parametrize("statuses", [[301, 302], [307], [303, 308], [302]])
async def test_a_temporary_hop_means_no_permanent_url(
    server: FeedServer, http: aiohttp.ClientSession, statuses: list[int]
) -> None:
    server.set("/final.xml", FEED)
    paths = [f"/hop{i}" for i in range(len(statuses))]
    server.redirect_chain(paths, server.url("/final.xml"), statuses=statuses)
    result = await fetcher(http).get(server.url("/hop0"))
    assert result.url == server.url("/final.xml")
    assert result.permanent_url is None


async def test_redirect_limit(server: FeedServer, http: aiohttp.ClientSession) -> None:
    server.set("/end", FEED)
    server.redirect_chain([f"/r{i}" for i in range(3)], "/end", statuses=[302] * 3)
    assert (await fetcher(http, max_redirects=3).get(server.url("/r0"))).status == 200
    with pytest.raises(FetchError) as caught:
        await fetcher(http, max_redirects=2).get(server.url("/r0"))
    assert (str(caught.value), caught.value.kind) == ("too many redirects", "redirects")


async def test_endless_redirect_loop_stops(server: FeedServer, http: aiohttp.ClientSession) -> None:
    server.redirect("/loop-a", "/loop-b", status=301)
    server.redirect("/loop-b", server.url("/loop-a"), status=301)
    with pytest.raises(FetchError) as caught:
        await fetcher(http, max_redirects=5).get(server.url("/loop-a"))
    assert caught.value.kind == "redirects"
    assert server.hits["/loop-a"] + server.hits["/loop-b"] == 6  # the first request + 5 hops


async def test_redirect_to_another_scheme_is_refused(
    server: FeedServer, http: aiohttp.ClientSession
) -> None:
    server.redirect("/feed", "file:///etc/passwd?token=s3cret")
    with pytest.raises(FetchError) as caught:
        await fetcher(http).get(server.url("/feed"))
    assert (str(caught.value), caught.value.kind) == (
        "redirected to a non-http(s) URL",
        "invalid_url",
    )


# ----------------------------------------------------------------------------- concurrency


class Gate:
    """A handler that holds each request until ``open``; records the peak in flight."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.peak = 0
        self.arrived = asyncio.Condition()
        self.opened = asyncio.Event()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        async with self.arrived:
            self.arrived.notify_all()
        try:
            await self.opened.wait()
            return web.Response(body=FEED.encode(), content_type="application/rss+xml")
        finally:
            self.in_flight -= 1

    async def open_when(self, count: int) -> None:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: self.in_flight >= count), 5)
        # Let any request that slipped past a broken limit arrive too, then release.
        for _ in range(20):
            await asyncio.sleep(0)
        self.opened.set()


async def test_per_host_limit(server: FeedServer, http: aiohttp.ClientSession) -> None:
    gate = Gate()
    server.set_handler("/slow", gate.handle)
    fetch = fetcher(http, per_host=2, concurrency=8)
    gets = [fetch.get(server.url("/slow")) for _ in range(6)]
    results = await asyncio.gather(*gets, gate.open_when(2))
    assert all(isinstance(r, FetchResult) and r.status == 200 for r in results[:6])
    assert gate.peak == 2


async def test_overall_limit_across_hosts(server: FeedServer) -> None:
    hosts = [f"site{i}.example.ma" for i in range(6)]
    dns = FakeDNS({host: ["127.0.0.1"] for host in hosts})
    gate = Gate()
    server.set_handler("/slow", gate.handle)
    port = server.base_url.rsplit(":", 1)[1]
    async with create_session(LOOPBACK, resolver=dns) as http:
        fetch = fetcher(http, per_host=2, concurrency=3)
        gets = [fetch.get(f"http://{host}:{port}/slow") for host in hosts for _ in range(2)]
        results = await asyncio.gather(*gets, gate.open_when(3))
    assert len([r for r in results if isinstance(r, FetchResult)]) == 12
    assert gate.peak == 3


# ----------------------------------------------------------------------------- hostile servers


async def test_trickling_server_hits_the_total_timeout_and_others_go_on(
    server: FeedServer, http: aiohttp.ClientSession
) -> None:
    server.set_stream("/trickle", b"<", interval=1.0, count=30)
    server.set("/fine", FEED)
    fetch = fetcher(http, timeout=1.5)
    finished: list[str] = []

    async def trickle() -> FetchError:
        with pytest.raises(FetchError) as caught:
            await fetch.get(server.url("/trickle"))
        finished.append("trickle")
        return caught.value

    async def fine() -> FetchResult:
        result = await fetch.get(server.url("/fine"))
        finished.append("fine")
        return result

    error, result = await asyncio.gather(trickle(), fine())
    assert (str(error), error.kind) == ("timed out after 1.5s", "timeout")
    assert result.body == FEED.encode()
    assert finished == ["fine", "trickle"]
    assert server.written["/trickle"] < 30  # aborted long before the 30 s body ended


async def test_total_timeout_covers_all_redirect_hops(
    server: FeedServer, http: aiohttp.ClientSession
) -> None:
    server.set("/end", FEED, delay=0.6)
    for i in range(3):
        server.set(f"/r{i}", b"", status=302, headers={"Location": f"/r{i + 1}"}, delay=0.3)
    server.redirect("/r3", "/end")
    with pytest.raises(FetchError) as caught:
        await fetcher(http, timeout=1.0).get(server.url("/r0"))
    assert caught.value.kind == "timeout"
    assert server.hits.get("/end", 0) <= 1


async def test_100_mb_chunked_body_is_cut_at_the_cap(
    server: FeedServer, http: aiohttp.ClientSession
) -> None:
    chunk = b"<item>" + b"x" * (64 * 1024 - 6)
    server.set_stream("/huge", chunk, count=100 * 16)  # 100 MB, no Content-Length
    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as caught:
            await fetcher(http, max_bytes=5_000_000).get(server.url("/huge"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (str(caught.value), caught.value.kind) == ("response larger than 5 MB", "too_large")
    # Sanity bounds, far from the 100 MB a full read would need: what the client held
    # (the body up to the cap, once as chunks and not joined) and what the server got to
    # write before the connection closed (the cap plus socket buffers).
    assert peak < 30_000_000
    assert server.written["/huge"] < 50_000_000


async def test_declared_100_mb_body_is_refused_before_reading(
    server: FeedServer, http: aiohttp.ClientSession
) -> None:
    server.set_stream("/huge", b"x" * 65536, count=1600, content_length=100 * 1024 * 1024)
    with pytest.raises(FetchError) as caught:
        await fetcher(http).get(server.url("/huge"))
    assert caught.value.kind == "too_large"
    assert server.written["/huge"] < 50_000_000


async def test_endless_body_is_cut_and_the_server_still_answers(
    server: FeedServer, http: aiohttp.ClientSession
) -> None:
    server.set_stream("/endless", b"<rss>" * 2000, count=None)
    server.set("/fine", FEED)
    fetch = fetcher(http, max_bytes=1_000_000)
    with pytest.raises(FetchError) as caught:
        await fetch.get(server.url("/endless"))
    assert str(caught.value) == "response larger than 1 MB"
    assert (await fetch.get(server.url("/fine"))).body == FEED.encode()


async def test_gzip_bomb_is_cut_at_the_decompressed_cap(
    server: FeedServer, http: aiohttp.ClientSession
) -> None:
    bomb = gzip_bomb(1_000_000_000)  # 1 GB of zeros in about 1 MB
    assert len(bomb) < 2_000_000
    server.set("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as caught:
            await fetcher(http, max_bytes=2_000_000).get(server.url("/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (str(caught.value), caught.value.kind) == ("response larger than 2 MB", "too_large")
    assert peak < 30_000_000  # the server's copy of the bomb included


async def test_small_gzip_under_the_cap_passes_whole(
    server: FeedServer, http: aiohttp.ClientSession
) -> None:
    server.set("/ok", gzip_bomb(1_500_000), headers={"Content-Encoding": "gzip"})
    result = await fetcher(http, max_bytes=2_000_000).get(server.url("/ok"))
    assert len(result.body) == 1_500_000 and result.body.startswith(b"<rss>")


async def test_connection_refused_is_a_connect_error(http: aiohttp.ClientSession) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError) as caught:
        await fetcher(http).get(f"http://127.0.0.1:{port}/feed?token=s3cret")
    assert (str(caught.value), caught.value.kind) == ("connection refused", "connect")
