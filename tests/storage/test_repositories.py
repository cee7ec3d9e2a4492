"""Schema and repositories on a real database (SQLite, and PostgreSQL when CI runs one)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.archive_schema import is_index_table
from bot.storage.articles import ArticleRepository
from bot.storage.chats import ChatRepository
from bot.storage.db import SessionFactory, create_engine, migrate, session_factory
from bot.storage.models import Article, Base, Chat, OutboxItem, Source
from bot.storage.sources import SourceRepository
from bot.storage.subscriptions import SubscriptionRepository
from tests.support import table_rows

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> SessionFactory:
    return session_factory(engine)


async def test_migrations_build_exactly_the_models(engine: AsyncEngine) -> None:
    def diff(connection: Connection) -> list[object]:
        opts = {"compare_type": False, "include_name": _not_the_archive_index}
        context = MigrationContext.configure(connection, opts=opts)
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(diff) == []


def _not_the_archive_index(name: str | None, type_: str, _parents: object) -> bool:
    """The archive index's tables are no models (SQLite's is an FTS5 table)."""
    return type_ != "table" or not is_index_table(name)


def _state(connection: Connection) -> tuple[str | None, dict[str, object], table_rows.Tables]:
    """Revision, schema as reflected, and every row of every table."""
    inspector = inspect(connection)
    schema: dict[str, object] = {
        table: (
            [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in inspector.get_columns(table)
            ],
            inspector.get_pk_constraint(table),
            sorted(map(repr, inspector.get_foreign_keys(table))),
            sorted(map(repr, inspector.get_indexes(table))),
            sorted(map(repr, inspector.get_unique_constraints(table))),
        )
        for table in inspector.get_table_names()
    }
    revision = MigrationContext.configure(connection).get_current_revision()
    return revision, schema, table_rows.snapshot(connection, table_rows.reflect(connection))


async def test_migrate_twice_is_harmless(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(lambda c: table_rows.fill(c, table_rows.reflect(c)))
        before = await connection.run_sync(_state)
    await migrate(engine)
    async with engine.connect() as connection:
        assert await connection.run_sync(_state) == before
    revision, schema, rows = before
    assert revision is not None and set(schema) >= set(Base.metadata.tables)
    assert all(len(table) == table_rows.ROWS for table in rows.values())


async def add_source(sessions: SessionFactory, url: str = "https://a.ma/rss") -> Source:
    async with sessions() as session, session.begin():
        return await SourceRepository(session).add(
            url=url, feed_url=url, name="A", interval=60, now=NOW
        )


def article(source_id: int, guid: str, url: str) -> Article:
    return Article(
        source_id=source_id,
        guid=guid,
        url=url,
        title="t",
        summary="s",
        published_at=NOW,
        fetched_at=NOW,
    )


async def test_datetimes_come_back_aware_utc(sessions: SessionFactory) -> None:
    source = await add_source(sessions)
    async with sessions() as session:
        stored = await SourceRepository(session).get(source.id)
    assert stored is not None
    assert stored.next_poll_at == NOW
    assert stored.next_poll_at.tzinfo is not None


async def test_article_unique_per_source_guid_and_per_url(sessions: SessionFactory) -> None:
    source = await add_source(sessions)
    async with sessions() as session, session.begin():
        await ArticleRepository(session).add(article(source.id, "g1", "https://a.ma/1"))
    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            await ArticleRepository(session).add(article(source.id, "g1", "https://a.ma/2"))
    other = await add_source(sessions, "https://b.ma/rss")
    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            await ArticleRepository(session).add(article(other.id, "g9", "https://a.ma/1"))
    async with sessions() as session:
        guids, urls = await ArticleRepository(session).known(
            source.id, ["g1", "g2"], ["https://a.ma/1", "https://a.ma/3"]
        )
    assert guids == {"g1"}
    assert urls == {"https://a.ma/1"}


async def test_outbox_holds_one_row_per_chat_and_article(sessions: SessionFactory) -> None:
    source = await add_source(sessions)
    async with sessions() as session, session.begin():
        await ChatRepository(session).ensure(5, language="ar", now=NOW)
        stored = await ArticleRepository(session).add(article(source.id, "g", "https://a.ma/x"))
        article_id = stored.id

    def row() -> OutboxItem:
        return OutboxItem(
            chat_id=5,
            article_id=article_id,
            subscription_ids=[1, 2],
            spans=[["title", 0, 3]],
            status="pending",
            attempts=0,
            next_attempt_at=NOW,
            created_at=NOW,
        )

    async with sessions() as session, session.begin():
        session.add(row())
    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            session.add(row())
    async with sessions() as session:
        stored_row = (await session.scalars(select(OutboxItem))).one()
    assert stored_row.subscription_ids == [1, 2]
    assert stored_row.spans == [["title", 0, 3]]


async def test_due_sources_skip_paused_and_future(sessions: SessionFactory) -> None:
    due = await add_source(sessions, "https://due.ma/rss")
    later = await add_source(sessions, "https://later.ma/rss")
    paused = await add_source(sessions, "https://paused.ma/rss")
    async with sessions() as session, session.begin():
        repo = SourceRepository(session)
        later_row = await repo.get(later.id)
        paused_row = await repo.get(paused.id)
        assert later_row is not None and paused_row is not None
        later_row.next_poll_at = NOW + timedelta(minutes=5)
        paused_row.paused = True
    until = NOW + timedelta(minutes=1)
    async with sessions() as session, session.begin():
        repo = SourceRepository(session)
        assert await repo.claim_due("a", NOW, until, exclude=[due.id]) == []
        assert await repo.claim_due("a", NOW, until) == [due.id]
    async with sessions() as session, session.begin():
        repo = SourceRepository(session)
        # Leased to "a": nobody else gets it until the lease lapses.
        assert await repo.claim_due("b", NOW, until) == []
        assert await repo.claim_due("b", until + timedelta(seconds=1), until) == [due.id]


async def test_claims_take_the_most_overdue_first_up_to_the_limit(
    sessions: SessionFactory,
) -> None:
    sources = [await add_source(sessions, f"https://s{i}.ma/rss") for i in range(5)]
    async with sessions() as session, session.begin():
        repo = SourceRepository(session)
        for age, source in enumerate(sources):
            row = await repo.get(source.id)
            assert row is not None
            row.next_poll_at = NOW - timedelta(minutes=age)
    until = NOW + timedelta(minutes=1)
    async with sessions() as session, session.begin():
        repo = SourceRepository(session)
        first = await repo.claim_due("a", NOW, until, limit=2)
        rest = await repo.claim_due("b", NOW, until, limit=10)
        renewed = await repo.renew_leases("a", [s.id for s in sources], until)
    assert first == [sources[4].id, sources[3].id]
    assert rest == [sources[2].id, sources[1].id, sources[0].id]
    assert renewed == 2


async def test_source_stats_count_articles(sessions: SessionFactory) -> None:
    source = await add_source(sessions)
    await add_source(sessions, "https://empty.ma/rss")
    async with sessions() as session, session.begin():
        for i in range(3):
            await ArticleRepository(session).add(article(source.id, f"g{i}", f"https://a.ma/{i}"))
    async with sessions() as session:
        stats = await SourceRepository(session).with_stats()
    assert [(s.source.feed_url, s.article_count) for s in stats] == [
        ("https://a.ma/rss", 3),
        ("https://empty.ma/rss", 0),
    ]


async def test_deleting_a_chat_removes_its_subscriptions(sessions: SessionFactory) -> None:
    async with sessions() as session, session.begin():
        await ChatRepository(session).ensure(7, language="fr", now=NOW)
        await SubscriptionRepository(session).add(7, "Retailleau", NOW)
    async with sessions() as session, session.begin():
        chat = await session.get(Chat, 7)
        await session.delete(chat)
    async with sessions() as session:
        assert await SubscriptionRepository(session).for_chat(7) == []
