"""Draw the charts shown in docs/reports.md: ``/trend Akhannouch; Benkirane`` over 30 days,
in English and in Arabic, from a generated archive stored and searched the way the bot does.

    .venv/bin/python scripts/docs_charts.py   # writes docs/images/trend.png, trend-ar.png

The archive is made up but shaped like news: a few hundred background articles a day
(``benchmarks/corpus.py``, Arabic, French and English), fewer at the weekend, and articles
that name the two politicians at a daily rate with a peak each (a budget debate, a party
congress). It is stored by ``ingest`` into a throwaway SQLite database (the archive index
written with it), counted per day by ``bot.services.trends.trend`` through ``ArchiveSearch``
and drawn by ``bot.archive.charts.render_trend``: the same path as the command. Deterministic:
the same pictures every run.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import corpus  # noqa: E402
from bot.access import AccessPolicy  # noqa: E402
from bot.alerts.index import SubscriptionIndex  # noqa: E402
from bot.alerts.ingest import ingest  # noqa: E402
from bot.archive.charts import render_trend  # noqa: E402
from bot.matching import QueryLimits, compile_query  # noqa: E402
from bot.services.archive import ArchiveSearch  # noqa: E402
from bot.services.trends import trend  # noqa: E402
from bot.sources.model import ParsedEntry  # noqa: E402
from bot.storage.db import SessionFactory, create_engine, migrate, session_factory  # noqa: E402
from bot.storage.models import Source  # noqa: E402

NOW = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
ZONE = ZoneInfo("Africa/Casablanca")
DAYS = 30
QUERIES = ("Akhannouch", "Benkirane")
LIMITS = QueryLimits(300, 20)
# Articles naming each a day (before weekends and peaks), and the peaks: days ago -> extra.
RATES = {"Akhannouch": 7, "Benkirane": 2}
PEAKS = {"Akhannouch": {12: 24, 11: 15, 10: 8}, "Benkirane": {20: 11, 19: 6}}
MENTIONS = {
    "Akhannouch": [
        ("Aziz Akhannouch défend le projet de loi de finances", "fr"),
        ("أخنوش يدافع عن مشروع قانون المالية أمام البرلمان", "ar"),
        ("Akhannouch chairs the government council in Rabat", "en"),
        ("رئيس الحكومة عزيز أخنوش يترأس مجلس الحكومة", "ar"),
    ],
    "Benkirane": [
        ("Abdelilah Benkirane critique la majorité gouvernementale", "fr"),
        ("بنكيران يهاجم الحكومة في لقاء حزبي", "ar"),
        ("Benkirane réélu à la tête de son parti", "fr"),
    ],
}
BACKGROUND = 120  # articles a weekday that name neither


def day_articles(
    rng: random.Random, days_ago: int, texts: list[dict[str, str]]
) -> list[tuple[str, str]]:
    """(title, text) of the articles first seen ``days_ago`` days before NOW."""
    weekend = (NOW - timedelta(days=days_ago)).astimezone(ZONE).weekday() >= 5
    found = [
        (text["title"], text["text"])
        for text in rng.sample(texts, BACKGROUND // (2 if weekend else 1))
    ]
    for name, rate in RATES.items():
        daily = max(0, round(rng.gauss(rate, rate / 3)) // (2 if weekend else 1))
        for _ in range(daily + PEAKS[name].get(days_ago, 0)):
            title, _language = rng.choice(MENTIONS[name])
            found.append((title, f"{title}. {rng.choice(texts)['text']}"))
    return found


async def store(sessions: SessionFactory) -> None:
    rng = random.Random(13)
    texts = list(corpus.articles(600, seed=13))
    access = AccessPolicy(mode="open", admins=frozenset(), allowed=frozenset())
    index = SubscriptionIndex(LIMITS)
    async with sessions() as session, session.begin():
        source = Source(
            url="https://news.example.ma/rss", feed_url="https://news.example.ma/rss",
            name="Archive", interval_seconds=600, next_poll_at=NOW, created_at=NOW,
        )  # fmt: skip
        session.add(source)
        await session.flush()
        source_id = source.id
    serial = 0
    for days_ago in range(DAYS, -1, -1):
        moment = NOW - timedelta(days=days_ago, hours=1)
        entries = []
        for title, body in day_articles(rng, days_ago, texts):
            serial += 1
            published = moment - timedelta(minutes=rng.randint(0, 600))
            entries.append(
                ParsedEntry(
                    f"d{serial}", f"https://news.example.ma/{serial}", title, body, published
                )
            )
        async with sessions() as session, session.begin():
            await ingest(
                session, source_id=source_id, entries=entries, index=index, access=access,
                now=moment, alert=False, max_age=None,
            )  # fmt: skip


async def main() -> None:
    out = ROOT / "docs" / "images"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite+aiosqlite:///{folder}/archive.sqlite3")
        try:
            await migrate(engine)
            sessions = session_factory(engine)
            await store(sessions)
            compiled = [(query, compile_query(query, LIMITS)) for query in QUERIES]
            found = await trend(
                ArchiveSearch(sessions), compiled, span=timedelta(days=DAYS), now=NOW, zone=ZONE
            )
        finally:
            await engine.dispose()
    for language, name in (("en", "trend.png"), ("ar", "trend-ar.png")):
        chart = render_trend(language, found.first_day, found.series)
        (out / name).write_bytes(chart.png)
        print(f"{out / name}: {len(chart.png):,} bytes; {chart.caption!r}")


if __name__ == "__main__":
    asyncio.run(main())
