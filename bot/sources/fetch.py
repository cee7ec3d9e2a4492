"""HTTP fetching of feeds and pages, politely and within limits.

Rules (:class:`Fetcher`):

- Conditional GET: ``If-None-Match``/``If-Modified-Since`` from the stored validators; a 304
  keeps them when the server omits them.
- At most ``limits.concurrency`` requests at once overall and ``limits.per_host`` per host
  name (slots are taken per hop, host first, so a request waiting for a busy host holds no
  overall slot and redirects never deadlock).
- ``limits.timeout`` bounds the network time of one attempt, all its redirect hops together
  (time spent waiting for a concurrency slot does not count); ``limits.connect_timeout``
  bounds DNS + TCP + TLS of a new connection.
- The body is streamed and the download aborted as soon as it passes ``max_bytes``
  *decompressed* bytes (aiohttp inflates in bounded steps, so a gzip bomb is cut off at the
  cap, never inflated in full).
- Redirects are followed by hand, at most ``limits.max_redirects``; each hop is checked by
  the address guard (:mod:`bot.sources.guard`) unless ``limits.allow_private``.
  ``FetchResult.permanent_url`` is the final URL when every hop was 301/308.
- A transient failure (connection error, 502/504, 503 without ``Retry-After``) gets one more
  attempt after a short pause; everything else fails at once.  429 and 503 carry
  ``FetchError.retry_after`` when the server sent ``Retry-After`` (seconds or HTTP date).
- Error messages are short, fit for an admin, and never contain URLs (a redirect target may
  carry tokens).

Build the HTTP session with :func:`create_session` so host names are checked when they are
resolved (no DNS-rebinding window).  With any other session the fetcher still refuses IP
literals before sending and refuses to read a response from a connection whose peer address
is refused, but the request itself has then already been sent.
"""

from __future__ import annotations

import asyncio
import random
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from bot.metrics import Metrics
from bot.sources.guard import AddressGuard, GuardedResolver, PrivateAddressError

__all__ = [
    "DEFAULT_USER_AGENT",
    "FetchError",
    "FetchLimits",
    "FetchResult",
    "Fetcher",
    "create_session",
    "parse_max_age",
    "parse_retry_after",
]

DEFAULT_USER_AGENT = "RasdBot/0.2 (+media monitoring; Telegram alert bot)"
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)
_ACCEPT_LANGUAGE = "ar, fr;q=0.9, en;q=0.8"

_ATTEMPTS = 2
_RETRY_WAIT = 0.4
_RETRY_JITTER = 0.2
_RETRY_STATUSES = frozenset({502, 503, 504})
_RETRY_AFTER_STATUSES = frozenset({429, 503})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_PERMANENT_REDIRECTS = frozenset({301, 308})
_CHUNK = 64 * 1024

# Sessions built by create_session with a GuardedResolver, and that resolver's guard.
_SESSION_GUARDS: weakref.WeakKeyDictionary[aiohttp.ClientSession, AddressGuard] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How far one fetcher may go.  ``max_bytes`` counts decompressed bytes."""

    timeout: float = 20.0
    connect_timeout: float = 10.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    allow_private: bool = False
    concurrency: int = 8
    per_host: int = 2


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One successful response (2xx with its body, or 304 with an empty body).

    ``url`` is the final URL after redirects; ``permanent_url`` the same URL when every
    redirect on the way was permanent (301/308), else None (also None without redirects).
    ``max_age`` is ``Cache-Control: max-age`` in seconds.
    """

    url: str
    status: int
    body: bytes
    content_type: str
    charset: str | None
    etag: str | None
    last_modified: str | None
    permanent_url: str | None = None
    max_age: float | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class FetchError(Exception):
    """A fetch failed; ``str(error)`` is a short reason fit to show an admin.

    ``kind`` is a machine word: timeout, http, too_large, dns, connect, tls, redirects,
    private_address, invalid_url, network, decompress.  ``status`` is the HTTP status when
    the server answered with an error code; ``retry_after`` the seconds its
    ``Retry-After`` asked for (429/503).  Messages never contain URLs.
    """

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        kind: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.kind = kind or ("http" if status is not None else "network")
        self.retry_after = retry_after


