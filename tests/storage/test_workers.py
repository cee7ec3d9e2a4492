"""The storage pieces processes share: heartbeat rows (``WorkerRepository``), the advisory lock
one long-polling process holds (PostgreSQL), the database URL checks and the health ping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cluster import LongPollingLock
from bot.storage.db import SessionFactory, create_engine, is_sqlite, ping, sqlite_file
from bot.storage.workers import WorkerRepository

NOW = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


async def _beat(sessions: SessionFactory, worker_id: str, role: str, now: datetime) -> None:
    async with sessions() as session, session.begin():
        await WorkerRepository(session).seen(
            worker_id, role=role, host="h", pid=1, started_at=NOW - MINUTE, now=now
        )


async def test_heartbeats_are_counted_by_role_and_old_ones_forgotten(
    sessions: SessionFactory,
) -> None:
    async with sessions() as session:
        assert not await WorkerRepository(session).any_recorded()
    await _beat(sessions, "a", "poller", NOW - 10 * MINUTE)
    await _beat(sessions, "a", "poller", NOW)  # the same row, seen again
    await _beat(sessions, "b", "poller", NOW - MINUTE)
    await _beat(sessions, "c", "deliverer", NOW - 5 * MINUTE)
    async with sessions() as session:
        workers = WorkerRepository(session)
        assert await workers.any_recorded()
        assert await workers.alive_by_role(NOW - 2 * MINUTE) == {"poller": 2}
        assert await workers.alive_by_role(NOW - 5 * MINUTE) == {"deliverer": 1, "poller": 2}
    async with sessions() as session, session.begin():
        workers = WorkerRepository(session)
        await workers.forget_unseen_since(NOW - 2 * MINUTE)
        await workers.remove("b")
    async with sessions() as session:
        assert await WorkerRepository(session).alive_by_role(NOW - 60 * MINUTE) == {"poller": 1}


async def test_the_database_answers_a_ping(sessions: SessionFactory) -> None:
    await ping(sessions)


def test_sqlite_urls_name_their_file(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/rasd.sqlite3"
    assert is_sqlite(url)
    assert sqlite_file(url) == tmp_path / "rasd.sqlite3"
    assert sqlite_file("sqlite+aiosqlite:///:memory:") is None
    postgres = "postgresql+asyncpg://rasd@db/rasd"
    assert not is_sqlite(postgres)
    assert sqlite_file(postgres) is None


async def test_one_process_holds_the_long_polling_lock_until_it_releases_it(
    postgres_url: str,
) -> None:
    engines = [create_engine(postgres_url), create_engine(postgres_url)]
    first, second = (LongPollingLock(engine) for engine in engines)
    try:
        assert await first.try_acquire()
        assert first.held
        assert await first.try_acquire()  # already its own
        assert not await second.try_acquire()
        assert not second.held
        await first.release()
        assert not first.held
        assert await second.try_acquire()
        await second.release()
    finally:
        for engine in engines:
            await engine.dispose()
