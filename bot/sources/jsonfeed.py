"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) into entries.

Rules: the document must be a JSON object whose ``version`` names jsonfeed.org
and whose ``items`` is a list.  An item needs a ``url`` (or ``external_url``) or
a ``title``/text; its guid is ``id`` (numbers accepted), else the URL.  The
title is ``title``, else the first line of the text (microblog posts have no
title); the summary is the longest of ``summary``, ``content_text`` and the
text of ``content_html``.  ``date_published`` (else ``date_modified``) is RFC
3339; a time without a zone is taken as the site's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from typing import Any

from bot.sources.dates import parse_date_naive, site_zone, to_utc
from bot.sources.decode import decode_document
from bot.sources.errors import FeedParseError
from bot.sources.html_text import html_to_text
from bot.sources.model import DEFAULT_MAX_ITEMS, ParsedEntry, ParsedFeed, keep_newest
from bot.sources.urls import canonical_url

__all__ = ["is_json_feed", "parse_json_feed"]

_TITLE_FROM_TEXT = 140


def is_json_feed(body: bytes) -> bool:
    """True if ``body`` is (probably) a JSON Feed: a JSON object naming jsonfeed.org."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and b"jsonfeed.org/version" in head.replace(b"\\/", b"/")


def _text(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _title_from(text: str) -> str:
    line = text.strip().split("\n", 1)[0].strip()
    if len(line) <= _TITLE_FROM_TEXT:
        return line
    cut = line[:_TITLE_FROM_TEXT].rsplit(" ", 1)[0]
    return cut + "…"


def _entry(item: dict[str, Any], base_url: str) -> ParsedEntry | None:
    link = item.get("url") or item.get("external_url")
    url = canonical_url(link, base_url) if isinstance(link, str) and link.strip() else ""
    html = item.get("content_html")
    candidates = [
        html_to_text(item["summary"]) if isinstance(item.get("summary"), str) else "",
        html_to_text(item["content_text"]) if isinstance(item.get("content_text"), str) else "",
        html_to_text(html) if isinstance(html, str) else "",
    ]
    summary = max(candidates, key=len)
    title = (
        html_to_text(item["title"], multiline=False) if isinstance(item.get("title"), str) else ""
    )
    if not title:
        title = _title_from(summary)
    if not title and not url:
        return None
    raw_id = item.get("id")
    guid = (
        str(raw_id).strip()
        if isinstance(raw_id, str | int) and not isinstance(raw_id, bool)
        else ""
    )
    if not guid:
        guid = url
    if not guid:
        digest = hashlib.sha1(f"{title}\n{summary}".encode(), usedforsecurity=False)
        guid = f"sha1:{digest.hexdigest()}"
    return ParsedEntry(guid=guid, url=url, title=title, summary=summary, published=None)


def parse_json_feed(
    body: bytes,
    *,
    base_url: str,
    charset: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
    zone: tzinfo | None = None,
) -> ParsedFeed:
    """Parse a JSON Feed document; raises :class:`FeedParseError` if it is not one."""
    try:
        data = json.loads(decode_document(body, charset))
    except (ValueError, RecursionError) as exc:
        raise FeedParseError(f"not a feed: malformed JSON ({str(exc)[:80]})") from None
    if not isinstance(data, dict) or "jsonfeed.org/version" not in str(data.get("version", "")):
        raise FeedParseError("not a feed: a JSON document that is not a JSON Feed")
    items = data.get("items")
    if not isinstance(items, list):
        raise FeedParseError("not a feed: JSON Feed without an items list")

    items = [item for item in items if isinstance(item, dict)]
    stamps = [
        parse_date_naive(item.get("date_published"), slow=False)
        or parse_date_naive(item.get("date_modified"), slow=False)
        for item in items
    ]
    local = site_zone(stamps) or zone
    if len(items) > max_items:  # rank first, so only the kept items are converted
        floor = datetime.min.replace(tzinfo=UTC)
        ranked = sorted(
            range(len(items)),
            key=lambda i: (to_utc(stamps[i], local) if stamps[i] else floor, -i),  # type: ignore[arg-type]
            reverse=True,
        )
        kept = sorted(ranked[:max_items])
        items, stamps = [items[i] for i in kept], [stamps[i] for i in kept]
    entries: list[ParsedEntry] = []
    for item, stamp in zip(items, stamps, strict=True):
        entry = _entry(item, base_url)
        if entry is not None:
            published = to_utc(stamp, local) if stamp is not None else None
            entries.append(replace(entry, published=published))
    home = data.get("home_page_url")
    link = canonical_url(home, base_url) if isinstance(home, str) and home.strip() else None
    title = data.get("title")
    return ParsedFeed(
        title=html_to_text(title, multiline=False) if isinstance(title, str) else "",
        link=link,
        entries=keep_newest(entries, max_items),
    )