class _TransientFetchError(FetchError):
    """Internal: a failure worth one immediate retry."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_session(
    limits: FetchLimits,
    *,
    guard: AddressGuard | None = None,
    resolver: AbstractResolver | None = None,
) -> aiohttp.ClientSession:
    """An HTTP session for :class:`Fetcher`: its connector resolves host names through
    :class:`GuardedResolver` (unless ``limits.allow_private``), keeps no cookies, ignores
    proxy environment variables and sends ``limits.user_agent``.  ``resolver`` replaces the
    system resolver underneath the guard (tests use a fake DNS).  Call inside a running
    event loop; close it when done."""
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


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date
    relative to ``now``); None when absent or unreadable; never negative."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def parse_max_age(value: str | None) -> float | None:
    """``max-age`` seconds from a ``Cache-Control`` header, or None."""
    if not value:
        return None
    for directive in value.split(","):
        name, _, arg = directive.strip().partition("=")
        if name.strip().lower() == "max-age":
            arg = arg.strip().strip('"')
            return float(int(arg)) if arg.isdigit() else None
    return None


def _format_size(n: int) -> str:
    if n >= 1_000_000:
        value, unit = n / 1_000_000, "MB"
    elif n >= 1_000:
        value, unit = n / 1_000, "KB"
    else:
        return f"{n} bytes"
    return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"


def _too_large(max_bytes: int) -> FetchError:
    return FetchError(f"response larger than {_format_size(max_bytes)}", kind="too_large")


def _split_content_type(raw: str | None) -> tuple[str, str | None]:
    if not raw:
        return "", None
    mime, _, params = raw.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").strip().lower() or None
    return mime.strip().lower(), charset


def _connection_error(exc: aiohttp.ClientError) -> FetchError:
    """Translate an aiohttp exception into a short, URL-free reason."""
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return FetchError("invalid URL", kind="invalid_url")
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return FetchError("TLS certificate error", kind="tls")
    if isinstance(exc, aiohttp.ClientSSLError):
        return FetchError("TLS handshake failed", kind="tls")
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        if isinstance(exc.os_error, PrivateAddressError):
            return FetchError(str(exc.os_error), kind="private_address")
        return _TransientFetchError("could not resolve host name", kind="dns")
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError):
            return _TransientFetchError("connection refused", kind="connect")
        return _TransientFetchError("could not connect", kind="connect")
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return _TransientFetchError("server closed the connection", kind="network")
    if isinstance(exc, aiohttp.ClientConnectionResetError):
        return _TransientFetchError("connection reset", kind="network")
    if isinstance(exc, aiohttp.ClientPayloadError):
        if "content-encoding" in str(exc).lower():
            return FetchError("could not decompress the response body", kind="decompress")
        return _TransientFetchError("incomplete or corrupt response body", kind="network")
    if isinstance(exc, aiohttp.ClientResponseError):
        # With raise_for_status=False this only means a malformed response.
        return FetchError("invalid HTTP response", kind="network")
    if isinstance(exc, aiohttp.ClientConnectionError):
        return _TransientFetchError("network error", kind="network")
    return FetchError("request failed", kind="network")


def _parse_url(raw: str, *, redirect: bool = False) -> URL:
    prefix = "redirected to " if redirect else ""
    try:
        url = URL(raw.strip())
    except (ValueError, UnicodeError, TypeError):
        raise FetchError(f"{prefix}an invalid URL", kind="invalid_url") from None
    if url.scheme not in ("http", "https") or not url.host:
        message = "redirected to a non-http(s) URL" if redirect else "not an http(s) URL"
        raise FetchError(message, kind="invalid_url")
    return url


async def _read_limited(resp: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass(frozen=True, slots=True)
class _Redirect:
    status: int
    target: URL


class _HostSlots:
    """Per-host semaphores that disappear when nobody uses them."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._slots: dict[str, tuple[asyncio.Semaphore, int]] = {}

    def acquire_for(self, host: str) -> _HostSlot:
        return _HostSlot(self, host)

    def _enter(self, host: str) -> asyncio.Semaphore:
        semaphore, users = self._slots.get(host, (None, 0))
        if semaphore is None:
            semaphore = asyncio.Semaphore(self._size)
        self._slots[host] = (semaphore, users + 1)
        return semaphore

    def _leave(self, host: str) -> None:
        semaphore, users = self._slots[host]
        if users <= 1:
            del self._slots[host]
        else:
            self._slots[host] = (semaphore, users - 1)

    def __len__(self) -> int:
        return len(self._slots)


