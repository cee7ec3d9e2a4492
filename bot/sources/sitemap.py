"""Sitemaps (sitemaps.org 0.9) and Google News sitemaps into entries.

Rules:

- A ``<urlset>`` gives one entry per ``<url>``: link ``<loc>``, title
  ``<news:title>`` (else a stand-in made from the URL's slug: plain sitemaps carry
  no titles, and full-text fetching replaces it), published
  ``<news:publication_date>``; ``<lastmod>`` only orders entries, it is not a
  publication time (an old article edited today is not news).
- A ``<sitemapindex>`` lists child sitemaps; :func:`pick_children` chooses the few
  worth reading (news ones first, then the most recently modified, else the last
  ones, where CMSs put the newest posts).  The reader follows one level only.
- Namespaces are matched by local name: many sites get them wrong.
- Parsed with defusedxml, whose expat handlers refuse every entity declaration and
  external reference as the parser meets it (kind ``hostile``): no entity is ever
  expanded and nothing external is ever read; a DOCTYPE without declarations is fine.  At most
  ``max_items`` entries are kept, the newest first by publication date, then
  lastmod.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]

from bot.sources.dates import parse_date_naive, site_zone, to_utc
from bot.sources.decode import decode_document
from bot.sources.errors import FeedParseError
from bot.sources.html_text import html_to_text
from bot.sources.model import DEFAULT_MAX_ITEMS, ParsedEntry
from bot.sources.urls import canonical_url
from bot.sources.xml_guard import HOSTILE_ENTITIES, HostileXmlError, refuse_declarations

__all__ = ["Sitemap", "is_sitemap", "parse_sitemap", "pick_children", "title_from_url"]

_ROOT_RE = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?(?:urlset|sitemapindex)[\s>/]")
_DECL_RE = re.compile(r"\A\s*<\?xml\b[^>]*\?>")
_MAX_URLS = 50_000  # the sitemaps.org limit per file


@dataclass(frozen=True, slots=True)
class Sitemap:
    """``entries`` of a urlset (``is_news``: it carries ``<news:news>`` data), or the
    ``children`` (URL, lastmod) of a sitemap index; ``title`` is the news
    publication name, if any."""

    entries: list[ParsedEntry]
    children: list[tuple[str, datetime | None]]
    is_news: bool
    title: str


def is_sitemap(body: bytes) -> bool:
    """True if the document's root is ``<urlset>`` or ``<sitemapindex>``."""
    head = body[:4096].decode("latin-1")
    return _ROOT_RE.search(head) is not None and "<rss" not in head and "<feed" not in head


def _local(tag: object) -> str:
    return tag.rpartition("}")[2].lower() if isinstance(tag, str) else ""


def _child_text(node: Element, *names: str) -> str:
    for child in node.iter():
        if child is not node and _local(child.tag) in names and child.text:
            return child.text.strip()
    return ""


def title_from_url(url: str) -> str:
    """A readable stand-in title from a URL's last path segment
    (``/politique/laftit-preside-reunion-45821.html`` → ``laftit preside reunion``),
    for sources that give only links (plain sitemaps)."""
    segment = unquote(urlsplit(url).path.rstrip("/").rpartition("/")[2])
    segment = re.sub(r"\.(?:html?|php|aspx?)$", "", segment, flags=re.IGNORECASE)
    words = [w for w in re.split(r"[-_+\s.]+", segment) if w and not w.isdigit()]
    return " ".join(words)


def pick_children(sitemap: Sitemap, limit: int = 3) -> list[str]:
    """The child sitemaps worth reading, best first (see module rules)."""
    children = sitemap.children
    news = [url for url, _ in children if "news" in url.lower()]
    if news:
        return news[:limit]
    floor = datetime.min.replace(tzinfo=UTC)
    if any(stamp is not None for _, stamp in children):
        ranked = sorted(children, key=lambda c: c[1] or floor, reverse=True)
        return [url for url, _ in ranked[:limit]]
    return [url for url, _ in children[-limit:]][::-1]


def parse_sitemap(
    body: bytes,
    *,
    base_url: str,
    charset: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
    zone: tzinfo | None = None,
) -> Sitemap:
    """Parse a sitemap or sitemap index; raises :class:`FeedParseError` if it is neither."""
    text = decode_document(body, charset).lstrip("\ufeff \t\r\n")
    text = _DECL_RE.sub("", text, count=1)  # the text is already decoded
    try:
        root = fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:  # an entity declaration or external reference
        raise HostileXmlError(f"not a sitemap: {HOSTILE_ENTITIES}") from None
    except ParseError as exc:
        # Unreadable before expat could see what it declares: the token alone refuses it.
        refuse_declarations(text.encode("utf-8", "replace"), "sitemap")
        raise FeedParseError(f"not a sitemap: malformed XML ({exc})") from None
    kind = _local(root.tag)
    if kind == "sitemapindex":
        children: list[tuple[str, datetime | None]] = []
        for node in root:
            loc = _child_text(node, "loc")
            if _local(node.tag) == "sitemap" and loc:
                stamp = parse_date_naive(_child_text(node, "lastmod"), slow=False)
                children.append((canonical_url(loc, base_url), to_utc(stamp) if stamp else None))
        return Sitemap(entries=[], children=children[:_MAX_URLS], is_news=False, title="")
    if kind != "urlset":
        raise FeedParseError(f"not a sitemap: unexpected root element <{kind}>")

    rows: list[tuple[str, str, datetime | None, datetime | None]] = []
    publication = ""
    is_news = False
    for node in root:
        if _local(node.tag) != "url":
            continue
        loc = _child_text(node, "loc")
        if not loc:
            continue
        news = next((child for child in node if _local(child.tag) == "news"), None)
        news_title, news_date = "", None
        if news is not None:
            is_news = True
            news_title = _child_text(news, "title")
            news_date = parse_date_naive(_child_text(news, "publication_date"), slow=False)
            news_date = news_date or parse_date_naive(_child_text(news, "publication_date"))
            publication = publication or _child_text(news, "name")
        lastmod = parse_date_naive(_child_text(node, "lastmod"), slow=False)
        rows.append((loc, news_title, news_date, lastmod))
        if len(rows) >= _MAX_URLS:
            break
    local = site_zone(stamp for row in rows for stamp in row[2:]) or zone
    floor = datetime.min.replace(tzinfo=UTC)

    def order(row: tuple[str, str, datetime | None, datetime | None]) -> datetime:
        stamp = row[2] or row[3]
        return to_utc(stamp, local) if stamp is not None else floor

    if len(rows) > max_items:
        ranked = sorted(range(len(rows)), key=lambda i: (order(rows[i]), -i), reverse=True)
        rows = [rows[i] for i in sorted(ranked[:max_items])]
    entries: list[ParsedEntry] = []
    for loc, news_title, news_date, _ in rows:
        url = canonical_url(loc, base_url)
        parts = urlsplit(url)
        if parts.path in ("", "/") and not parts.query:
            continue  # the home page is not an article
        title = html_to_text(news_title, multiline=False) if news_title else title_from_url(url)
        entries.append(
            ParsedEntry(
                guid=url,
                url=url,
                title=title or url,
                summary="",
                published=to_utc(news_date, local) if news_date is not None else None,
            )
        )
    return Sitemap(entries=entries, children=[], is_news=is_news, title=publication)
