"""Engine, sessions and schema migrations."""

from __future__ import annotations

import asyncio
import weakref
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
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
# pg_advisory_xact_lock key: processes starting together migrate one at a time.
_MIGRATION_LOCK = 0x52415344  # "RASD"
# A crowd of commands queues for the database rather than failing: seconds a session waits
# for a pooled connection, and milliseconds an SQLite writer waits for the write lock.
POOL_WAIT = 60.0
SQLITE_BUSY_MS = 30_000
# What a command meets when the database could not take it (its transaction rolled back):
# overloaded, locked past the waits above, or unreachable.
STORAGE_FAILURES: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeout)
# What a write meets when a constraint refuses it, such as a unique key another transaction
# took first (its transaction rolled back).
CONSTRAINT_VIOLATIONS: tuple[type[Exception], ...] = (IntegrityError,)


class SchemaError(Exception):
    """The database schema does not fit this code (newer, or not migrated)."""


class MigrationError(SchemaError):
    """A migration would leave rows pointing at rows that do not exist; it was rolled back."""


# On SQLite, this process's writers take turns here, first come first served, before they
# ask SQLite for its write lock. SQLite's own wait retries every 100 ms or so, and a steady
# stream of other writers (the poller's group commits, the deliverer's claims) can go first
# each time: a person's one small write then waited seconds behind them.
_TURNSTILES: weakref.WeakKeyDictionary[Engine, asyncio.Lock] = weakref.WeakKeyDictionary()


class Session(AsyncSession):
    """``async with session.begin()`` declares a transaction that writes; reads use the
    session without it. On SQLite only the former take the write lock (see ``_begin``), in
    turn with the process's other writers."""

    def begin(self) -> AsyncSessionTransaction:
        sync = self.sync_session
        sync.execution_options = sync.execution_options.union({_WRITES: True})
        bind = self.bind
        turnstile = _TURNSTILES.get(bind.sync_engine) if isinstance(bind, AsyncEngine) else None
        return _WriteTransaction(self, turnstile)


class _WriteTransaction(AsyncSessionTransaction):
    """A writing transaction that first waits for its turn (at most ``SQLITE_BUSY_MS``, as
    SQLite itself would) when its engine has a turnstile."""

    def __init__(self, session: AsyncSession, turnstile: asyncio.Lock | None) -> None:
        super().__init__(session)
        self.turnstile = turnstile
        self._holding = False

    async def __aenter__(self) -> AsyncSessionTransaction:
        if self.turnstile is not None:
            try:
                async with asyncio.timeout(SQLITE_BUSY_MS / 1000):
                    await self.turnstile.acquire()
            except TimeoutError:
                raise OperationalError(
                    "BEGIN IMMEDIATE", None, TimeoutError("database is locked")
                ) from None
            self._holding = True
        try:
            return await super().__aenter__()
        except BaseException:
            self._leave()
            raise

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        try:
            await super().__aexit__(type_, value, traceback)
        finally:
            self._leave()

    def _leave(self) -> None:
        if self._holding and self.turnstile is not None:
            self._holding = False
            self.turnstile.release()


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
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()


