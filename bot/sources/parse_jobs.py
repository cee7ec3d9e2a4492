"""What the parse pool's worker processes run: every parse of a fetched document.

Pure functions (no network, no event loop), called in a worker by
:class:`~bot.sources.parse_pool.ParsePool` within its time budget. HTML is decoded, then
checked (size, nesting depth; :mod:`bot.sources.html_guard`) before any HTML parser sees
it; an admin's CSS selector is checked against the selector limits before it runs. They
raise :class:`SourceError` (an OPML file: :class:`OpmlError`) and nothing else.
"""

from __future__ import annotations

import zlib
from datetime import tzinfo
from typing import Literal

from bot.sources.decode import decode_html
from bot.sources.discover import discover_feed_links
from bot.sources.errors import ErrorKind, FeedParseError, SourceError
from bot.sources.extract import PageText, extract_page, warm_up
from bot.sources.html_guard import check_html, check_selector_limits
from bot.sources.listing import parse_listing
from bot.sources.model import DEFAULT_MAX_ITEMS, ParsedFeed
from bot.sources.opml import OpmlOutline, parse_opml
from bot.sources.parse import parse_feed
from bot.sources.sitemap import Sitemap, parse_sitemap
from bot.sources.telegram_channel import parse_telegram_channel

__all__ = [
    "SourceKind",
    "discover",
    "extract",
    "parse_body",
    "read_opml",
    "warm_up",
]

SourceKind = Literal["feed", "sitemap", "html", "telegram"]
_MAX_INFLATED = 20_000_000  # a gzipped sitemap's inflated size (gzip bombs stop here)


def _gunzip(body: bytes, limit: int) -> bytes:
    """Inflate a gzip body (``sitemap.xml.gz`` served as a file), at most ``limit`` bytes."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error:
        raise SourceError(
            "could not decompress the gzipped sitemap", kind=ErrorKind.DECOMPRESS
        ) from None
    if len(data) > limit:
        raise SourceError(
            f"gzipped sitemap inflates beyond {limit // 1_000_000 or 1} MB",
            kind=ErrorKind.TOO_LARGE,
        )
    return data


def _checked_html(body: bytes, charset: str | None) -> str:
    html = decode_html(body, charset)
    check_html(html)
    return html


def parse_body(
    kind: SourceKind,
    body: bytes,
    url: str,
    charset: str | None,
    *,
    selector: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
    zone: tzinfo | None = None,
    known: frozenset[str] = frozenset(),
) -> ParsedFeed | Sitemap:
    """Parse a fetched body (from ``url``, with the HTTP ``charset``) as ``kind``.  A sitemap
    index comes back as a :class:`Sitemap` with ``children`` for the caller to follow.
    Raises :class:`SourceError` only."""
    try:
        if kind == "feed":  # parse_feed hands a JSON Feed to jsonfeed itself
            return parse_feed(
                body, base_url=url, charset=charset, max_items=max_items, zone=zone, known=known
            )
        if kind == "sitemap":
            if body[:2] == b"\x1f\x8b":
                body = _gunzip(body, _MAX_INFLATED)
            return parse_sitemap(
                body, base_url=url, charset=charset, max_items=max_items, zone=zone
            )
        if selector is not None:
            check_selector_limits(selector)
        html = _checked_html(body, charset)
        if kind == "telegram":
            return parse_telegram_channel(html, page_url=url, max_items=max_items, zone=zone)
        listing = parse_listing(
            html, page_url=url, selector=selector, max_items=max_items, zone=zone
        )
    except SourceError:
        raise
    except Exception as exc:  # a parser bug must stay this source's problem
        raise SourceError(
            f"could not parse the document ({type(exc).__name__})", kind=ErrorKind.PARSE
        ) from exc
    if not listing.entries:
        hint = "the selector matches no article link" if selector else "no article links found"
        raise FeedParseError(f"{hint} on the page")
    return listing


def extract(body: bytes, url: str, charset: str | None) -> PageText:
    """An article page's main text and canonical URL (refused past the HTML limits)."""
    return extract_page(body, url=url, charset=charset)


def discover(body: bytes, url: str, charset: str | None) -> list[str]:
    """The feeds an HTML page advertises, best first (refused past the HTML limits)."""
    try:
        return discover_feed_links(_checked_html(body, charset), url)
    except SourceError:
        raise
    except Exception as exc:  # a parser bug must stay this source's problem
        raise SourceError(
            f"could not parse the page ({type(exc).__name__})", kind=ErrorKind.PARSE
        ) from exc


def read_opml(data: bytes) -> list[OpmlOutline]:
    """The feed outlines of an OPML file. Raises :class:`OpmlError`."""
    return parse_opml(data)
