"""HTML pages: article links of a listing page, and the metadata of an article page.

Listing rules (no selector):

- Only ``http(s)`` links on the page's own site (``www.`` ignored), never the page
  itself or the site root, never links inside ``<nav>``, ``<header>``,
  ``<footer>``, ``<aside>``, ``<form>`` or inside elements whose class/id names a
  menu, breadcrumb, pagination, share or social block.
- Never paths through a category/tag/author/login/search/page/feed/... segment, nor
  files (images, PDF, scripts, feeds).
- A link scores points for looking like an article: a long slug (3+ words or 20+
  characters), a numeric id (4+ digits), a date in the path, sitting in an
  ``<article>`` or a heading, a long anchor text (4+ words or 25+ characters); a
  short anchor text ("Read more") loses points.  Links scoring 3+ are articles.
- A URL linked several times (image, headline, "read more") is one entry whose
  title is its longest anchor text (else ``title``/``alt``).

With an admin-given CSS ``selector``, every matched element is an article: the
element itself if it is a link, else its first heading link, else its first
link (any site).  Per article, the published time comes from a ``<time
datetime>`` or a date-like element of its block, the summary from its first
long paragraph.  Entries keep page order (listings are newest first); at most
``max_items``.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, tzinfo
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from bot.sources.dates import parse_date, parse_date_naive, site_zone, to_utc
from bot.sources.errors import FeedParseError
from bot.sources.html_text import html_to_text
from bot.sources.model import DEFAULT_MAX_ITEMS, ParsedEntry, ParsedFeed
from bot.sources.urls import canonical_url

__all__ = [
    "check_selector",
    "page_published",
    "page_title",
    "parse_listing",
]

_SKIP_SEGMENTS = frozenset(
    {
        "category",
        "categories",
        "categorie",
        "tag",
        "tags",
        "author",
        "authors",
        "auteur",
        "auteurs",
        "writer",
        "login",
        "logout",
        "signin",
        "sign-in",
        "signup",
        "sign-up",
        "register",
        "inscription",
        "connexion",
        "account",
        "compte",
        "profile",
        "user",
        "users",
        "search",
        "recherche",
        "page",
        "contact",
        "contact-us",
        "about",
        "about-us",
        "a-propos",
        "privacy",
        "privacy-policy",
        "terms",
        "cgu",
        "mentions-legales",
        "feed",
        "rss",
        "wp-admin",
        "wp-login.php",
        "wp-content",
        "cdn-cgi",
        "subscribe",
        "newsletter",
        "abonnement",
        "share",
        "sharer",
        "cart",
        "shop",
        "topics",
        "section",
        "rubrique",
        "archives",
    }
)
_FILE_RE = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|ico|pdf|docx?|xlsx?|zip|rar|mp[34]|m4a|css|js|xml|rss|json|txt)$",
    re.IGNORECASE,
)
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4"})
_SKIP_CONTAINER_TAGS = frozenset({"nav", "header", "footer", "aside", "form", "menu"})
_SKIP_CLASS_RE = re.compile(
    r"(?:^|[\s_-])(?:menu|nav|navbar|navigation|breadcrumbs?|pagination|pager|share|sharing"
    r"|social|footer|header|topbar|tags?|categories)(?:$|[\s_-])",
    re.IGNORECASE,
)
_BLOCK_CLASS_RE = re.compile(
    r"(?:^|\s)[\w-]*(?:post|article|item|card|news|story|entry|teaser)(?:[\w-]*)(?:$|\s)",
    re.IGNORECASE,
)
# Elements inside an article block that are never the block itself.
_NOT_BLOCK_TAGS = frozenset({*_HEADING_TAGS, "a", "span", "p", "strong", "em", "b", "i"})
_TITLE_CLASS_RE = re.compile(r"title|headline", re.IGNORECASE)
_DATE_CLASS_RE = re.compile(r"date|time|publish", re.IGNORECASE)
_ID_RE = re.compile(r"\d{4,}")
_DATE_PATH_RE = re.compile(r"/(?:19|20)\d\d/(?:0?[1-9]|1[0-2])(?:/|$)|(?:19|20)\d\d-\d\d-\d\d")
_WORD_SPLIT_RE = re.compile(r"[-_+\s]+")
_MIN_SCORE = 3
_MAX_ANCESTORS = 6
_SUMMARY_MIN = 40


def check_selector(selector: str) -> str | None:
    """``None`` if ``selector`` is valid CSS for the listing reader, else the reason."""
    try:
        LexborHTMLParser("<p></p>").css(selector)
    except SelectolaxError:
        return "not a valid CSS selector"
    return None


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _class_id(node: LexborNode) -> str:
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}"


def _ancestors(node: LexborNode, limit: int = 64) -> list[LexborNode]:
    out: list[LexborNode] = []
    parent = node.parent
    while parent is not None and len(out) < limit and parent.tag not in ("body", "html"):
        out.append(parent)
        parent = parent.parent
    return out


def _in_chrome(node: LexborNode) -> bool:
    """True if the link sits in navigation, header, footer or similar page chrome
    (an ``<article>`` around it makes it content again, whatever is inside it)."""
    ancestors = _ancestors(node)
    if any(ancestor.tag == "article" for ancestor in ancestors):
        return False
    return any(
        ancestor.tag in _SKIP_CONTAINER_TAGS or _SKIP_CLASS_RE.search(_class_id(ancestor))
        for ancestor in ancestors
    )


def _path_score(url: str, page_url: str) -> int | None:
    """Points for a URL that looks like an article, ``None`` if it is excluded."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or _host(url) != _host(page_url):
        return None
    path = unquote(parts.path)
    segments = [s for s in path.split("/") if s]
    if not segments and not parts.query:
        return None
    if any(s.lower() in _SKIP_SEGMENTS for s in segments) or _FILE_RE.search(path):
        return None
    score = 0
    last = segments[-1] if segments else ""
    stem = re.sub(r"\.(?:html?|php|aspx?)$", "", last, flags=re.IGNORECASE)
    words = [w for w in _WORD_SPLIT_RE.split(stem) if w]
    if len(words) >= 3 or len(stem) >= 20:
        score += 2
    if _ID_RE.search(path) or _ID_RE.search(parts.query):
        score += 2
    if _DATE_PATH_RE.search(path):
        score += 2
    return score


