"""/trend's days and /export's rows from the archive search, and the /stats chart's days:
real SQLite (and PostgreSQL when CI runs one), articles stored by ``ingest``.

Expected counts are worked out independently: each stored article's day in the bot's zone,
and whether the compiled query matches it read one by one (a full scan)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.archive.export import ENCODING, header
from bot.matching import Document, QueryLimits, compile_query
from bot.services.archive import ArchiveSearch, Hit
from bot.services.stats import StatsService
from bot.services.trends import (
    chart_start,
    days_of,
    export_file,
    export_hits,
    export_row,
    plain_excerpt,
    trend,
)
from bot.storage.chats import ChatRepository
from bot.storage.db import SessionFactory
from bot.storage.models import OutboxItem, OutboxKind, OutboxStatus
from bot.storage.scan import StoredText
from bot.telegram.views.reports import export_caption
from tests.support.archive_world import Stored, add_source, store

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # 13:00 in Casablanca
ZONE = ZoneInfo("Africa/Casablanca")
LIMITS = QueryLimits(1000, 50)

TEXTS = [
    ("Aziz Akhannouch préside le conseil", "Le chef du gouvernement Aziz Akhannouch a présidé "
     "jeudi à Rabat le conseil de gouvernement. Plusieurs décrets ont été adoptés."),
    ("Benkirane critique le budget", "Abdelilah Benkirane a critiqué le projet de loi de "
     "finances lors d'une réunion du parti à Salé."),
    ("أخنوش يترأس مجلس الحكومة", "ترأس رئيس الحكومة عزيز أخنوش اليوم الخميس بالرباط "
     "اجتماع مجلس الحكومة الذي صادق على عدة مراسيم."),
    ("Pluie attendue sur le nord", "La météo annonce des pluies sur le nord du pays ce week-end."),
    ("بنكيران يهاجم الحكومة", "هاجم عبد الإله بنكيران الحكومة في لقاء حزبي بسلا."),
]  # fmt: skip


def archive(days: int) -> list[Stored]:
    """Articles over ``days`` days before NOW, a few a day; some dated by their feed before
    they were first seen, one dated ahead of the clock."""
    stored = []
    for day in range(days):
        for index in range(day % 4 + 1):
            title, body = TEXTS[(day + index) % len(TEXTS)]
            at = NOW - timedelta(days=day, hours=3 * index + 1)
            stored.append(Stored(title, body, at))
    stored.append(Stored(*TEXTS[0], NOW - timedelta(hours=2), NOW - timedelta(days=60)))
    stored.append(Stored(*TEXTS[2], NOW - timedelta(hours=1), NOW + timedelta(days=2)))
    return stored


def expected_days(
    stored: list[Stored], query: str, since: datetime, first_day: date, days: int
) -> list[int]:
    compiled = compile_query(query, LIMITS)
    counts = [0] * days
    for article in stored:
        if article.at < since or compiled.match(Document(article.title, article.body)) is None:
            continue
        day = ((article.published or article.at).astimezone(ZONE).date() - first_day).days
        counts[min(max(day, 0), days - 1)] += 1
    return counts


def test_the_days_run_from_the_period_start_to_today_in_the_zone() -> None:
    assert days_of(NOW - timedelta(hours=24), NOW, ZONE) == (date(2026, 11, 28), 2)
    assert days_of(NOW - timedelta(days=7), NOW, ZONE) == (date(2026, 11, 22), 8)
    assert days_of(NOW - timedelta(days=30), NOW, ZONE) == (date(2026, 10, 30), 31)
    late = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # already the 30th in Casablanca
    assert days_of(late - timedelta(hours=24), late, ZONE) == (date(2026, 11, 29), 2)


def test_a_chart_starts_at_midnight_of_the_periods_first_day() -> None:
    start = chart_start(timedelta(days=7), NOW, ZONE)
    assert start == datetime(2026, 11, 22, tzinfo=ZONE)
    assert start.astimezone(UTC) == datetime(2026, 11, 21, 23, tzinfo=UTC)
    assert days_of(start, NOW, ZONE) == (date(2026, 11, 22), 8)
    late = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # the 30th, 00:30 in Casablanca
    assert chart_start(timedelta(hours=24), late, ZONE) == datetime(2026, 11, 29, tzinfo=ZONE)


async def test_trend_counts_each_query_per_day_as_a_full_scan_would(
    sessions: SessionFactory,
) -> None:
    stored = archive(40)
    await store(sessions, await add_source(sessions, "Hespress", NOW), stored)
    search = ArchiveSearch(sessions)
    queries = ["Akhannouch", "Benkirane", "بنكيران", "الحكومة"]
    for span in (timedelta(hours=24), timedelta(days=7), timedelta(days=30)):
        compiled = [(q, compile_query(q, LIMITS)) for q in queries]
        found = await trend(search, compiled, span=span, now=NOW, zone=ZONE)
        since = chart_start(span, NOW, ZONE)
        first_day, days = days_of(since, NOW, ZONE)
        assert found.first_day == first_day
        for (query, one), series in zip(compiled, found.series, strict=True):
            assert series.query == query
            assert list(series.counts) == expected_days(stored, query, since, first_day, days)
            assert series.total == await search.count(one, since), (query, span)
        if span == timedelta(days=30):
            assert all(series.total > 3 for series in found.series)


async def test_an_article_dated_outside_the_days_counts_on_the_nearest_day(
    sessions: SessionFactory,
) -> None:
    stored = archive(40)
    await store(sessions, await add_source(sessions, "Hespress", NOW), stored)
    query = compile_query("Akhannouch", LIMITS)
    found = await trend(
        ArchiveSearch(sessions), [("Akhannouch", query)], span=timedelta(days=7), now=NOW, zone=ZONE
    )
    without = [a for a in stored if a.published is None]
    since = chart_start(timedelta(days=7), NOW, ZONE)
    plain = expected_days(without, "Akhannouch", since, found.first_day, 8)
    counts = list(found.series[0].counts)
    ahead = query.match(Document(*TEXTS[2])) is not None  # the Arabic text dated ahead
    assert ahead
    assert counts[0] == plain[0] + 1  # published 60 days ago, first seen 2 hours ago
    assert counts[-1] == plain[-1] + 1  # published in 2 days: counted today
    assert counts[1:-1] == plain[1:-1]


async def test_export_keeps_the_newest_rows_and_counts_the_rest(sessions: SessionFactory) -> None:
    stored = archive(20)
    await store(sessions, await add_source(sessions, 'Le360, "Maroc"', NOW), stored)
    search = ArchiveSearch(sessions)
    query = compile_query("Akhannouch OR أخنوش", LIMITS)
    total = await search.count(query, None)
    assert total > 6
    everything = await export_hits(search, query, None, limit=10_000, count_seconds=5)
    assert (everything.total, len(everything.hits), everything.cut) == (total, total, False)
    cut = await export_hits(search, query, None, limit=5, count_seconds=5)
    assert cut.total == total and cut.cut
    assert [h.article.id for h in cut.hits] == [h.article.id for h in everything.hits[:5]]
    week = await export_hits(search, query, NOW - timedelta(days=7), limit=10_000, count_seconds=5)
    assert week.total == await search.count(query, NOW - timedelta(days=7)) < total

    data = export_file("fr", cut.hits, ZONE)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode(ENCODING), newline="")))
    assert rows[0] == header("fr")
    assert len(rows) == 1 + 5
    newest = cut.hits[0].article
    assert rows[1][:4] == [
        newest.published_at.astimezone(ZONE).strftime("%Y-%m-%d %H:%M"),
        'Le360, "Maroc"',
        newest.title,
        newest.url,
    ]
    assert all("Akhannouch" in row[4] or "أخنوش" in row[4] for row in rows[1:])


class Batches:
    """An archive whose matches come in batches of 10, every one taking ``seconds``."""

    def __init__(self, hits: list[Hit], seconds: float) -> None:
        self.found, self.seconds = hits, seconds

    async def match_ids(self, query: object, since: object) -> AsyncIterator[list[int]]:
        for start in range(0, len(self.found), 10):
            await asyncio.sleep(self.seconds)
            yield [h.article.id for h in self.found[start : start + 10]]

    async def hits_of(
        self, query: object, article_ids: list[int], *, lead: int | None = None
    ) -> list[Hit]:
        wanted = set(article_ids)
        return [h for h in self.found if h.article.id in wanted]


async def test_counting_past_the_file_stops_in_time_and_says_at_least() -> None:
    hits = [
        Hit(StoredText(n, f"https://a.ma/{n}", "Akhannouch", "", "Akhannouch.", "A", NOW), [])
        for n in range(100, 0, -1)
    ]
    query = compile_query("Akhannouch", LIMITS)
    whole = await export_hits(Batches(hits, 0), query, None, limit=15, count_seconds=5)
    assert (len(whole.hits), whole.total, whole.complete, whole.cut) == (15, 100, True, True)
    slow = Batches(hits, 0.05)
    cut = await export_hits(slow, query, None, limit=15, count_seconds=0.12)
    assert len(cut.hits) == 15 and cut.cut and not cut.complete
    assert 20 <= cut.total < 100  # the file's rows, then what was counted in 0.12 s
    assert export_caption("en", cut).startswith(f"📄 The newest 15 of at least {cut.total} ")
    assert export_caption("en", whole).startswith("📄 The newest 15 of 100 ")


def test_the_excerpt_is_the_matched_stretch_in_plain_text() -> None:
    body = "Premier paragraphe sans rapport. " * 20 + "Aziz Akhannouch a parlé. Fin."
    query = compile_query("Akhannouch", LIMITS)
    spans = query.match(Document("Titre", body))
    assert spans is not None
    shown = plain_excerpt(body, spans)
    assert shown.startswith("…") and "Aziz Akhannouch a parlé." in shown
    assert "<b>" not in shown


async def test_stats_daily_counts_new_articles_and_sent_alerts_per_local_day(
    sessions: SessionFactory,
) -> None:
    stored = archive(35)
    await store(sessions, await add_source(sessions, "Hespress", NOW), stored)
    sent_at = [NOW - timedelta(days=day, hours=12, minutes=30) for day in (0, 1, 1, 5, 29, 31)]
    async with sessions() as session, session.begin():
        await ChatRepository(session).ensure(42, language="en", now=NOW)
        for index, moment in enumerate(sent_at):
            session.add(
                OutboxItem(
                    chat_id=42, article_id=None, subscription_ids=[], spans=[],
                    status=OutboxStatus.SENT, next_attempt_at=moment, sent_at=moment,
                    created_at=moment, kind=OutboxKind.ALERT, thread_id=index,
                )
            )  # fmt: skip
        session.add(
            OutboxItem(
                chat_id=42, article_id=None, subscription_ids=[], spans=[],
                status=OutboxStatus.SENT, next_attempt_at=NOW, sent_at=NOW, created_at=NOW,
                kind=OutboxKind.NOTICE, thread_id=99,
            )
        )  # fmt: skip
    daily = await StatsService(sessions).daily(NOW, ZONE)
    first_day = date(2026, 10, 31)
    assert daily.first_day == first_day and len(daily.articles) == len(daily.alerts) == 30

    def per_day(moments: list[datetime]) -> list[int]:
        days = Counter((m.astimezone(ZONE).date() - first_day).days for m in moments)
        return [days[index] for index in range(30)]  # a day before the first is left out

    assert list(daily.articles) == per_day([a.at for a in stored])
    assert sum(daily.articles) < len(stored)
    assert list(daily.alerts) == per_day(sent_at)
    assert sum(daily.alerts) == 5  # the notice is not an alert; 31 days ago is out


async def test_an_exported_row_shows_the_first_match_early_or_late_in_a_long_text(
    sessions: SessionFactory,
) -> None:
    """Rows' excerpts look at the lead of a long text first: a match there is shown from
    it, and one only further down is still found and shown."""
    filler = "Le conseil a examiné plusieurs projets de décrets sur l'eau et la pêche. " * 40
    early = "Aziz Akhannouch a présidé le conseil. " + filler + "Akhannouch a conclu."
    late = filler + "Aziz Akhannouch a pris la parole en fin de séance."
    source_id = await add_source(sessions, "Le Site", NOW)
    await store(sessions, source_id, [Stored("Conseil", early, NOW), Stored("Séance", late, NOW)])
    query = compile_query("Akhannouch", LIMITS)
    export = await export_hits(ArchiveSearch(sessions), query, None, limit=10, count_seconds=5)
    excerpts = {hit.article.title: export_row(hit).excerpt for hit in export.hits}
    assert excerpts["Conseil"].startswith("Aziz Akhannouch a présidé")
    assert "Aziz Akhannouch a pris la parole" in excerpts["Séance"]
    assert excerpts["Séance"].startswith("…")
