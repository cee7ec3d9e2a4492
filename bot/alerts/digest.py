"""Digest messages: a chat's held matches in one message (or a few), grouped by subscription.

Layout: a header with the number of articles (and ``(2/3)`` when split), then per subscription
its query in bold and one line per article, oldest first: the local time (with the date when it
is not the newest article's day), the headline as a link, the source. Subscriptions come in the
order of their first entry. Parts are cut between lines, never inside one; a subscription that
continues in the next part repeats its heading there. Every part is within ``limit`` as Telegram
counts (UTF-16 units of the visible text, see ``bot.alerts.split``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.alerts.format import shorten
from bot.alerts.split import split_html, visible_length
from bot.i18n import plural, text
from bot.i18n.bidi import embed
from bot.i18n.formats import format_day_time, format_time
from bot.sources.urls import is_web_url

DIGEST_TITLE_LIMIT = 200
DIGEST_SOURCE_LIMIT = 60
DIGEST_QUERY_LIMIT = 100


@dataclass(frozen=True, slots=True)
class DigestEntry:
    subscription: str  # the query text, for grouping
    title: str
    url: str
    source_name: str
    published: datetime


def _when(published: datetime, language: str, zone: ZoneInfo, newest_day: object) -> str:
    same_day = published.astimezone(zone).date() == newest_day
    shown = format_time if same_day else format_day_time
    return shown(language, published, zone)


def _line(entry: DigestEntry, language: str, zone: ZoneInfo, newest_day: object) -> str:
    """One article; its headline is a link only when the link is http(s)."""
    linked = is_web_url(entry.url)
    shown = entry.title.strip() or (entry.url if linked else "—")
    title = html.escape(shorten(shown, DIGEST_TITLE_LIMIT), quote=False)
    return text(
        language,
        "digest_line" if linked else "digest_line_unlinked",
        when=embed(language, _when(entry.published, language, zone, newest_day)),
        url=html.escape(entry.url, quote=True),
        title=embed(language, title),
        source=embed(
            language, html.escape(shorten(entry.source_name, DIGEST_SOURCE_LIMIT), quote=False)
        ),
    )


def _heading(language: str, query: str, count: int, continued: bool) -> str:
    shown = embed(language, html.escape(shorten(query, DIGEST_QUERY_LIMIT), quote=False))
    key = "digest_group_continued" if continued else "digest_group"
    return text(language, key, query=shown, count=count)


def _header(language: str, count: int, part: int, parts: int) -> str:
    marker = text(language, "digest_part", part=part, parts=parts) if parts > 1 else ""
    return plural(language, "digest_header", count, part=marker)


def compose_digest(
    entries: Sequence[DigestEntry], language: str, zone: ZoneInfo, limit: int = 4096
) -> list[str]:
    """Telegram-HTML messages: matches grouped by subscription, split cleanly under `limit`."""
    if not entries:
        return []
    newest_day = max(entry.published for entry in entries).astimezone(zone).date()
    groups: dict[str, list[DigestEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.subscription, []).append(entry)
    total = len(entries)
    # Room for the widest header ("(99/99)") so numbering the parts afterwards never overflows.
    header_room = visible_length(_header(language, total, 99, 99)) + 1

    parts: list[list[str]] = []
    current: list[str] = []
    used = header_room

    def flush() -> None:
        nonlocal current, used
        if current:
            parts.append(current)
        current, used = [], header_room

    for query, group in groups.items():
        group = sorted(group, key=lambda entry: entry.published)
        heading = _heading(language, query, len(group), continued=False)
        for position, entry in enumerate(group):
            line = _line(entry, language, zone, newest_day)
            cost = visible_length(line) + 1
            block = [line]
            if position == 0:
                block = ["", heading, line]
                cost += visible_length(heading) + 2
            if current and used + cost > limit:
                flush()
                if position > 0:
                    again = _heading(language, query, len(group), continued=True)
                    block = ["", again, line]
                    cost += visible_length(again) + 2
            if used + cost > limit:  # a single line over the limit: only for tiny limits
                pieces = split_html("\n".join(block), limit - header_room)
                for piece in pieces:
                    current.append(piece)
                    flush()
                continue
            current.extend(block)
            used += cost
    flush()
    count = len(parts)
    return [
        "\n".join([_header(language, total, number, count), *lines])
        for number, lines in enumerate(parts, start=1)
    ]
