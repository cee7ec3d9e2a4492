"""HTTP fetching of feeds and pages: conditional GET, size cap, timeout, short retry."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_fixed,
    wait_random,
)

__all__ = [
    "DEFAULT_USER_AGENT",
    "FetchError",
    "FetchResult",
    "fetch",
]

DEFAULT_USER_AGENT = "RasdBot/0.1 (+media monitoring)"
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)
_ACCEPT_LANGUAGE = "ar, fr;q=0.9, en;q=0.8"

# Transient failures get one more attempt after a short pause; anything else
# (4xx, other 5xx, timeouts, oversize bodies) fails at once and the scheduler
# tries again on the next poll.
_ATTEMPTS = 2
_RETRY_WAIT = 0.4
_RETRY_JITTER = 0.2
_RETRY_STATUSES = frozenset({502, 503, 504})
_MAX_REDIRECTS = 10
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One successful response (2xx with its body, or 304 with an empty body)."""

    url: str
    status: int
    body: bytes
    content_type: str
    charset: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class FetchError(Exception):
    """A fetch failed; ``str(error)`` is a short reason fit to show an admin.

    ``status`` is the HTTP status when the server answered with an error code.
    Messages never contain URLs (a redirect target may carry tokens).
    """

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class _TransientFetchError(FetchError):
    """Internal: a failure worth one immediate retry."""


def _format_size(n: int) -> str:
    if n >= 1_000_000:
        value, unit = n / 1_000_000, "MB"
    elif n >= 1_000:
        value, unit = n / 1_000, "KB"
    else:
        return f"{n} bytes"
    return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"


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
    if isinstance(exc, aiohttp.TooManyRedirects):
        return FetchError("too many redirects")
    if isinstance(exc, aiohttp.RedirectClientError):
        return FetchError("redirected to an invalid URL")
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return FetchError("invalid URL")
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return FetchError("TLS certificate error")
    if isinstance(exc, aiohttp.ClientSSLError):
        return FetchError("TLS handshake failed")
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return _TransientFetchError("could not resolve host name")
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError):
            return _TransientFetchError("connection refused")
        return _TransientFetchError("could not connect")
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return _TransientFetchError("server closed the connection")
    if isinstance(exc, aiohttp.ClientConnectionResetError):
        return _TransientFetchError("connection reset")
    if isinstance(exc, aiohttp.ClientPayloadError):
        return _TransientFetchError("incomplete or corrupt response body")
    if isinstance(exc, aiohttp.ClientResponseError):
        # With raise_for_status=False this only means a malformed response.
        return FetchError("invalid HTTP response")
    if isinstance(exc, aiohttp.ClientConnectionError):
        return _TransientFetchError("network error")
    return FetchError("request failed")


async def _read_limited(resp: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"response larger than {_format_size(max_bytes)}")
        chunks.append(chunk)
    return b"".join(chunks)


async def _fetch_once(
    session: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    *,
    etag: str | None,
    last_modified: str | None,
    timeout: float,  # noqa: ASYNC109 - an aiohttp ClientTimeout, not asyncio.timeout
    max_bytes: int,
) -> FetchResult:
    try:
        async with session.get(
            url,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout),
            allow_redirects=True,
            max_redirects=_MAX_REDIRECTS,
            raise_for_status=False,
        ) as resp:
            status = resp.status
            final_url = str(resp.url)
            content_type, charset = _split_content_type(resp.headers.get("Content-Type"))
            new_etag = resp.headers.get("ETag")
            new_last_modified = resp.headers.get("Last-Modified")
            if status == 304:
                # Servers often omit the validators on a 304; keep the ones we sent.
                return FetchResult(
                    url=final_url,
                    status=status,
                    body=b"",
                    content_type=content_type,
                    charset=charset,
                    etag=new_etag or etag,
                    last_modified=new_last_modified or last_modified,
                )
            if status in _RETRY_STATUSES:
                raise _TransientFetchError(f"HTTP {status}", status=status)
            if not 200 <= status < 300:
                raise FetchError(f"HTTP {status}", status=status)
            declared = resp.content_length
            if declared is not None and declared > max_bytes:
                raise FetchError(f"response larger than {_format_size(max_bytes)}")
            body = await _read_limited(resp, max_bytes)
            return FetchResult(
                url=final_url,
                status=status,
                body=body,
                content_type=content_type,
                charset=charset,
                etag=new_etag,
                last_modified=new_last_modified,
            )
    except FetchError:
        raise
    except TimeoutError:  # also aiohttp's ServerTimeoutError
        raise FetchError(f"timed out after {timeout:g}s") from None
    except aiohttp.ClientError as exc:
        raise _connection_error(exc) from exc
    except UnicodeError as exc:  # e.g. an unencodable host name
        raise FetchError("invalid URL") from exc


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = 20.0,  # noqa: ASYNC109 - per-request aiohttp timeout
    max_bytes: int = 5_000_000,
    user_agent: str = DEFAULT_USER_AGENT,
) -> FetchResult:
    """GET ``url`` (following redirects) and return the body, or 304 when unchanged.

    Sends ``If-None-Match``/``If-Modified-Since`` when ``etag``/``last_modified``
    are given.  ``timeout`` bounds each attempt as a whole (connect + headers +
    body).  Connection failures and HTTP 502/503/504 are retried once after a
    short pause; everything else raises :class:`FetchError` immediately.
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise FetchError("not an http(s) URL")
    headers = {
        "User-Agent": user_agent,
        "Accept": _ACCEPT,
        "Accept-Language": _ACCEPT_LANGUAGE,
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    retrying = AsyncRetrying(
        stop=stop_after_attempt(_ATTEMPTS),
        wait=wait_fixed(_RETRY_WAIT) + wait_random(0, _RETRY_JITTER),
        retry=retry_if_exception_type(_TransientFetchError),
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                return await _fetch_once(
                    session,
                    url.strip(),
                    headers,
                    etag=etag,
                    last_modified=last_modified,
                    timeout=timeout,
                    max_bytes=max_bytes,
                )
    except _TransientFetchError as exc:
        # Re-raise as the public type once the retries are used up.
        raise FetchError(exc.reason, status=exc.status) from exc.__cause__
    raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover
