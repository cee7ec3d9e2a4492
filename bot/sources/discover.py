"""Find the feed(s) an HTML page advertises (in the parse pool's workers: see
:func:`bot.sources.parse_jobs.discover`, which checks the HTML limits first)."""

from __future__ import annotations

from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from bot.sources.sniff import FEED_MEDIA_TYPES
from bot.sources.urls import canonical_url

__all__ = ["discover_feed_links"]

_ANCHOR_SUFFIXES = ("/feed", "/rss", ".rss", ".xml", "/atom")
# Query-string feeds: WordPress without pretty permalinks, Joomla.
_JSON_FEED_TYPES = frozenset({"application/feed+json", "application/json"})
_QUERY_MARKERS = ("feed=rss", "feed=atom", "format=feed", "format=rss", "format=atom")


def _absolute(href: str | None, base: str) -> str | None:
    if not href or not href.strip():
        return None
    href = href.strip()
    if href.lower().startswith("feed:"):  # feed://host/path and feed:http://host/path
        rest = href[5:]
        href = rest if rest.lower().startswith(("http:", "https:")) else "http:" + rest
    url = canonical_url(href, base)
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    return url


def _looks_like_feed_path(url: str) -> bool:
    parts = urlsplit(url)
    path = parts.path.rstrip("/").lower()
    if "sitemap" in path.rpartition("/")[2]:
        return False
    if path.endswith(_ANCHOR_SUFFIXES):
        return True
    query = parts.query.lower()
    return any(marker in query for marker in _QUERY_MARKERS)


def discover_feed_links(html: bytes | str, base_url: str) -> list[str]:
    """Absolute feed URLs advertised by an HTML page, best first, without duplicates.

    First every ``<link rel="alternate">`` with an RSS/Atom/RDF type, in document
    order, then those of a JSON Feed type; then, as a fallback, ``<a href>`` links
    whose path ends in ``/feed``, ``/rss``, ``.rss``, ``.xml`` or ``/atom``
    (sitemaps excluded) or whose query asks for a feed (``?feed=rss2``,
    ``?format=feed``).  Relative links resolve against ``<base href>`` if the
    page has one, else ``base_url``.
    """
    if isinstance(html, bytes):
        tree = LexborHTMLParser(html, encoding=True)  # honours <meta charset>
    else:
        tree = LexborHTMLParser(html)
    base = base_url
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        base_href = base_node.attributes.get("href")
        if base_href and base_href.strip():
            base = canonical_url(base_href, base_url)

    found: list[str] = []
    seen: set[str] = set()

    def add(url: str | None) -> None:
        if url is not None and url not in seen:
            seen.add(url)
            found.append(url)

    json_feeds: list[str | None] = []
    for node in tree.css("link[href]"):
        attrs = node.attributes
        rel = {token.lower() for token in (attrs.get("rel") or "").split()}
        mime = (attrs.get("type") or "").partition(";")[0].strip().lower()
        if "alternate" in rel and mime in FEED_MEDIA_TYPES:
            add(_absolute(attrs.get("href"), base))
        elif "alternate" in rel and mime in _JSON_FEED_TYPES:
            json_feeds.append(_absolute(attrs.get("href"), base))
    for url in json_feeds:
        add(url)

    for node in tree.css("a[href]"):
        url = _absolute(node.attributes.get("href"), base)
        if url is not None and _looks_like_feed_path(url):
            add(url)
    return found
