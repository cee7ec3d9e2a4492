"""Database URLs as the command line shows them: without their password, and the password
alone (so that no message printed can show it)."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


def database_password(url: str) -> str | None:
    """The URL's password, or None (none given, or a URL that does not parse)."""
    try:
        return make_url(url).password
    except (ArgumentError, ValueError):
        return None


def shown_database_url(url: str) -> str:
    """The URL with its password masked."""
    return make_url(url).render_as_string(hide_password=True)
