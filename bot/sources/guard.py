"""Address guard: never connect to loopback, private, link-local or otherwise non-public
addresses unless the configuration allows it (``polling.allow_private_addresses``).

Rules (one place, used for every hop of every request):

- An address is refused when it is not globally routable: loopback, RFC 1918 and other
  private ranges, carrier-grade NAT, link-local, IPv6 site-local (``fec0::/10``, which
  Python counts as global), multicast, reserved, unspecified,
  documentation ranges.  IPv6 addresses that embed an IPv4 address (IPv4-mapped
  ``::ffff:a.b.c.d``, 6to4 ``2002::/16``, NAT64 ``64:ff9b::/96``, Teredo) are judged by
  the embedded address.
- Reserved comes before private in the names given (240.0.0.0/4 is both).
- A host written as an IP literal is checked before the request is sent
  (:meth:`AddressGuard.check_host`); a host name is checked when it is resolved, by
  :class:`GuardedResolver` inside the HTTP client's connector, so the address that is
  checked is the address that is connected to (no DNS-rebinding window).  Addresses of a
  name that fail the check are dropped; if none is left the lookup fails with
  :class:`PrivateAddressError`.
- ``AddressGuard.allow`` lists exact ``(ip, port)`` pairs that are let through anyway
  (tests use it to allow one loopback server and prove that another one is refused).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Collection
from dataclasses import dataclass, field

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

__all__ = ["AddressGuard", "GuardedResolver", "PrivateAddressError", "address_problem"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


class PrivateAddressError(OSError):
    """A host is, or resolves only to, refused addresses.

    An ``OSError`` so that aiohttp's connector wraps it like any other resolution
    failure (``ClientConnectorDNSError.os_error``).  ``str()`` is fit for an admin.
    """

    def __init__(self, host: str, address: str, problem: str) -> None:
        self.host = host
        self.address = address
        self.problem = problem
        where = f"{address} is" if host == address else f"{host} resolves to {address},"
        article = "an" if problem[:1] in ("a", "e", "i", "o", "u") else "a"
        super().__init__(
            f"refused: {where} {article} {problem} address "
            "(set polling.allow_private_addresses to allow it)"
        )

    def __str__(self) -> str:
        return str(self.args[0])


def _own_problem(ip: IPAddress) -> str | None:
    if ip.is_loopback:
        return "loopback"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_link_local:
        return "link-local"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local"  # fec0::/10: deprecated, but still routed inside some networks
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private or (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT):
        return "private"
    if not ip.is_global:
        return "non-public"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(address: str | IPAddress) -> str | None:
    """Why ``address`` may not be fetched (``'loopback'``, ``'private'``...), or None.

    An unparseable address is a problem too (``'invalid'``).
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0] if isinstance(address, str) else address)
    except ValueError:
        return "invalid"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            # The packet goes to the embedded IPv4 address: judge that one (the IPv6
            # wrapper ranges themselves count as reserved or private).
            return _own_problem(embedded)
    return _own_problem(ip)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class AddressGuard:
    """Refuses non-public addresses, except the exact ``(ip, port)`` pairs in ``allow``."""

    allow: Collection[tuple[str, int]] = field(default_factory=frozenset)

    def problem(self, address: str, port: int) -> str | None:
        if (address, port) in self.allow:
            return None
        return address_problem(address)

    def check_host(self, host: str, port: int) -> None:
        """Raise :class:`PrivateAddressError` if ``host`` is a refused IP literal.

        Host names pass here; their addresses are checked by :class:`GuardedResolver`.
        """
        ip = _literal(host)
        if ip is None:
            return
        problem = self.problem(str(ip), port)
        if problem is not None:
            raise PrivateAddressError(str(ip), str(ip), problem)

    async def check_name(self, host: str, port: int) -> None:
        """Resolve ``host`` with the system resolver and raise :class:`PrivateAddressError`
        if any address is refused.  Only for HTTP sessions without :class:`GuardedResolver`
        (the connector resolves again, so this leaves a DNS-rebinding window)."""
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError:
            return  # the connector reports resolution failures
        for *_, sockaddr in infos:
            address = str(sockaddr[0])
            problem = self.problem(address, port)
            if problem is not None:
                raise PrivateAddressError(host, address, problem)

    def filter(self, host: str, port: int, results: list[ResolveResult]) -> list[ResolveResult]:
        """The allowed ``results``; raise :class:`PrivateAddressError` when none is."""
        allowed = [r for r in results if self.problem(r["host"], port) is None]
        if results and not allowed:
            first = results[0]["host"]
            raise PrivateAddressError(host, first, self.problem(first, port) or "refused")
        return allowed


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that drops refused addresses from another resolver's answer.

    Put it in the connector (``aiohttp.TCPConnector(resolver=GuardedResolver(...))``,
    see ``bot.sources.http_session.create_session``); every connection to a host name then goes
    only to addresses that passed the guard.
    """

    def __init__(self, guard: AddressGuard, inner: AbstractResolver | None = None) -> None:
        self.guard = guard
        self._inner = inner if inner is not None else DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        return self.guard.filter(host.rstrip("."), port, results)

    async def close(self) -> None:
        await self._inner.close()