def _begin(connection: Connection) -> None:
    """A writing transaction takes SQLite's write lock when it starts: a deferred one that
    reads then writes fails at once ("database is locked") if another wrote meanwhile, while
    BEGIN IMMEDIATE waits its turn (busy_timeout). A reading one stays deferred, so reads
    never queue behind writers (WAL gives them a consistent snapshot)."""
    writes = connection.get_execution_options().get(_WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def sqlite_file(database_url: str) -> Path | None:
    """The SQLite database's file; None for another database or one in memory."""
    parsed = make_url(database_url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)


def create_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    """``pool_size``: PostgreSQL connections kept open (10 more may open at busy moments);
    the application passes what its concurrent polls need, so none is opened per poll. A
    session finding every connection taken waits up to ``POOL_WAIT`` for one."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, pool_size=20, max_overflow=20, pool_timeout=POOL_WAIT)
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        event.listen(engine.sync_engine, "begin", _begin)
        _TURNSTILES[engine.sync_engine] = asyncio.Lock()
        return engine
    return create_async_engine(
        url, pool_pre_ping=True, pool_size=pool_size, max_overflow=10, pool_timeout=POOL_WAIT
    )


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=Session, expire_on_commit=False)


async def ping(sessions: SessionFactory) -> None:
    """Ask the database the simplest question (``SELECT 1``); raises whatever the driver
    raises when it cannot answer."""
    async with sessions() as session:
        await session.execute(text("SELECT 1"))


def _alembic_config(connection: Connection) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _code_revisions() -> tuple[str, set[str]]:
    """This code's head revision and every revision it knows."""
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head, {revision.revision for revision in script.walk_revisions()}


def _check(connection: Connection, *, behind_ok: bool) -> None:
    current = MigrationContext.configure(connection).get_current_revision()
    head, known = _code_revisions()
    if current is not None and current not in known:
        raise SchemaError(
            f"the database schema is at revision {current}, newer than this version of Rasd "
            f"(which knows up to {head}). Run the newer Rasd, or restore a backup taken "
            "before the upgrade; this code will not touch it."
        )
    if current != head and not behind_ok:
        raise SchemaError(
            f"the database schema is at revision {current or 'none'}, this code needs {head}: "
            "run `python -m bot migrate` first."
        )


def _sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    """Switch SQLite's foreign keys for this connection, on its DBAPI connection: through
    SQLAlchemy the PRAGMA would begin a transaction first, and inside one SQLite ignores it."""
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
        cursor.execute("PRAGMA foreign_keys")
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None or bool(row[0]) != on:
        raise RuntimeError(f"SQLite did not switch foreign keys {'on' if on else 'off'}")


def _sqlite_foreign_key_check(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        shown = "; ".join(f"{row[0]} row {row[1]} → {row[2]}" for row in broken[:5])
        raise MigrationError(
            f"the migration would leave {len(broken)} row(s) pointing at rows that do not "
            f"exist ({shown}); it was rolled back and the database is unchanged"
        )


def _upgrade(connection: Connection, revision: str) -> None:
    with connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
        _check(connection, behind_ok=True)
        before = MigrationContext.configure(connection).get_current_revision()
        command.upgrade(_alembic_config(connection), revision)
        after = MigrationContext.configure(connection).get_current_revision()
        if connection.dialect.name == "sqlite" and after != before:
            _sqlite_foreign_key_check(connection)


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to ``revision``; safe to run on every start, and from several
    processes at once (they take turns). Refuses a schema newer than this code.

    On SQLite the migration runs with foreign keys off: a migration that rebuilds a table
    (Alembic's batch mode) drops it, and with them on the drop would delete every row
    pointing at it, in cascade. Before the commit ``PRAGMA foreign_key_check`` must find no
    broken reference (MigrationError, rolled back, otherwise); the connection gets its
    foreign keys back before it returns to the pool."""

    def upgrade(connection: Connection) -> None:
        if connection.dialect.name != "sqlite":
            _upgrade(connection, revision)
            return
        _sqlite_foreign_keys(connection, on=False)  # before BEGIN: ignored inside one
        try:
            _upgrade(connection, revision)
        finally:
            try:
                _sqlite_foreign_keys(connection, on=True)
            except Exception:
                connection.invalidate()  # never back to the pool with foreign keys off
                raise

    async with engine.execution_options(**{_WRITES: True}).connect() as connection:
        await connection.run_sync(upgrade)


async def check_schema(engine: AsyncEngine) -> None:
    """Raise SchemaError unless the schema is exactly this code's (no migration run)."""
    async with engine.connect() as connection:
        await connection.run_sync(lambda sync: _check(sync, behind_ok=False))
