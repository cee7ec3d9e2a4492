"""What every source reader produces: parsed entries and the parsed source around them.

Rules:

- Every field of a :class:`ParsedEntry` is cut to the limits of :mod:`bot.sources.bounds`
  when the entry is made, whatever the source sent; its title, and a source's title, are
  without invisible characters and trimmed (:func:`bot.sources.clean_text.visible_text`).
- ``published`` is aware (UTC) or ``None`` (unknown: the pipeline uses first-seen time).
- A reader keeps at most ``max_items`` entries (:data:`DEFAULT_MAX_ITEMS` unless told), the
  newest (:func:`keep_newest`), in the source's own order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.sources.bounds import (
    MAX_SUMMARY_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    bounded_guid,
    bounded_url,
    clip,
)
from bot.sources.clean_text import visible_text

__all__ = ["DEFAULT_MAX_ITEMS", "ParsedEntry", "ParsedFeed", "keep_newest"]


DEFAULT_MAX_ITEMS = 500


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One article of a source.  ``published`` is aware (UTC) or ``None`` (unknown:
    the pipeline uses first-seen time); ``text`` is the full text when the source
    itself carries it (a Telegram post), else empty.  Every field is cut to the
    limits of :mod:`bot.sources.bounds` when the entry is made, and the title is
    without invisible characters (:func:`bot.sources.clean_text.visible_text`)."""

    guid: str
    url: str
    title: str
    summary: str
    published: datetime | None
    text: str = ""

    def __post_init__(self) -> None:
        # The one place every source kind's articles pass: no field is longer than
        # bot.sources.bounds allows, and no title carries invisible characters,
        # whatever the source sent.
        bounded = (
            ("guid", bounded_guid(self.guid)),
            ("url", bounded_url(self.url)),
            ("title", clip(visible_text(self.title), MAX_TITLE_CHARS)),
            ("summary", clip(self.summary, MAX_SUMMARY_CHARS)),
            ("text", clip(self.text, MAX_TEXT_CHARS)),
        )
        for name, value in bounded:
            if value is not getattr(self, name):
                object.__setattr__(self, name, value)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed source document of any kind.  ``ttl``: seconds the source asks
    clients to wait between polls (RSS ``<ttl>``, ``sy:updatePeriod``), if any."""

    title: str
    link: str | None
    entries: list[ParsedEntry]
    ttl: float | None = None

    def __post_init__(self) -> None:
        title = visible_text(self.title)
        if title != self.title:
            object.__setattr__(self, "title", title)


def keep_newest(entries: list[ParsedEntry], max_items: int) -> list[ParsedEntry]:
    """At most ``max_items`` entries: the newest by ``published`` (undated ones count
    as oldest), in their original order."""
    if len(entries) <= max_items:
        return entries
    floor = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(
        range(len(entries)), key=lambda i: (entries[i].published or floor, -i), reverse=True
    )
    kept = sorted(ranked[:max_items])
    return [entries[i] for i in kept]
