"""The address guard (bot.sources.guard) on its own and inside Fetcher, over loopback.

Loopback is exactly what the guard refuses, so these tests either expect a refusal from a
running server (and check it was never asked), or let one exact ``(127.0.0.1, port)``
through with ``AddressGuard(allow=...)`` to prove that a second server on another port is
still refused: on a redirect hop, and at DNS resolution time through a fake DNS."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.sources.fetch import Fetcher
from bot.sources.fetch_errors import FetchError
from bot.sources.fetch_limits import FetchLimits
from bot.sources.guard import AddressGuard, address_problem
from bot.sources.http_session import create_session
from tests.support.fakes.feed_server import FakeDNS, FeedServer, rss_feed

GUARDED = FetchLimits(timeout=5.0)  # allow_private=False, the default
FEED = rss_feed("صدى", [{"title": "خبر", "link": "https://x.ma/1"}])


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        srv.set("/feed", FEED)
        yield srv


@pytest.fixture
async def other() -> AsyncIterator[FeedServer]:
    """A second loopback server: the 'internal service' an attacker points at."""
    async with FeedServer() as srv:
        srv.set("/admin", "secret", content_type="text/plain")
        yield srv


def port_of(server: FeedServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),  # carrier-grade NAT
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.10", "private"),  # documentation range
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("fec0::1", "site-local"),  # fec0::/10, which Python calls global
        ("feff:ffff::1", "site-local"),
        ("fec0::1%eth0", "site-local"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.1.2.3", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("not-an-ip", "invalid"),
        ("8.8.8.8", None),
        ("41.248.12.3", None),  # a Moroccan public address
        ("2001:4860:4860::8888", None),
        ("::ffff:8.8.8.8", None),
    ],
)
def test_address_problem(address: str, problem: str | None) -> None:
    assert address_problem(address) == problem


def test_allow_is_exact_ip_and_port() -> None:
    guard = AddressGuard(allow=frozenset({("127.0.0.1", 8080)}))
    assert guard.problem("127.0.0.1", 8080) is None
    assert guard.problem("127.0.0.1", 8081) == "loopback"
    assert guard.problem("127.0.0.2", 8080) == "loopback"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:{port}/feed", "refused: 127.0.0.1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]:{port}/feed", "refused: ::ffff:7f00:1 is a loopback address"),
        ("http://10.0.0.1/feed", "refused: 10.0.0.1 is a private address"),
        ("http://[::1]/feed", "refused: ::1 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a link-local"),
        ("http://[fec0::1]/feed", "refused: fec0::1 is a site-local address"),
        ("http://localhost:{port}/feed", "refused: localhost resolves to "),  # system DNS
    ],
)
async def test_private_addresses_are_refused_by_default(
    server: FeedServer, url: str, message: str
) -> None:
    async with create_session(GUARDED) as http:
        with pytest.raises(FetchError) as caught:
            await Fetcher(http, GUARDED).get(url.format(port=port_of(server)))
    assert caught.value.kind == "private_address"
    assert str(caught.value).startswith(message)
    assert str(caught.value).endswith("(set polling.allow_private_addresses to allow it)")
    assert server.hits == {}  # nothing was sent


async def test_public_looking_name_resolving_to_loopback_is_refused(server: FeedServer) -> None:
    dns = FakeDNS({"news.example.ma": ["127.0.0.1"]})
    async with create_session(GUARDED, resolver=dns) as http:
        with pytest.raises(FetchError) as caught:
            await Fetcher(http, GUARDED).get(f"http://news.example.ma:{port_of(server)}/feed")
    assert str(caught.value).startswith(
        "refused: news.example.ma resolves to 127.0.0.1, a loopback address"
    )
    assert dns.lookups == {"news.example.ma": 1}  # refused, not retried
    assert server.hits == {}


async def test_name_with_public_and_private_addresses_uses_only_the_allowed_one(
    server: FeedServer,
) -> None:
    allowed = ("127.0.0.1", port_of(server))
    guard = AddressGuard(allow=frozenset({allowed}))
    dns = FakeDNS({"mixed.example.ma": ["10.0.0.7", "127.0.0.1"]})
    async with create_session(GUARDED, guard=guard, resolver=dns) as http:
        result = await Fetcher(http, GUARDED, guard=guard).get(
            f"http://mixed.example.ma:{allowed[1]}/feed"
        )
    assert result.body == FEED.encode()


async def test_allow_private_turns_the_guard_off(server: FeedServer) -> None:
    limits = FetchLimits(allow_private=True)
    async with create_session(limits) as http:
        fetcher = Fetcher(http, limits)
        assert fetcher.guard is None
        result = await fetcher.get(f"http://localhost:{port_of(server)}/feed")
    assert result.status == 200


async def test_redirect_from_an_allowed_server_to_a_private_one_is_refused(
    server: FeedServer, other: FeedServer
) -> None:
    guard = AddressGuard(allow=frozenset({("127.0.0.1", port_of(server))}))
    dns = FakeDNS({"news.example.ma": ["127.0.0.1"], "intranet.example.ma": ["127.0.0.1"]})
    server.redirect("/to-literal", other.url("/admin"))
    server.redirect("/to-name", f"http://intranet.example.ma:{port_of(other)}/admin", status=301)
    async with create_session(GUARDED, guard=guard, resolver=dns) as http:
        fetcher = Fetcher(http, GUARDED, guard=guard)
        # The allowed server itself is reachable, by address and by name.
        assert (await fetcher.get(server.url("/feed"))).status == 200
        assert (await fetcher.get(f"http://news.example.ma:{port_of(server)}/feed")).status == 200
        with pytest.raises(FetchError) as by_literal:
            await fetcher.get(server.url("/to-literal"))
        with pytest.raises(FetchError) as by_name:
            await fetcher.get(f"http://news.example.ma:{port_of(server)}/to-name")
    assert str(by_literal.value).startswith("refused: 127.0.0.1 is a loopback address")
    assert str(by_name.value).startswith(
        "refused: intranet.example.ma resolves to 127.0.0.1, a loopback address"
    )
    assert (by_literal.value.kind, by_name.value.kind) == ("private_address", "private_address")
    assert server.hits == {"/feed": 2, "/to-literal": 1, "/to-name": 1}
    assert other.hits == {}


async def test_every_resolution_is_checked_so_rebinding_fails(server: FeedServer) -> None:
    """The name first resolves to the allowed address, then (DNS rebinding) to another
    loopback one: the second lookup is refused, because the check sits in the resolver
    the connector uses, not in a look-up made before connecting."""
    port = port_of(server)
    guard = AddressGuard(allow=frozenset({("127.0.0.1", port)}))
    dns = FakeDNS({"rebind.example.ma": [["127.0.0.1"], ["127.0.0.3"]]})
    server.set("/feed", FEED, headers={"Connection": "close"})
    url = f"http://rebind.example.ma:{port}/feed"
    async with create_session(GUARDED, guard=guard, resolver=dns) as http:
        fetcher = Fetcher(http, GUARDED, guard=guard)
        assert (await fetcher.get(url)).status == 200
        assert isinstance(http.connector, aiohttp.TCPConnector)
        http.connector.clear_dns_cache()
        with pytest.raises(FetchError) as caught:
            await fetcher.get(url)
    assert str(caught.value).startswith("refused: rebind.example.ma resolves to 127.0.0.3")
    assert dns.lookups == {"rebind.example.ma": 2}
    assert server.hits == {"/feed": 1}


async def test_plain_session_still_refuses_private_names(server: FeedServer) -> None:
    """Without create_session's resolver the fetcher looks the name up itself before
    sending (weaker: the connector looks it up again, hence create_session in the app)."""
    async with aiohttp.ClientSession() as http:
        with pytest.raises(FetchError) as caught:
            await Fetcher(http, GUARDED).get(f"http://localhost:{port_of(server)}/feed")
    assert caught.value.kind == "private_address"
    assert str(caught.value).startswith("refused: localhost resolves to ")
    assert server.hits == {}


async def test_plain_session_refuses_to_read_from_a_private_peer(server: FeedServer) -> None:
    """Last line of defence, for a connector whose own look-up disagrees with ours (here a
    name the system DNS does not know, which the connector's resolver maps to loopback):
    the connected peer is checked before the body is read.  Best effort: a response that
    arrived whole with its headers has already given its connection back."""
    server.set("/big", b"<rss>" + b" " * 1_000_000)
    connector = aiohttp.TCPConnector(resolver=FakeDNS({"sneaky.example.ma": ["127.0.0.1"]}))
    async with aiohttp.ClientSession(connector=connector) as http:
        with pytest.raises(FetchError) as caught:
            await Fetcher(http, GUARDED).get(f"http://sneaky.example.ma:{port_of(server)}/big")
    assert caught.value.kind == "private_address"
    assert str(caught.value).startswith(
        "refused: sneaky.example.ma resolves to 127.0.0.1, a loopback address"
    )


async def test_unspecified_address_message() -> None:
    async with create_session(GUARDED) as http:
        with pytest.raises(FetchError) as caught:
            await Fetcher(http, GUARDED).get("http://0.0.0.0:8080/feed")
    assert str(caught.value).startswith("refused: 0.0.0.0 is an unspecified address")
