"""The one error type a source raises when it cannot be read."""

from __future__ import annotations

__all__ = ["SourceError"]


class SourceError(Exception):
    """A source could not be read; ``str(error)`` is a short reason fit for an admin.

    ``kind`` is a short machine word: the fetch error kinds ('timeout', 'http',
    'too_large', 'dns', 'connect', 'tls', 'redirects', 'private_address',
    'invalid_url', 'network', 'decompress'), or 'parse' (the document is not what
    the source's kind expects), 'hostile' (entity declarations, XML bombs) or
    'empty' (nothing to read on a page).  ``status`` and ``retry_after`` are
    copied from the fetch error when there was one.
    """

    def __init__(
        self,
        reason: str,
        *,
        kind: str = "parse",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.status = status
        self.retry_after = retry_after