def _anchor_text(node: LexborNode) -> str:
    text = html_to_text(node.html or "", multiline=False)
    if text:
        return text
    attrs = node.attributes
    title = attrs.get("title") or ""
    if title.strip():
        return " ".join(title.split())
    image = node.css_first("img[alt]")
    return " ".join((image.attributes.get("alt") or "").split()) if image is not None else ""


def _text_score(text: str) -> int:
    if len(text) >= 25 or len(text.split()) >= 4:
        return 1
    if len(text) < 10:
        return -3
    return 0


def _block(node: LexborNode) -> LexborNode | None:
    """The article's block around a link: the nearest <article>/<li>, or an element
    whose class names a post/card/item, within a few levels."""
    for ancestor in _ancestors(node, _MAX_ANCESTORS):
        if ancestor.tag in _NOT_BLOCK_TAGS:
            continue
        if ancestor.tag in ("article", "li") or _BLOCK_CLASS_RE.search(_class_id(ancestor)):
            return ancestor
    return None


def _block_published(block: LexborNode) -> datetime | None:
    """The block's time as written (naive when it names no zone)."""
    for node in block.css("time"):
        stamp = parse_date_naive(node.attributes.get("datetime")) or parse_date_naive(
            node.text(deep=True)
        )
        if stamp is not None:
            return stamp
    for node in block.css("[class]"):
        if _DATE_CLASS_RE.search(node.attributes.get("class") or "") and node.tag != "a":
            text = node.text(deep=True)
            if text and len(text) <= 80:
                stamp = parse_date_naive(text)
                if stamp is not None:
                    return stamp
    return None


def _block_summary(block: LexborNode, title: str) -> str:
    for node in block.css("p"):
        text = html_to_text(node.html or "", multiline=False)
        if len(text) >= _SUMMARY_MIN and text != title:
            return text
    return ""


def _tree(html: str) -> LexborHTMLParser:
    return LexborHTMLParser(html)


def page_title(tree: LexborHTMLParser) -> str:
    """The site's name (``og:site_name``), else the page ``<title>``."""
    for selector in ('meta[property="og:site_name"]', 'meta[name="application-name"]'):
        node = tree.css_first(selector)
        if node is not None and (node.attributes.get("content") or "").strip():
            return " ".join((node.attributes.get("content") or "").split())
    node = tree.css_first("title")
    return " ".join(node.text().split()) if node is not None else ""


def _base(tree: LexborHTMLParser, page_url: str) -> str:
    node = tree.css_first("base[href]")
    href = node.attributes.get("href") if node is not None else None
    return canonical_url(href, page_url) if href and href.strip() else page_url


def _heuristic_links(tree: LexborHTMLParser, base: str, page_url: str) -> list[LexborNode]:
    own = {canonical_url(page_url), canonical_url(base)}
    scores: dict[str, int] = {}
    order: list[tuple[str, LexborNode]] = []
    for node in tree.css("a[href]"):
        href = node.attributes.get("href") or ""
        if not href.strip() or href.strip().startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = canonical_url(href, base)
        if url in own:
            continue
        score = _path_score(url, page_url)
        if score is None or _in_chrome(node):
            continue
        ancestors = _ancestors(node, _MAX_ANCESTORS)
        if any(a.tag in _HEADING_TAGS or a.tag == "article" for a in ancestors):
            score += 2
        if any(_TITLE_CLASS_RE.search(_class_id(a)) for a in [node, *ancestors[:2]]):
            score += 1
        score += _text_score(_anchor_text(node))
        scores[url] = max(scores.get(url, score), score)
        order.append((url, node))
    return [node for url, node in order if scores[url] >= _MIN_SCORE]


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
    tree = _tree(html)
    base = _base(tree, page_url)
    nodes = _selected_links(tree, selector) if selector else _heuristic_links(tree, base, page_url)
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
        title = max((_anchor_text(link) for link in links), key=len)
        if not title:
            continue
        block = next((b for b in map(_block, links) if b is not None), None)
        stamps.append(_block_published(block) if block is not None else None)
        summary = _block_summary(block, title) if block is not None else ""
        entries.append(ParsedEntry(guid=url, url=url, title=title, summary=summary, published=None))
    local = site_zone(stamps) or zone
    entries = [
        replace(entry, published=to_utc(stamp, local) if stamp is not None else None)
        for entry, stamp in zip(entries, stamps, strict=True)
    ]
    return ParsedFeed(title=page_title(tree), link=canonical_url(page_url), entries=entries)


# --------------------------------------------------------------------------- article pages

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
    tree = _tree(html) if isinstance(html, str) else html
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
