"""RSS 0.9x/1.0/2.0, Atom and RDF documents into entries, through feedparser.

Rules:

- The document is decoded by :mod:`bot.sources.decode` and repaired and hardened by
  :mod:`bot.sources.xml_repair` (items cut to ``max_items``, known guids dropped, entity
  declarations refused) before feedparser sees it, as UTF-8 with a matching declaration.
- A document that is slightly malformed but still yields entries is accepted; an item cut
  off by a truncated download is dropped (it would be stored half and never updated).  One
  that yields no entries and is malformed, or is not RSS/Atom at all, raises
  :class:`FeedParseError`.
- An entry needs a title or a link; its guid is the ``id``/``guid``, else the link, else a
  hash of its text.  Its summary is the longest of summary/description and content, as
  plain text; titles are one line.
- Its time is ``published``, else ``updated``, else ``created``; a time without a zone
  takes the zone the feed's other times use, else ``zone``, else UTC.  Month and day
  names are read in the feed's declared language (RSS ``<language>``, Atom ``xml:lang``)
  as well as Arabic, French and English (:mod:`bot.sources.dates`).
- ``ttl`` is the larger of RSS ``<ttl>`` and the syndication module's update period.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from typing import Any

import feedparser

from bot.sources.dates import parse_date_naive, site_zone, to_utc
from bot.sources.decode import decode_document
from bot.sources.errors import FeedParseError
from bot.sources.html_text import markup_text
from bot.sources.model import DEFAULT_MAX_ITEMS, ParsedEntry, ParsedFeed
from bot.sources.sniff import FEED_ROOTS, sniff_root
from bot.sources.urls import canonical_url
from bot.sources.xml_repair import prepare_feed_xml

__all__ = ["parse_rss_atom"]


def _plain(value: object, detail: object, *, multiline: bool) -> str:
    """Plain text of a feedparser text construct (title, summary, content)."""
    if not isinstance(value, str) or not value:
        return ""
    declared = ""
    if isinstance(detail, Mapping):
        declared = str(detail.get("type") or "")
    return markup_text(value, declared, multiline=multiline)


def _describe(exc: object) -> str:
    get_message = getattr(exc, "getMessage", None)
    get_line = getattr(exc, "getLineNumber", None)
    if callable(get_message):
        message = str(get_message())
        if callable(get_line):
            return f"{message} at line {get_line()}"
        return message
    return str(exc)[:120] or type(exc).__name__


def _struct_time(parsed: object) -> datetime | None:
    if not isinstance(parsed, tuple) or len(parsed) < 6:
        return None
    try:
        year, month, day, hour, minute, second = (int(v) for v in parsed[:6])
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _summary(raw: Mapping[str, Any]) -> str:
    """The longest of summary/description and content, as plain text."""
    candidates = [_plain(raw.get("summary"), raw.get("summary_detail"), multiline=True)]
    content = raw.get("content")
    if isinstance(content, list):
        for item in content:
            if isinstance(item, Mapping):
                candidates.append(_plain(item.get("value"), item, multiline=True))
    return max(candidates, key=len)


def _entry(raw: Mapping[str, Any], base_url: str) -> ParsedEntry | None:
    title = _plain(raw.get("title"), raw.get("title_detail"), multiline=False)
    link = raw.get("link")
    url = canonical_url(link, base_url) if isinstance(link, str) and link.strip() else ""
    if not title and not url:
        return None
    summary = _summary(raw)
    raw_id = raw.get("id")
    guid = raw_id.strip() if isinstance(raw_id, str) else ""
    if not guid:
        guid = url
    if not guid:
        digest = hashlib.sha1(f"{title}\n{summary}".encode(), usedforsecurity=False)
        guid = f"sha1:{digest.hexdigest()}"
    return ParsedEntry(guid=guid, url=url, title=title, summary=summary, published=None)


def _own(raw: Mapping[str, Any], key: str) -> object:
    """``raw[key]`` without FeedParserDict's fallbacks (``updated`` → ``published``
    with a deprecation warning)."""
    if isinstance(raw, dict):
        return dict.get(raw, key)
    return raw.get(key)


def _raw_date(raw: Mapping[str, Any], language: str | None) -> datetime | None:
    """The entry's time as written (naive if it names no zone); ``language`` is the
    feed's declared language, for month names outside Arabic, French and English."""
    for key in ("published", "updated", "created"):
        stamp = parse_date_naive(_own(raw, key), slow=False)
        if stamp is not None:
            return stamp
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        stamp = _struct_time(_own(raw, key))
        if stamp is not None:
            return stamp
    for key in ("published", "updated", "created"):
        stamp = parse_date_naive(_own(raw, key), language=language)
        if stamp is not None:
            return stamp
    return None


