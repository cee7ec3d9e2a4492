"""Why a fetch failed: :class:`FetchError`, its :class:`~bot.sources.errors.ErrorKind`, and
the translation of aiohttp's exceptions into one.

Rules:

- ``kind`` is always an :class:`~bot.sources.errors.ErrorKind`: ``http`` when the server
  answered with an error status, else ``network`` unless the producer names another.
- Messages are short, fit for an admin, and never contain URLs (a redirect target may
  carry tokens).
- A :class:`TransientFetchError` is a failure worth one more attempt (connection errors,
  an incomplete body, 502/504, 503 without ``Retry-After``); the fetcher turns it into a
  plain :class:`FetchError` when it gives up.
"""

from __future__ import annotations

import aiohttp

from bot.sources.errors import ErrorKind
from bot.sources.guard import PrivateAddressError

__all__ = ["FetchError", "TransientFetchError", "connection_error", "too_large"]


class FetchError(Exception):
    """A fetch failed; ``str(error)`` is a short reason fit to show an admin.

    ``kind`` says why (an :class:`ErrorKind`): timeout, http, too_large, dns, connect, tls,
    redirects, private_address, invalid_url, network, decompress.  ``status`` is the HTTP
    status when the server answered with an error code; ``retry_after`` the seconds its
    ``Retry-After`` asked for (429/503).  Messages never contain URLs.
    """

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        kind: ErrorKind | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.kind: ErrorKind = kind or (ErrorKind.HTTP if status is not None else ErrorKind.NETWORK)
        self.retry_after = retry_after


class TransientFetchError(FetchError):
    """A failure worth one immediate retry (never escapes the fetcher)."""


def _format_size(n: int) -> str:
    if n >= 1_000_000:
        value, unit = n / 1_000_000, "MB"
    elif n >= 1_000:
        value, unit = n / 1_000, "KB"
    else:
        return f"{n} bytes"
    return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"


def too_large(max_bytes: int) -> FetchError:
    """The error for a response past ``max_bytes``."""
    return FetchError(f"response larger than {_format_size(max_bytes)}", kind=ErrorKind.TOO_LARGE)


def connection_error(exc: aiohttp.ClientError) -> FetchError:
    """Translate an aiohttp exception into a short, URL-free reason."""
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return FetchError("invalid URL", kind=ErrorKind.INVALID_URL)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return FetchError("TLS certificate error", kind=ErrorKind.TLS)
    if isinstance(exc, aiohttp.ClientSSLError):
        return FetchError("TLS handshake failed", kind=ErrorKind.TLS)
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        if isinstance(exc.os_error, PrivateAddressError):
            return FetchError(str(exc.os_error), kind=ErrorKind.PRIVATE_ADDRESS)
        return TransientFetchError("could not resolve host name", kind=ErrorKind.DNS)
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError):
            return TransientFetchError("connection refused", kind=ErrorKind.CONNECT)
        return TransientFetchError("could not connect", kind=ErrorKind.CONNECT)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return TransientFetchError("server closed the connection", kind=ErrorKind.NETWORK)
    if isinstance(exc, aiohttp.ClientConnectionResetError):
        return TransientFetchError("connection reset", kind=ErrorKind.NETWORK)
    if isinstance(exc, aiohttp.ClientPayloadError):
        if "content-encoding" in str(exc).lower():
            return FetchError("could not decompress the response body", kind=ErrorKind.DECOMPRESS)
        return TransientFetchError("incomplete or corrupt response body", kind=ErrorKind.NETWORK)
    if isinstance(exc, aiohttp.ClientResponseError):
        # With raise_for_status=False this only means a malformed response.
        return FetchError("invalid HTTP response", kind=ErrorKind.NETWORK)
    if isinstance(exc, aiohttp.ClientConnectionError):
        return TransientFetchError("network error", kind=ErrorKind.NETWORK)
    return FetchError("request failed", kind=ErrorKind.NETWORK)
