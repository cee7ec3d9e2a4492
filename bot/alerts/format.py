"""Alert messages in Telegram HTML: every external string escaped and stripped of bidi
controls (`bot.i18n.bidi.clean`), matches in bold, the link only when it is http(s)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n.bidi import clean
from bot.i18n.formats import format_datetime
from bot.matching import Span
from bot.sources.urls import is_web_url

EXCERPT_LIMIT = 360
TITLE_LIMIT = 300
QUERIES_LIMIT = 200
ALSO_LIMIT = 300
_SENTENCE_END = re.compile(r"(?<=[.!?؟…])\s+|\n+")


@dataclass(frozen=True, slots=True)
class AlertContent:
    title: str
    url: str
    source_name: str
    published: datetime
    text: str
    spans: Sequence[Span]
    queries: Sequence[str]
    # "also reported by: ..." line: Telegram HTML in the chat's language (empty: no line).
    also_line: str = ""


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _shown(text: str) -> str:
    return html.escape(clean(text), quote=False)


def bold_spans(text: str, ranges: Sequence[tuple[int, int]]) -> str:
    """Escape ``text`` and wrap each (start, end) range in <b>; ranges may overlap.  Bidi
    controls are removed piece by piece, after the ranges, so the offsets still hold."""
    merged: list[list[int]] = []
    for start, end in sorted(r for r in ranges if 0 <= r[0] < r[1] <= len(text)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    position = 0
    for start, end in merged:
        out.append(_shown(text[position:start]))
        out.append(f"<b>{_shown(text[start:end])}</b>")
        position = end
    out.append(_shown(text[position:]))
    return "".join(out)


def _sentences(text: str) -> list[tuple[int, int]]:
    bounds = []
    start = 0
    for gap in _SENTENCE_END.finditer(text):
        if gap.start() > start:
            bounds.append((start, gap.start()))
        start = gap.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return bounds


def _word_boundary_left(text: str, index: int) -> int:
    space = text.rfind(" ", 0, index)
    return 0 if space == -1 else space + 1


def _word_boundary_right(text: str, index: int) -> int:
    space = text.find(" ", index)
    return len(text) if space == -1 else space


def excerpt_window(
    text: str, ranges: Sequence[tuple[int, int]], limit: int = EXCERPT_LIMIT
) -> tuple[int, int]:
    """The stretch of ``text`` to show: the sentences around the first matches, or a
    word-aligned window around the first match when its sentence alone is too long."""
    sentences = _sentences(text)
    if not sentences:
        return 0, 0
    if not ranges:
        start, end = sentences[0]
        return start, min(end, _word_boundary_right(text, start + limit))
    first = min(ranges)[0]
    chosen = [s for s in sentences if s[0] <= first < s[1] or s[0] <= first <= s[1]][:1]
    if not chosen:
        chosen = [sentences[0]]
    start, end = chosen[0]
    # Take in the following sentences that hold matches, while they fit.
    for s_start, s_end in sentences:
        if (
            s_start >= end
            and s_end - start <= limit
            and any(s_start <= r[0] < s_end for r in ranges)
        ):
            end = s_end
    if end - start <= limit:
        return start, end
    half = limit // 2
    window_start = _word_boundary_left(text, max(start, first - half))
    window_end = _word_boundary_right(text, min(end, window_start + limit))
    return window_start, min(window_end, end)


def excerpt(text: str, spans: Sequence[Span], limit: int = EXCERPT_LIMIT) -> str:
    ranges = [(s.start, s.end) for s in spans if s.field == "text"]
    start, end = excerpt_window(text, ranges, limit)
    inside = [
        (max(a, start) - start, min(b, end) - start) for a, b in ranges if a < end and b > start
    ]
    body = bold_spans(text[start:end], inside)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text.rstrip()) else ""
    return f"{prefix}{body}{suffix}"


def format_alert(alert: AlertContent, zone: ZoneInfo, language: str = "en") -> str:
    linked = is_web_url(alert.url)  # stored articles are http(s); older rows may not be
    title = alert.title[:TITLE_LIMIT] or (alert.url if linked else "—")
    title_ranges = [(s.start, s.end) for s in alert.spans if s.field == "title"]
    headline = bold_spans(title, title_ranges)
    if linked:
        headline = f'<a href="{html.escape(alert.url, quote=True)}">{headline}</a>'
    when = format_datetime(language, alert.published, zone)
    lines = [
        headline,
        f"🗞 {_shown(alert.source_name)} · {when}",
    ]
    body = excerpt(alert.text, alert.spans)
    if body:
        lines.append("")
        lines.append(body)
    if alert.queries:
        lines.append("")
        lines.append("🔎 " + _shown(shorten(" · ".join(alert.queries), QUERIES_LIMIT)))
    if alert.also_line:
        lines.append(alert.also_line)
    return "\n".join(lines)


_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def html_to_plain(html_text: str) -> str:
    """Our own HTML as plain text (for a message Telegram refused to parse): a link becomes
    its text then the URL in brackets; other tags disappear; entities are decoded."""
    plain = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", html_text)
    return html.unescape(_TAG.sub("", plain))