_SY_PERIODS = {"hourly": 3600.0, "daily": 86400.0, "weekly": 604800.0, "monthly": 2592000.0}


def _ttl(feed: Mapping[str, Any]) -> float | None:
    """Seconds between polls the feed asks for: RSS ``<ttl>`` (minutes) and the
    syndication module's ``updatePeriod``/``updateFrequency``; the larger wins."""
    found: list[float] = []
    try:
        minutes = float(str(feed.get("ttl") or "").strip())
        if 0 < minutes < 1e6:
            found.append(minutes * 60)
    except ValueError:
        pass
    period = _SY_PERIODS.get(str(feed.get("sy_updateperiod") or "").strip().lower())
    if period is not None:
        try:
            frequency = float(str(feed.get("sy_updatefrequency") or "1").strip())
        except ValueError:
            frequency = 1.0
        found.append(period / frequency if frequency >= 1 else period)
    return max(found) if found else None


# expat's messages for a document that simply stops.
_EOF_ERRORS = ("no element found", "unclosed token", "unclosed CDATA section")
_LAST_OPEN_RE = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?(?:item|entry)[\s>]")
_LAST_CLOSE_RE = re.compile(r"</(?:[A-Za-z_][\w.\-]*:)?(?:item|entry)\s*>")


def _cut_inside_last_entry(data: bytes, bozo_exception: object) -> bool:
    """True if the document was truncated in the middle of its last item/entry."""
    if not any(message in _describe(bozo_exception) for message in _EOF_ERRORS):
        return False
    text = data.decode("utf-8", errors="replace")
    opens = [m.start() for m in _LAST_OPEN_RE.finditer(text)]
    closes = [m.start() for m in _LAST_CLOSE_RE.finditer(text)]
    return bool(opens) and (not closes or opens[-1] > closes[-1])


def parse_rss_atom(
    body: bytes,
    *,
    base_url: str,
    charset: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
    zone: tzinfo | None = None,
    known: frozenset[str] = frozenset(),
) -> ParsedFeed:
    """Parse an RSS/Atom/RDF document (see the module docstring).

    ``base_url`` (normally the feed's URL) resolves relative links; ``charset`` is the
    HTTP charset, if any.  At most ``max_items`` entries (the newest).  Items whose guid is
    in ``known`` (already stored) may be left out of the result.
    """
    data = prepare_feed_xml(decode_document(body, charset), max_items, known)
    result: Any = feedparser.parse(
        io.BytesIO(data),
        response_headers={
            "content-type": "application/xml; charset=utf-8",
            "content-location": base_url,
        },
        # We never output the HTML (html_to_text drops tags, scripts and styles) nor
        # the links inside it: feedparser's sanitiser and URI rewriting only cost time.
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    version = str(result.get("version") or "")
    bozo = bool(result.get("bozo"))
    raw_entries = list(result.get("entries") or [])
    if raw_entries and bozo and _cut_inside_last_entry(data, result.get("bozo_exception")):
        # A half-received item would be stored with a cut title/summary and never
        # updated (same guid); drop it, the next complete poll brings it back.
        raw_entries.pop()
    raw_entries = raw_entries[:max_items]
    feed: Mapping[str, Any] = result.get("feed") or {}
    language = feed.get("language")
    stamps = [
        _raw_date(raw, language if isinstance(language, str) else None) for raw in raw_entries
    ]
    local = site_zone(stamps) or zone
    entries: list[ParsedEntry] = []
    for raw, stamp in zip(raw_entries, stamps, strict=True):
        entry = _entry(raw, base_url)
        if entry is not None:
            published = to_utc(stamp, local) if stamp is not None else None
            entries.append(replace(entry, published=published))

    if not entries and (bozo or not version):
        root = sniff_root(body)
        if bozo:
            reason = f"malformed XML ({_describe(result.get('bozo_exception'))})"
        elif root is not None and root not in FEED_ROOTS:
            reason = f"unexpected root element <{root}>"
        else:
            reason = "no RSS or Atom content found"
        raise FeedParseError(f"not a feed: {reason}")

    feed_link = feed.get("link")
    site_link = None
    if isinstance(feed_link, str) and feed_link.strip():
        site_link = canonical_url(feed_link, base_url)
    return ParsedFeed(
        title=_plain(feed.get("title"), feed.get("title_detail"), multiline=False),
        link=site_link,
        entries=entries,
        ttl=_ttl(feed),
    )
