"""HTML listing pages (a site's home or section page) into article entries.

Rules:

- Without a selector, the article links are the ones :mod:`bot.sources.listing_links`
  scores as articles.
- With an admin-given CSS ``selector``, every matched element is an article: the
  element itself if it is a link, else its first heading link, else its first
  link (any site).
- A URL linked several times (image, headline, "read more") is one entry whose
  title is the best headline of its links (:mod:`bot.sources.link_title`: a heading
  inside the link, its ``title``, the first line of its text, an image's ``alt``;
  never the teaser, the kicker or the time).
- Relative links resolve against the document's base URL as HTML defines it: its first
  ``<base href>`` (itself resolved against the address the page was served from), else
  that address.  A ``<link rel="canonical">`` names the page, it is no base.
- Per article, the published time comes from a ``<time datetime>`` or a date-like
  element of its block (the nearest ``<article>``/``<li>`` or post/card/item element;
  month names also in the page's ``<html lang>``), the summary from its first long
  paragraph.  Entries keep page order (listings are
  newest first); at most ``max_items``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, tzinfo
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from bot.sources.dates import parse_date_naive, site_zone, to_utc
from bot.sources.errors import FeedParseError
from bot.sources.html_text import html_to_text
from bot.sources.link_title import best_title
from bot.sources.listing_links import (
    HEADING_TAGS,
    MAX_ANCESTORS,
    ancestors_of,
    class_id,
    heuristic_links,
)
from bot.sources.model import DEFAULT_MAX_ITEMS, ParsedEntry, ParsedFeed
from bot.sources.page_meta import page_title
from bot.sources.urls import canonical_url

__all__ = ["check_selector", "parse_listing"]

_BLOCK_CLASS_RE = re.compile(
    r"(?:^|\s)[\w-]*(?:post|article|item|card|news|story|entry|teaser)(?:[\w-]*)(?:$|\s)",
    re.IGNORECASE,
)
# Elements inside an article block that are never the block itself.
_NOT_BLOCK_TAGS = frozenset({*HEADING_TAGS, "a", "span", "p", "strong", "em", "b", "i"})
_DATE_CLASS_RE = re.compile(r"date|time|publish", re.IGNORECASE)
_SUMMARY_MIN = 40


def check_selector(selector: str) -> str | None:
    """``None`` if ``selector`` is valid CSS for the listing reader, else the reason."""
    try:
        LexborHTMLParser("<p></p>").css(selector)
    except SelectolaxError:
        return "not a valid CSS selector"
    return None


def _block(node: LexborNode) -> LexborNode | None:
    """The article's block around a link: the nearest <article>/<li>, or an element
    whose class names a post/card/item, within a few levels."""
    for ancestor in ancestors_of(node, MAX_ANCESTORS):
        if ancestor.tag in _NOT_BLOCK_TAGS:
            continue
        if ancestor.tag in ("article", "li") or _BLOCK_CLASS_RE.search(class_id(ancestor)):
            return ancestor
    return None


def _block_published(block: LexborNode, language: str | None) -> datetime | None:
    """The block's time as written (naive when it names no zone)."""
    for node in block.css("time"):
        stamp = parse_date_naive(node.attributes.get("datetime")) or parse_date_naive(
            node.text(deep=True), language=language
        )
        if stamp is not None:
            return stamp
    for node in block.css("[class]"):
        if _DATE_CLASS_RE.search(node.attributes.get("class") or "") and node.tag != "a":
            text = node.text(deep=True)
            if text and len(text) <= 80:
                stamp = parse_date_naive(text, language=language)
                if stamp is not None:
                    return stamp
    return None


def _block_summary(block: LexborNode, title: str) -> str:
    for node in block.css("p"):
        text = html_to_text(node.html or "", multiline=False)
        if len(text) >= _SUMMARY_MIN and text != title:
            return text
    return ""


def _base(tree: LexborHTMLParser, page_url: str) -> str:
    """The document's base URL: its first ``<base href>``, else the page's address."""
    node = tree.css_first("base[href]")
    href = node.attributes.get("href") if node is not None else None
    return canonical_url(href, page_url) if href and href.strip() else page_url


def _selected_links(tree: LexborHTMLParser, selector: str) -> list[LexborNode]:
    try:
        matched = tree.css(selector)
    except SelectolaxError:
        raise FeedParseError(f"the CSS selector {selector!r} is not valid") from None
    links: list[LexborNode] = []
    for node in matched:
        if node.tag == "a" and node.attributes.get("href"):
            links.append(node)
            continue
        link = node.css_first("h1 a[href], h2 a[href], h3 a[href], h4 a[href]") or node.css_first(
            "a[href]"
        )
        if link is not None:
            links.append(link)
    return links


def parse_listing(
    html: str,
    *,
    page_url: str,
    selector: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
    zone: tzinfo | None = None,
) -> ParsedFeed:
    """Article entries of a listing page (see module rules).  Raises
    :class:`FeedParseError` for an invalid selector; an empty list is returned
    when nothing looks like an article (the reader decides whether that is an error)."""
    tree = LexborHTMLParser(html)
    root = tree.css_first("html")
    language = root.attributes.get("lang") if root is not None else None
    base = _base(tree, page_url)
    nodes = _selected_links(tree, selector) if selector else heuristic_links(tree, base, page_url)
    by_url: dict[str, list[LexborNode]] = {}
    for node in nodes:
        url = canonical_url(node.attributes.get("href") or "", base)
        if urlsplit(url).scheme in ("http", "https"):
            by_url.setdefault(url, []).append(node)
    entries: list[ParsedEntry] = []
    stamps: list[datetime | None] = []
    for url, links in by_url.items():
        if len(entries) >= max_items:
            break
        headline = best_title(links)
        if headline is None:
            continue
        title = headline.text
        block = next((b for b in map(_block, links) if b is not None), None)
        stamps.append(_block_published(block, language) if block is not None else None)
        summary = _block_summary(block, title) if block is not None else ""
        entries.append(ParsedEntry(guid=url, url=url, title=title, summary=summary, published=None))
    local = site_zone(stamps) or zone
    entries = [
        replace(entry, published=to_utc(stamp, local) if stamp is not None else None)
        for entry, stamp in zip(entries, stamps, strict=True)
    ]
    return ParsedFeed(title=page_title(tree), link=canonical_url(page_url), entries=entries)
