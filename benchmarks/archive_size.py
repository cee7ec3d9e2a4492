"""The archive index's size on disk beside the article table's, on SQLite and PostgreSQL.

    python benchmarks/archive_size.py [--articles 5000] [--postgres URL]

Stores ``--articles`` synthetic articles (``benchmarks/corpus.py``: Arabic, French and
English, 150–600 words) through the real ``ingest`` (which files each one in the index) on
a fresh SQLite file with the real schema, and on a fresh PostgreSQL database when a server
URL is given (a database is created in it and dropped after). Prints the bytes of the
article table (with its indexes) and of each of the archive index's tables
(``bot.storage.archive_schema``: the vocabulary, the postings, SQLite's side table; SQLite:
from ``dbstat``, an FTS5 table with its shadow tables; PostgreSQL:
``pg_total_relation_size``, indexes and TOAST included), each with its ratio to the article
table, and their sum. Target (issue 13): the index under twice the article table.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks.corpus import articles
from bot.access import AccessPolicy
from bot.alerts.index import SubscriptionIndex
from bot.alerts.ingest import ingest
from bot.matching import QueryLimits
from bot.sources.model import ParsedEntry
from bot.storage.archive_schema import LISTS, TABLE, VOCABULARY
from bot.storage.db import create_engine, migrate, session_factory
from bot.storage.models import Source

NOW = datetime(2026, 12, 1, tzinfo=UTC)
POLL = 100


async def _fill(url: str, n: int) -> tuple[int, dict[str, int]]:
    engine = create_engine(url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        async with sessions() as session, session.begin():
            source = Source(
                url="https://a.ma",
                feed_url="https://a.ma/rss",
                name="A",
                interval_seconds=600,
                next_poll_at=NOW,
                created_at=NOW,
            )
            session.add(source)
            await session.flush()
            source_id = source.id
        docs = list(articles(n, seed=1))
        index = SubscriptionIndex(QueryLimits())
        access = AccessPolicy(mode="open", admins=frozenset(), allowed=frozenset())
        for start in range(0, n, POLL):
            entries = [
                ParsedEntry(a["id"], f"https://a.ma/{a['id']}", a["title"], a["text"], NOW)
                for a in docs[start : start + POLL]
            ]
            async with sessions() as session, session.begin():
                await ingest(
                    session,
                    source_id=source_id,
                    entries=entries,
                    index=index,
                    access=access,
                    now=NOW,
                    alert=False,
                    max_age=None,
                )
        async with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                rows = await connection.execute(
                    text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
                )
                sizes = {str(name): int(size) for name, size in rows.all()}
                table = sum(v for k, v in sizes.items() if k == "articles" or "_articles_" in k)
                return table, {
                    VOCABULARY: sizes.get(VOCABULARY, 0),
                    TABLE: sum(v for k, v in sizes.items() if k.startswith(TABLE + "_")),
                    LISTS: sizes.get(LISTS, 0),
                }
            size = text("SELECT pg_total_relation_size(CAST(:t AS regclass))")
            table = int(await connection.scalar(size, {"t": "articles"}) or 0)
            return table, {
                name: int(await connection.scalar(size, {"t": name}) or 0)
                for name in (VOCABULARY, TABLE)
            }
    finally:
        await engine.dispose()


def _print(backend: str, table: int, index: dict[str, int], n: int) -> None:
    print(f"{backend}, {n} articles: article table {table / 1e6:7.1f} MB")
    for name, size in index.items():
        print(f"  {name:20s} {size / 1e6:7.1f} MB  ratio {size / table:.2f}")
    total = sum(index.values())
    print(f"  {'archive index':20s} {total / 1e6:7.1f} MB  ratio {total / table:.2f}")


async def _postgres(server: str, n: int) -> tuple[int, dict[str, int]]:
    name = f"rasd_size_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server)
    try:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f"CREATE DATABASE {name}"))
        try:
            url = make_url(server).set(database=name).render_as_string(hide_password=False)
            return await _fill(url, n)
        finally:
            async with admin.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text(f"DROP DATABASE {name}"))
    finally:
        await admin.dispose()


async def _main(n: int, postgres: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        table, index = await _fill(f"sqlite+aiosqlite:///{tmp}/size.sqlite3", n)
    _print("sqlite", table, index, n)
    if postgres:
        table, index = await _postgres(postgres, n)
        _print("postgresql", table, index, n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (asyncpg)")
    args = parser.parse_args()
    asyncio.run(_main(args.articles, args.postgres))


if __name__ == "__main__":
    main()
