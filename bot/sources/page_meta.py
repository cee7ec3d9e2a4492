"""What an HTML page says about itself: the site's name and when an article was published.

Rules:

- :func:`page_title`: ``og:site_name`` (or ``application-name``), else the ``<title>``.
- :func:`page_published`: JSON-LD ``datePublished`` (``dateCreated``, ``uploadDate``; at
  most 6 levels deep, 50 items a list), then ``<meta property="article:published_time">``
  and similar, then ``<time datetime>`` (the one marked ``pubdate`` or
  ``itemprop=datePublished`` first).  A time without a zone is taken in ``zone``.
"""

from __future__ import annotations

import json
from datetime import datetime, tzinfo

from selectolax.lexbor import LexborHTMLParser

from bot.sources.dates import parse_date, parse_date_naive, to_utc

__all__ = ["page_published", "page_title"]

_JSONLD_DATE_KEYS = ("datePublished", "dateCreated", "uploadDate")
_META_DATE_SELECTORS = (
    'meta[property="article:published_time"]',
    'meta[name="article:published_time"]',
    'meta[property="og:article:published_time"]',
    'meta[itemprop="datePublished"]',
    'meta[name="pubdate"]',
    'meta[name="publish-date"]',
    'meta[name="date"]',
    'meta[name="DC.date.issued"]',
    'meta[name="dcterms.created"]',
)


def _jsonld_dates(data: object, depth: int = 0) -> list[str]:
    if depth > 6:
        return []
    found: list[str] = []
    if isinstance(data, dict):
        for key in _JSONLD_DATE_KEYS:
            value = data.get(key)
            if isinstance(value, str):
                found.append(value)
        for value in data.values():
            if isinstance(value, dict | list):
                found += _jsonld_dates(value, depth + 1)
    elif isinstance(data, list):
        for value in data[:50]:
            found += _jsonld_dates(value, depth + 1)
    return found


def page_published(html: str | LexborHTMLParser, zone: tzinfo | None = None) -> datetime | None:
    """When an article page says it was published: JSON-LD ``datePublished``,
    then ``<meta property="article:published_time">`` and similar, then
    ``<time datetime>`` (the one marked ``pubdate``/``itemprop=datePublished``
    first).  ``None`` when the page says nothing usable."""
    tree = LexborHTMLParser(html) if isinstance(html, str) else html
    for node in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(node.text() or "")
        except (ValueError, RecursionError):
            continue
        for value in _jsonld_dates(data):
            stamp = parse_date(value, zone)
            if stamp is not None:
                return stamp
    for selector in _META_DATE_SELECTORS:
        meta = tree.css_first(selector)
        if meta is not None:
            stamp = parse_date(meta.attributes.get("content"), zone)
            if stamp is not None:
                return stamp
    for selector in ("time[itemprop=datePublished]", "time[pubdate]", "time[datetime]"):
        time_node = tree.css_first(selector)
        if time_node is not None:
            naive = parse_date_naive(time_node.attributes.get("datetime"))
            if naive is not None:
                return to_utc(naive, zone)
    return None


def page_title(tree: LexborHTMLParser) -> str:
    """The site's name (``og:site_name``), else the page ``<title>``."""
    for selector in ('meta[property="og:site_name"]', 'meta[name="application-name"]'):
        node = tree.css_first(selector)
        if node is not None and (node.attributes.get("content") or "").strip():
            return " ".join((node.attributes.get("content") or "").split())
    node = tree.css_first("title")
    return " ".join(node.text().split()) if node is not None else ""
