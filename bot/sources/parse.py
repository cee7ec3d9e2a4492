"""Which parser reads a feed document: the dispatcher in front of the feed formats.

Rules (:func:`parse_feed`), from the document itself (:mod:`bot.sources.sniff`), never
from the HTTP content type:

- an empty document, or one that looks like an HTML page, is not a feed
  (:class:`FeedParseError`);
- a JSON document goes to :mod:`bot.sources.jsonfeed` (JSON Feed 1.0/1.1);
- anything else goes to :mod:`bot.sources.rss_atom` (RSS 0.9x/1.0/2.0, Atom, RDF through
  feedparser), which decides whether it is a feed after all.
"""

from __future__ import annotations

from datetime import tzinfo

from bot.sources.errors import FeedParseError
from bot.sources.jsonfeed import parse_json_feed
from bot.sources.model import DEFAULT_MAX_ITEMS, ParsedFeed
from bot.sources.rss_atom import parse_rss_atom
from bot.sources.sniff import HTML_TAGS, sniff_root

__all__ = ["parse_feed"]


def parse_feed(
    body: bytes,
    *,
    base_url: str,
    charset: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
    zone: tzinfo | None = None,
    known: frozenset[str] = frozenset(),
) -> ParsedFeed:
    """Parse an RSS/Atom/RDF document or a JSON Feed.

    ``base_url`` (normally the feed's URL) resolves relative links; ``charset``
    is the HTTP charset, if any.  A document that is slightly malformed but still
    yields entries is accepted (an item cut off by a truncated download is
    dropped); one that yields no entries and is malformed, or is not a feed at
    all, raises :class:`FeedParseError`.  At most ``max_items`` entries (the
    newest).  Times without a zone take the zone the feed's other times use,
    else ``zone``, else UTC.  Items whose guid is in ``known`` (already stored) may be
    left out of the result.
    """
    if not body.strip():
        raise FeedParseError("not a feed: empty document")
    root = sniff_root(body)
    if root in HTML_TAGS:
        raise FeedParseError("not a feed: looks like an HTML page")
    if root == "json":
        return parse_json_feed(
            body, base_url=base_url, charset=charset, max_items=max_items, zone=zone
        )
    return parse_rss_atom(
        body, base_url=base_url, charset=charset, max_items=max_items, zone=zone, known=known
    )
