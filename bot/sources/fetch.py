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
  the address guard (:mod:`bot.sources.guard`, through
  :class:`~bot.sources.http_session.AddressChecks`) unless ``limits.allow_private``.
  ``FetchResult.permanent_url`` is the final URL when every hop was 301/308.
- A transient failure (connection error, 502/504, 503 without ``Retry-After``) gets one more
  attempt after a short pause; everything else fails at once.  429 and 503 carry
  ``FetchError.retry_after`` when the server sent ``Retry-After`` (seconds or HTTP date).
- Every failure is a :class:`~bot.sources.fetch_errors.FetchError` whose ``kind`` is an
  :class:`~bot.sources.errors.ErrorKind`; messages are short, fit for an admin, and never
  contain URLs (a redirect target may carry tokens).

Build the HTTP session with :func:`bot.sources.http_session.create_session` so host names
are checked when they are resolved (no DNS-rebinding window).  With any other session the
fetcher still refuses IP literals before sending and refuses to read a response from a
connection whose peer address is refused, but the request itself has then already been
sent.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import aiohttp
from yarl import URL

from bot.metrics import Metrics
from bot.sources.errors import ErrorKind
from bot.sources.fetch_errors import FetchError, TransientFetchError, connection_error, too_large
from bot.sources.fetch_limits import FetchLimits
from bot.sources.guard import AddressGuard
from bot.sources.host_slots import HostSlots
from bot.sources.http_headers import parse_max_age, parse_retry_after, split_content_type
from bot.sources.http_session import AddressChecks, session_guard

__all__ = ["FetchResult", "Fetcher"]

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


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _parse_url(raw: str, *, redirect: bool = False) -> URL:
    prefix = "redirected to " if redirect else ""
    try:
        url = URL(raw.strip())
    except (ValueError, UnicodeError, TypeError):
        raise FetchError(f"{prefix}an invalid URL", kind=ErrorKind.INVALID_URL) from None
    if url.scheme not in ("http", "https") or not url.host:
        message = "redirected to a non-http(s) URL" if redirect else "not an http(s) URL"
        raise FetchError(message, kind=ErrorKind.INVALID_URL)
    return url


async def _read_limited(resp: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise too_large(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass(frozen=True, slots=True)
class _Redirect:
    status: int
    target: URL


class Fetcher:
    """GETs feeds and pages within :class:`FetchLimits` (see the module docstring).

    One fetcher is shared by everything that polls, so its concurrency limits hold across
    sources.  The address guard is ``guard``, else the one ``http`` was created with by
    :func:`~bot.sources.http_session.create_session`, else a default :class:`AddressGuard`;
    none at all when ``limits.allow_private``.  ``clock`` dates ``Retry-After`` HTTP dates.
    With ``metrics``, each :meth:`get` counts once in ``fetches{result}``: ok, not_modified
    or error (its retries and redirects included).
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
        resolver_guard = session_guard(http)
        self.guard = None if limits.allow_private else (guard or resolver_guard or AddressGuard())
        # Host names are checked by the session's resolver, else by a look-up of our own.
        self._checks = AddressChecks(self.guard, resolver_checks=resolver_guard is not None)
        self._clock = clock
        self._metrics = metrics
        self._overall = asyncio.Semaphore(limits.concurrency)
        self._hosts = HostSlots(limits.per_host)

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
            except TransientFetchError as exc:
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
                raise FetchError("too many redirects", kind=ErrorKind.REDIRECTS)
            permanent = permanent and outcome.status in _PERMANENT_REDIRECTS
            url = outcome.target

    async def _hop(
        self, url: URL, headers: dict[str, str], cap: int, budget: list[float]
    ) -> FetchResult | _Redirect:
        host = url.host or ""
        self._checks.check_address(host, url.port or 0)
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
                    await self._checks.check_name(host, url.port or 0)
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
                    f"could not connect within {self.limits.connect_timeout:g}s",
                    kind=ErrorKind.TIMEOUT,
                ) from None
            except TimeoutError:
                raise FetchError(
                    f"timed out after {self.limits.timeout:g}s", kind=ErrorKind.TIMEOUT
                ) from None
            except aiohttp.ClientError as exc:
                raise connection_error(exc) from exc
            except UnicodeError as exc:  # e.g. an unencodable host name
                raise FetchError("invalid URL", kind=ErrorKind.INVALID_URL) from exc
            finally:
                budget[0] -= loop.time() - started

    async def _response(
        self, resp: aiohttp.ClientResponse, url: URL, headers: dict[str, str], cap: int
    ) -> FetchResult | _Redirect:
        self._checks.check_peer(resp, url)
        status = resp.status
        location = resp.headers.get("Location")
        if status in _REDIRECT_STATUSES and location:
            return _Redirect(status, _parse_url(str(url.join(URL(location))), redirect=True))
        content_type, charset = split_content_type(resp.headers.get("Content-Type"))
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
                error_type = TransientFetchError
            raise error_type(
                f"HTTP {status}", status=status, kind=ErrorKind.HTTP, retry_after=retry_after
            )
        declared = resp.content_length
        if declared is not None and declared > cap:
            raise too_large(cap)
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
