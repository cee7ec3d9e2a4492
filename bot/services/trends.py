"""Matching articles per day (``/trend``) and as rows of a file (``/export``), from the
archive search (``bot.services.archive``), and the charts and files drawn off the event loop.

Rules:

* A chart covers whole days in the given zone: from midnight of the day ``now - span``
  falls on, to now (``chart_start``); each day is a point (0 when nothing matched), and only
  today is partial. Its articles are those ``ArchiveSearch`` finds from that midnight (first
  seen since then), so a total can exceed ``/search``'s for the same period word by the
  part of the first day before ``now - span``; the caption gives the days.
* An article counts on the day of its ``published_at`` in the zone; one its feed dates
  before the first day (first seen within the chart's time) counts on the first day, one
  dated after today (a feed's clock ahead) on today: every article found is on the chart,
  and the days add up to the total.
* An export's articles are exactly the period's (``since = now - span``), as ``/search``'s.
* Export rows are newest first, at most ``limit``; past it the matches are still counted
  for a while, so the reply can say how many the file left out ("at least" when that count
  ran out of time). The excerpt is the matched stretch of the
  text as alerts show it, as plain text. The rows and the file are made in a worker thread
  (`export_file` through `off_loop`).
* Each function does the work it is asked, however long: the caller holds the time budget
  (``asyncio.timeout``). ``off_loop`` runs a pure renderer in a worker thread within
  ``seconds``; a renderer that overruns is left to finish in its thread and its result
  dropped (a chart of 4 x 90 points draws in about 0.2 s).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from time import monotonic
from typing import ParamSpec, TypeVar

from bot.alerts.format import excerpt_window
from bot.archive.charts import Series
from bot.archive.export import ExportRow, export_csv
from bot.matching import CompiledQuery, Span
from bot.services.archive import ArchiveSearch, Hit

EXCERPT_CHARS = 300  # of the matched stretch in an exported row
EXCERPT_LEAD = 2 * EXCERPT_CHARS  # of the text first looked at for an exported row's match
RENDER_SECONDS = 10.0  # a chart or a file, drawn in a worker thread

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Trend:
    first_day: date
    series: list[Series]  # one per query, in the order asked


@dataclass(frozen=True, slots=True)
class Export:
    hits: list[Hit]  # newest first, at most the limit asked
    total: int  # matching articles of the period counted, those in the file and those left out
    complete: bool = True  # False: counting beyond the file stopped at its time, at ``total``

    @property
    def cut(self) -> bool:
        return self.total > len(self.hits)


def days_of(since: datetime, now: datetime, zone: tzinfo) -> tuple[date, int]:
    """The first day and the number of days, in ``zone``, from ``since``'s day to ``now``'s."""
    first = since.astimezone(zone).date()
    return first, (now.astimezone(zone).date() - first).days + 1


def chart_start(span: timedelta, now: datetime, zone: tzinfo) -> datetime:
    """Midnight (in ``zone``) of the day ``now - span`` falls on: where a chart begins."""
    return datetime.combine((now - span).astimezone(zone).date(), time(), tzinfo=zone)


def day_index(published: datetime, first_day: date, days: int, zone: tzinfo) -> int:
    """The point an article published at ``published`` counts on (kept within the days)."""
    offset = (published.astimezone(zone).date() - first_day).days
    return min(max(offset, 0), days - 1)


async def trend(
    archive: ArchiveSearch,
    queries: Sequence[tuple[str, CompiledQuery]],
    *,
    span: timedelta,
    now: datetime,
    zone: tzinfo,
) -> Trend:
    """Each query's matching articles per day, over the whole days the ``span`` that ends
    ``now`` touches."""
    since = chart_start(span, now, zone)
    first_day, days = days_of(since, now, zone)
    series = []
    for shown, query in queries:
        counts = [0] * days
        async for matches in archive.matches(query, since):
            for match in matches:
                counts[day_index(match.published_at, first_day, days, zone)] += 1
        series.append(Series(shown, tuple(counts)))
    return Trend(first_day, series)


def plain_excerpt(text: str, spans: Sequence[Span], limit: int = EXCERPT_CHARS) -> str:
    """The stretch of ``text`` around its first matches, as plain text, with an ellipsis
    where it was cut."""
    ranges = [(span.start, span.end) for span in spans if span.field == "text"]
    start, end = excerpt_window(text, ranges, limit)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text.rstrip()) else ""
    return f"{prefix}{text[start:end].strip()}{suffix}"


def export_row(hit: Hit) -> ExportRow:
    article = hit.article
    return ExportRow(
        published=article.published_at,
        outlet=article.source_name,
        title=article.title,
        url=article.url,
        excerpt=plain_excerpt(article.body or article.summary, hit.spans),
    )


async def export_hits(
    archive: ArchiveSearch,
    query: CompiledQuery,
    since: datetime | None,
    *,
    limit: int,
    count_seconds: float,
) -> Export:
    """The newest ``limit`` matching articles of the period, and how many match: counted on
    past the ``limit``-th for at most ``count_seconds`` (then ``complete`` is False and the
    total a lower bound: the file is ready, the count need not hold it up)."""
    rows: list[int] = []
    total = 0
    complete = True
    counting_until: float | None = None
    async for batch in archive.match_ids(query, since):
        total += len(batch)
        rows.extend(batch[: max(0, limit - len(rows))])
        if len(rows) < limit:
            continue
        now = monotonic()
        if counting_until is None:
            counting_until = now + count_seconds
        elif now >= counting_until:
            complete = False
            break
    hits = await archive.hits_of(query, rows, lead=EXCERPT_LEAD)
    return Export(hits, total, complete=complete)


def export_file(language: str, hits: Sequence[Hit], zone: tzinfo) -> bytes:
    """The CSV of ``hits`` (``bot.archive.export``), excerpts included: pure, for a thread."""
    return export_csv(language, (export_row(hit) for hit in hits), zone)


async def off_loop(seconds: float, render: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``render(*args, **kwargs)`` in a worker thread; TimeoutError past ``seconds``."""
    async with asyncio.timeout(seconds):
        return await asyncio.to_thread(render, *args, **kwargs)
