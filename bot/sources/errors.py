"""The one error type a source raises when it cannot be read, and its kinds."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ErrorKind", "FeedParseError", "SourceError"]


class ErrorKind(StrEnum):
    """Why a source could not be read, as a machine word (equal to its string value, so
    ``error.kind == "hostile"`` holds)."""

    # Fetching.
    TIMEOUT = "timeout"
    HTTP = "http"
    TOO_LARGE = "too_large"
    DNS = "dns"
    CONNECT = "connect"
    TLS = "tls"
    REDIRECTS = "redirects"
    PRIVATE_ADDRESS = "private_address"
    INVALID_URL = "invalid_url"
    NETWORK = "network"
    DECOMPRESS = "decompress"
    # Reading what was fetched.
    PARSE = "parse"  # the document is not what the source's kind expects
    HOSTILE = "hostile"  # entity declarations, XML bombs
    EMPTY = "empty"  # nothing to read on a page
    TOO_COMPLEX = "too_complex"  # nesting too deep, a CSS selector too long or complex
    PARSE_TIMEOUT = "parse_timeout"  # the parse overran its time budget; the parser was killed
    PARSER_CRASH = "parser_crash"  # the parser process died on the document


class SourceError(Exception):
    """A source could not be read; ``str(error)`` is a short reason fit for an admin.

    ``kind`` is an :class:`ErrorKind`: what went wrong, for the admin's list, the stored
    error and the metric's label.
    ``status`` and ``retry_after`` are copied from the fetch error when there was one.
    """

    def __init__(
        self,
        reason: str,
        *,
        kind: ErrorKind = ErrorKind.PARSE,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = ErrorKind(kind)
        self.status = status
        self.retry_after = retry_after


class FeedParseError(SourceError):
    """The document is not a usable source of its kind; ``str(error)`` starts with
    "not a feed: " (or sitemap, channel page...)."""

    def __init__(self, reason: str, *, kind: ErrorKind = ErrorKind.PARSE) -> None:
        super().__init__(reason, kind=kind)
