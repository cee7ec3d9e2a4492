"""The HTTP session the fetcher uses, and the address checks made on every hop.

Rules:

- :func:`create_session` builds a session whose connector resolves host names through
  :class:`~bot.sources.guard.GuardedResolver` (unless ``limits.allow_private``), so a
  name is checked when it is resolved: no DNS-rebinding window.  It keeps no cookies,
  ignores proxy environment variables and sends ``limits.user_agent``.
- :class:`AddressChecks` refuses, before each hop, an IP literal the guard refuses; when
  the session was not built by :func:`create_session`, it also resolves host names itself
  first and refuses to read a response from a connection whose peer address is refused
  (the request itself has then already been sent).
- Every refusal is a :class:`~bot.sources.fetch_errors.FetchError` of kind
  ``private_address``.
"""

from __future__ import annotations

import weakref

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from bot.sources.errors import ErrorKind
from bot.sources.fetch_errors import FetchError
from bot.sources.fetch_limits import FetchLimits
from bot.sources.guard import AddressGuard, GuardedResolver, PrivateAddressError

__all__ = ["AddressChecks", "create_session", "session_guard"]

# Sessions built by create_session with a GuardedResolver, and that resolver's guard.
_SESSION_GUARDS: weakref.WeakKeyDictionary[aiohttp.ClientSession, AddressGuard] = (
    weakref.WeakKeyDictionary()
)


def create_session(
    limits: FetchLimits,
    *,
    guard: AddressGuard | None = None,
    resolver: AbstractResolver | None = None,
) -> aiohttp.ClientSession:
    """An HTTP session for :class:`~bot.sources.fetch.Fetcher`: its connector resolves host
    names through :class:`GuardedResolver` (unless ``limits.allow_private``), keeps no
    cookies, ignores proxy environment variables and sends ``limits.user_agent``.
    ``resolver`` replaces the system resolver underneath the guard (tests use a fake DNS).
    Call inside a running event loop; close it when done."""
    inner = resolver
    if not limits.allow_private:
        guard = guard if guard is not None else AddressGuard()
        inner = GuardedResolver(guard, resolver)
    connector = aiohttp.TCPConnector(
        resolver=inner,
        limit=max(limits.concurrency * 2, 16),
        ttl_dns_cache=60,
    )
    session = aiohttp.ClientSession(
        connector=connector,
        headers={"User-Agent": limits.user_agent},
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
    )
    if guard is not None and not limits.allow_private:
        _SESSION_GUARDS[session] = guard
    return session


def session_guard(http: aiohttp.ClientSession) -> AddressGuard | None:
    """The guard ``http``'s resolver checks names with, if :func:`create_session` built it
    with one."""
    return _SESSION_GUARDS.get(http)


class AddressChecks:
    """The checks one fetcher makes on each hop with ``guard`` (none at all when ``guard``
    is None); ``resolver_checks``: the session's resolver already checks host names."""

    def __init__(self, guard: AddressGuard | None, *, resolver_checks: bool) -> None:
        self.guard = guard
        self.resolver_checks = resolver_checks

    def check_address(self, host: str, port: int) -> None:
        """Refuse a host that is an IP literal the guard refuses."""
        if self.guard is None:
            return
        try:
            self.guard.check_host(host, port)
        except PrivateAddressError as exc:
            raise FetchError(str(exc), kind=ErrorKind.PRIVATE_ADDRESS) from None

    async def check_name(self, host: str, port: int) -> None:
        """Resolve and check a host name, unless the session's resolver does it."""
        if self.guard is None or self.resolver_checks:
            return
        try:
            await self.guard.check_name(host, port)
        except PrivateAddressError as exc:
            raise FetchError(str(exc), kind=ErrorKind.PRIVATE_ADDRESS) from None

    def check_peer(self, resp: aiohttp.ClientResponse, url: URL) -> None:
        """Defence in depth for sessions not built by :func:`create_session`."""
        if self.guard is None or resp.connection is None or resp.connection.transport is None:
            return
        peer = resp.connection.transport.get_extra_info("peername")
        if not peer:
            return
        address, port = str(peer[0]), int(peer[1])
        problem = self.guard.problem(address, port)
        if problem is not None:
            error = PrivateAddressError(url.host or address, address, problem)
            raise FetchError(str(error), kind=ErrorKind.PRIVATE_ADDRESS)
