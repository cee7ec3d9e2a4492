"""Engine, sessions and schema migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    AsyncSessionTransaction,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).parent / "migrations"
# Execution option marking a connection whose transaction will write.
_WRITES = "rasd_writes"


class Session(AsyncSession):
    """``async with session.begin()`` declares a transaction that writes; reads use the
    session without it. On SQLite only the former take the write lock (see ``_begin``)."""

    def begin(self) -> AsyncSessionTransaction:
        sync = self.sync_session
        sync.execution_options = sync.execution_options.union({_WRITES: True})
        return super().begin()


SessionFactory = async_sessionmaker[Session]


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own BEGIN is deferred; we emit BEGIN IMMEDIATE ourselves (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL still survives a killed process (only an OS crash or power cut can
    # lose the last commits, never corrupt the file) and spares an fsync on every commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _begin(connection: Connection) -> None:
    """A writing transaction takes SQLite's write lock when it starts: a deferred one that
    reads then writes fails at once ("database is locked") if another wrote meanwhile, while
    BEGIN IMMEDIATE waits its turn (busy_timeout). A reading one stays deferred, so reads
    never queue behind writers (WAL gives them a consistent snapshot)."""
    writes = connection.get_execution_options().get(_WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def create_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, pool_size=20, max_overflow=20)
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        event.listen(engine.sync_engine, "begin", _begin)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=Session, expire_on_commit=False)


def _alembic_config(connection: Connection) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to ``revision``; safe to run on every start."""

    def upgrade(connection: Connection) -> None:
        command.upgrade(_alembic_config(connection), revision)

    async with engine.execution_options(**{_WRITES: True}).begin() as connection:
        await connection.run_sync(upgrade)
