"""Reading the HTTP response headers a fetch cares about.

Rules: unreadable values are ``None``, never an error; ``Retry-After`` is delta-seconds or
an HTTP date (never negative); ``Cache-Control`` gives ``max-age`` only; ``Content-Type``
gives the lower-cased media type and charset.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["parse_max_age", "parse_retry_after", "split_content_type"]


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


def split_content_type(raw: str | None) -> tuple[str, str | None]:
    """The media type (lower-cased, ``""`` when absent) and charset of a ``Content-Type``."""
    if not raw:
        return "", None
    mime, _, params = raw.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").strip().lower() or None
    return mime.strip().lower(), charset
