"""Shared fixtures: databases (SQLite always, PostgreSQL when CI started one), fake servers."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import make_url

from bot.sources.fetch import Fetcher
from bot.sources.fetch_limits import FetchLimits
from bot.sources.http_session import create_session
from bot.sources.parse_pool import ParsePool
from bot.storage.db import SessionFactory, create_engine, migrate, session_factory
from tests.support.e2e import TOKEN, Apps
from tests.support.fakes.feed_server import FeedServer
from tests.support.fakes.telegram_api import FakeTelegram
from tests.support.parsing import shared_parsers

POSTGRES_ENV = "RASD_TEST_POSTGRES_URL"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_url" in metafunc.fixturenames:
        backends = ["sqlite"] + (["postgresql"] if os.environ.get(POSTGRES_ENV) else [])
        metafunc.parametrize("backend", backends, scope="function")


@pytest.fixture
async def database_url(backend: str, tmp_path: os.PathLike[str]) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/rasd.sqlite3"
        return
    async with _fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[SessionFactory]:
    """Sessions on a migrated database of the test's backend."""
    engine = create_engine(database_url)
    await migrate(engine)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database, for tests about several processes sharing one."""
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"needs PostgreSQL: set {POSTGRES_ENV} (.ci/run starts a server and sets it)")
    async with _fresh_postgres_database() as url:
        yield url


@contextlib.asynccontextmanager
async def _fresh_postgres_database() -> AsyncIterator[str]:
    import asyncpg  # only needed when PostgreSQL is there

    server = make_url(os.environ[POSTGRES_ENV])
    name = f"rasd_test_{uuid.uuid4().hex[:12]}"
    admin_dsn = server.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
        yield server.set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False
        )
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as fake:
        yield fake


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    async with FeedServer() as server:
        yield server


@pytest.fixture
async def apps() -> AsyncIterator[Apps]:
    started = Apps()
    try:
        yield started
    finally:
        await started.stop_all()


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    """A FeedServer under the name the bot.sources tests use (the same as ``feeds``)."""
    async with FeedServer() as srv:
        yield srv


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    """A real Fetcher that may reach the loopback FeedServer."""
    limits = FetchLimits(allow_private=True, timeout=5.0)
    async with create_session(limits) as http:
        yield Fetcher(http, limits)


@pytest.fixture
def parsers() -> ParsePool:
    """The tests' shared parse pool (``tests.support.parsing``): workers with the default budget."""
    return shared_parsers()