class _HostSlot:
    def __init__(self, slots: _HostSlots, host: str) -> None:
        self._slots = slots
        self._host = host
        self._semaphore: asyncio.Semaphore | None = None

    async def __aenter__(self) -> None:
        self._semaphore = self._slots._enter(self._host)
        try:
            await self._semaphore.acquire()
        except BaseException:
            self._slots._leave(self._host)
            raise

    async def __aexit__(self, *exc: object) -> None:
        assert self._semaphore is not None
        self._semaphore.release()
        self._slots._leave(self._host)


class Fetcher:
    """GETs feeds and pages within :class:`FetchLimits` (see the module docstring).

    One fetcher is shared by everything that polls, so its concurrency limits hold across
    sources.  The address guard is ``guard``, else the one ``http`` was created with by
    :func:`create_session`, else a default :class:`AddressGuard`; none at all when
    ``limits.allow_private``.  ``clock`` dates ``Retry-After`` HTTP dates.  With ``metrics``,
    each :meth:`get` counts once in ``fetches{result}``: ok, not_modified or error (its
    retries and redirects included).
    """

    def __init__(
        self,
        http: aiohttp.ClientSession,
        limits: FetchLimits,
        *,
        guard: AddressGuard | None = None,
        clock: Callable[[], datetime] = _utc_now,
        metrics: Metrics | None = None,
    ) -> None:
        self.http = http
        self.limits = limits
        session_guard = _SESSION_GUARDS.get(http)
        self.guard = None if limits.allow_private else (guard or session_guard or AddressGuard())
        # Host names are checked by the session's resolver, else by a look-up of our own.
        self._resolver_checks = session_guard is not None
        self._clock = clock
        self._metrics = metrics
        self._overall = asyncio.Semaphore(limits.concurrency)
        self._hosts = _HostSlots(limits.per_host)

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
        accept: str | None = None,
    ) -> FetchResult:
        """GET ``url`` (following redirects); the body, or a 304 when unchanged.

        Raises :class:`FetchError`.
        """
        try:
            result = await self._get(url, etag, last_modified, max_bytes, accept)
        except FetchError:
            self._count("error")
            raise
        self._count("not_modified" if result.not_modified else "ok")
        return result

    def _count(self, result: str) -> None:
        if self._metrics is not None:
            self._metrics.fetches.labels(result=result).inc()

    async def _get(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        max_bytes: int | None,
        accept: str | None,
    ) -> FetchResult:
        target = _parse_url(url)
        headers = {
            "User-Agent": self.limits.user_agent,
            "Accept": accept or _ACCEPT,
            "Accept-Language": _ACCEPT_LANGUAGE,
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        cap = max_bytes if max_bytes is not None else self.limits.max_bytes
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return await self._follow(target, headers, cap)
            except _TransientFetchError as exc:
                if attempt == _ATTEMPTS:
                    raise FetchError(
                        exc.reason, status=exc.status, kind=exc.kind, retry_after=exc.retry_after
                    ) from exc.__cause__
            await asyncio.sleep(_RETRY_WAIT + random.uniform(0, _RETRY_JITTER))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _follow(self, url: URL, headers: dict[str, str], cap: int) -> FetchResult:
        budget = [self.limits.timeout]  # seconds left, shared by the hops
        hops = 0
        permanent = True
        while True:
            outcome = await self._hop(url, headers, cap, budget)
            if isinstance(outcome, FetchResult):
                moved = str(url) if hops and permanent else None
                return replace(outcome, permanent_url=moved)
            hops += 1
            if hops > self.limits.max_redirects:
                raise FetchError("too many redirects", kind="redirects")
            permanent = permanent and outcome.status in _PERMANENT_REDIRECTS
            url = outcome.target

    def _check_address(self, host: str, port: int) -> None:
        if self.guard is None:
            return
        try:
            self.guard.check_host(host, port)
        except PrivateAddressError as exc:
            raise FetchError(str(exc), kind="private_address") from None

    async def _check_name(self, host: str, port: int) -> None:
        if self.guard is None or self._resolver_checks:
            return
        try:
            await self.guard.check_name(host, port)
        except PrivateAddressError as exc:
            raise FetchError(str(exc), kind="private_address") from None

    def _check_peer(self, resp: aiohttp.ClientResponse, url: URL) -> None:
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
            raise FetchError(str(error), kind="private_address")

    async def _hop(
        self, url: URL, headers: dict[str, str], cap: int, budget: list[float]
    ) -> FetchResult | _Redirect:
        host = url.host or ""
        self._check_address(host, url.port or 0)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=self.limits.connect_timeout,
            sock_connect=self.limits.connect_timeout,
        )
        loop = asyncio.get_running_loop()
        async with self._hosts.acquire_for(host), self._overall:
            started = loop.time()
            try:
                async with asyncio.timeout(max(budget[0], 0.001)):
                    await self._check_name(host, url.port or 0)
                async with (
                    asyncio.timeout(max(budget[0] - (loop.time() - started), 0.001)),
                    self.http.get(
                        url,
                        headers=headers,
                        timeout=timeout,
                        allow_redirects=False,
                        raise_for_status=False,
                    ) as resp,
                ):
                    return await self._response(resp, url, headers, cap)
            except FetchError:
                raise
            except aiohttp.ConnectionTimeoutError:
                raise FetchError(
                    f"could not connect within {self.limits.connect_timeout:g}s", kind="timeout"
                ) from None
            except TimeoutError:
                raise FetchError(
                    f"timed out after {self.limits.timeout:g}s", kind="timeout"
                ) from None
            except aiohttp.ClientError as exc:
                raise _connection_error(exc) from exc
            except UnicodeError as exc:  # e.g. an unencodable host name
                raise FetchError("invalid URL", kind="invalid_url") from exc
            finally:
                budget[0] -= loop.time() - started

    async def _response(
        self, resp: aiohttp.ClientResponse, url: URL, headers: dict[str, str], cap: int
    ) -> FetchResult | _Redirect:
        self._check_peer(resp, url)
        status = resp.status
        location = resp.headers.get("Location")
        if status in _REDIRECT_STATUSES and location:
            return _Redirect(status, _parse_url(str(url.join(URL(location))), redirect=True))
        content_type, charset = _split_content_type(resp.headers.get("Content-Type"))
        new_etag = resp.headers.get("ETag")
        new_last_modified = resp.headers.get("Last-Modified")
        max_age = parse_max_age(resp.headers.get("Cache-Control"))
        if status == 304:
            # Servers often omit the validators on a 304; keep the ones we sent.
            return FetchResult(
                url=str(url),
                status=status,
                body=b"",
                content_type=content_type,
                charset=charset,
                etag=new_etag or headers.get("If-None-Match"),
                last_modified=new_last_modified or headers.get("If-Modified-Since"),
                max_age=max_age,
            )
        if not 200 <= status < 300:
            retry_after = None
            if status in _RETRY_AFTER_STATUSES:
                retry_after = parse_retry_after(resp.headers.get("Retry-After"), self._clock())
            error_type = FetchError
            if status in _RETRY_STATUSES and retry_after is None:
                error_type = _TransientFetchError
            raise error_type(f"HTTP {status}", status=status, kind="http", retry_after=retry_after)
        declared = resp.content_length
        if declared is not None and declared > cap:
            raise _too_large(cap)
        body = await _read_limited(resp, cap)
        return FetchResult(
            url=str(url),
            status=status,
            body=body,
            content_type=content_type,
            charset=charset,
            etag=new_etag,
            last_modified=new_last_modified,
            max_age=max_age,
        )
