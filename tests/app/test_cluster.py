"""One database, several processes: what each process refuses, and what it shares.

- SQLite serves one process: a second one on the same file, or a role other than ``all``,
  is refused with a message that says what to do.
- A schema newer than the code is refused; with ``migrate_on_start`` off, so is an old one.
- Subscriptions made through one process reach another's index (``IndexSync``).
- Pollers share the due sources through leases (``Poller.tick``): each source is polled by
  one of them, a live lease holds the others off until it lapses, and a poll whose lease was
  taken over is not stored.
- On PostgreSQL, of several processes started in long-polling mode one takes the Telegram
  updates and the others stand by until it stops.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.__main__ import main
from bot.access import AccessPolicy
from bot.alerts.index import SubscriptionIndex
from bot.alerts.index_sync import IndexSync
from bot.clock import utc_now
from bot.cluster import SingleProcessLock
from bot.config import ConfigError
from bot.matching import Document, QueryLimits
from bot.pipeline.poller import Poller
from bot.services.aliases import AliasService
from bot.services.archive import ArchiveSearch
from bot.services.preview import Previewer
from bot.services.subscriptions import SubscriptionLimits, SubscriptionService
from bot.services.throttle import CommandGate
from bot.storage.chats import ChatRepository
from bot.storage.db import SchemaError, check_schema, create_engine, migrate, session_factory
from bot.storage.models import Article, Source
from bot.storage.subscriptions import SubscriptionRepository
from bot.topology import Topology
from bot.wiring import build_pipeline
from tests.support.e2e import TOKEN, USER, Apps, make_settings, say
from tests.support.fakes.counting_feeds import CountingFeeds
from tests.support.fakes.feed_server import FeedServer
from tests.support.fakes.telegram_api import FakeTelegram
from tests.support.pipeline_world import World, pipeline_world

pytestmark = pytest.mark.alone  # times itself or runs processes: see scripts/test.sh
MIGRATIONS = Path(__file__).parents[2] / "bot" / "storage" / "migrations" / "versions"


@pytest.fixture(autouse=True)
def _keep_logging() -> Iterator[None]:
    """``main`` configures logging for a process; put the test runner's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _config(tmp_path: Path, database: Path, **extra: str) -> Path:
    lines = [f'[telegram]\ntoken = "{TOKEN}"\n', f'[database]\nurl = "sqlite:///{database}"\n']
    lines += [f"{key} = {value}\n" for key, value in extra.items()]
    path = tmp_path / "config.toml"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_a_second_process_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/rasd.sqlite3"
    first = SingleProcessLock(url)
    first.acquire()
    try:
        with pytest.raises(ConfigError, match=r"SQLite serves one Rasd process.*PostgreSQL"):
            SingleProcessLock(url).acquire()
    finally:
        first.release()
    again = SingleProcessLock(url)
    again.acquire()  # free once the first let go
    again.release()


def test_roles_need_postgresql(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, tmp_path / "rasd.sqlite3")
    code = main(["--config", str(config), "run", "--role", "poller"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--role poller needs PostgreSQL" in err
    assert TOKEN not in err
    assert not (tmp_path / "rasd.sqlite3").exists()  # refused before touching anything


async def test_a_schema_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "rasd.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        await migrate(engine)
        await check_schema(engine)  # exactly this code's schema: fine
        with sqlite3.connect(database) as connection:
            connection.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
        with pytest.raises(SchemaError, match="0099_from_the_future, newer than this version"):
            await migrate(engine)
        with pytest.raises(SchemaError, match="newer than this version"):
            await check_schema(engine)
    finally:
        await engine.dispose()
    # The version row is untouched: nothing was downgraded or overwritten.
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0099_from_the_future",)
        ]


def test_migrate_command_refuses_a_newer_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "rasd.sqlite3"
    config = _config(tmp_path, database)
    assert main(["--config", str(config), "migrate"]) == 0
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    assert main(["--config", str(config), "migrate"]) == 2
    assert "newer than this version of Rasd" in capsys.readouterr().err


async def test_without_migrate_on_start_an_old_schema_is_refused(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/rasd.sqlite3")
    try:
        await migrate(engine, "0003")
        head = max(path.name[:4] for path in MIGRATIONS.glob("[0-9]*.py"))
        with pytest.raises(SchemaError, match=f"at revision 0003, this code needs {head}"):
            await check_schema(engine)
    finally:
        await engine.dispose()


async def test_subscriptions_made_elsewhere_reach_this_index(database_url: str) -> None:
    engine_a, engine_b = create_engine(database_url), create_engine(database_url)
    await migrate(engine_a)
    sessions_a, sessions_b = session_factory(engine_a), session_factory(engine_b)
    index_a = SubscriptionIndex(QueryLimits(300, 20))
    index_b = SubscriptionIndex(QueryLimits(300, 20))
    sync_b = IndexSync(sessions_b, index_b)
    now = utc_now
    gate = CommandGate(now, cooldown=0, concurrency=2, wait=5)
    service_a = SubscriptionService(
        sessions_a,
        index_a,
        SubscriptionLimits(per_chat=50, per_person=100, exempt=frozenset()),
        now,
        "en",
        Previewer(sessions_a, ArchiveSearch(sessions_a), now, gate, days=7, seconds=5),
    )
    aliases_a = AliasService(sessions_a, index_a, now)
    doc = Document(title="Le ministre Laftit à Rabat", text="")
    try:
        await sync_b.load()
        async with sessions_a() as session, session.begin():
            await ChatRepository(session).ensure(42, language="en", now=now())
            await ChatRepository(session).ensure(-100500, language="en", now=now())
        made = await service_a.subscribe(42, "Laftit", created_by=42)
        assert index_b.match(doc) == {}
        assert await sync_b.refresh() is True
        assert set(index_b.match(doc)) == {(42, 0)}
        assert await sync_b.refresh() is False  # nothing changed since

        # A group upgraded to a supergroup: the subscription moves, and so does the alert.
        async with sessions_a() as session, session.begin():
            await SubscriptionRepository(session).add(-100500, "Rabat", now())
        await service_a.move_chat(42, -100500)
        await sync_b.refresh()
        assert set(index_b.match(doc)) == {(-100500, 0)}

        # An alias added through A: B recompiles ("العاصمة", the capital, now means Rabat).
        arabic = Document(title="العاصمة تستضيف المنتدى", text="")
        assert index_b.match(arabic) == {}
        await aliases_a.add("Rabat = العاصمة", 1001)
        await sync_b.refresh()
        assert set(index_b.match(arabic)) == {(-100500, 0)}

        await service_a.remove(-100500, made.subscription.id)
        await sync_b.refresh()
        found = index_b.match(doc)
        assert set(found) == {(-100500, 0)}
        assert made.subscription.id not in found[(-100500, 0)].subscription_ids
    finally:
        await engine_a.dispose()
        await engine_b.dispose()


# -- pollers sharing sources ------------------------------------------------------------------

SOURCES = 12


async def _add_sources(world: World, feeds: CountingFeeds, count: int) -> list[int]:
    ids = []
    async with world.sessions() as session, session.begin():
        for number in range(count):
            url = feeds.add(f"/s{number}.xml")
            source = Source(
                url=url,
                feed_url=url,
                name=f"S{number}",
                interval_seconds=600,
                next_poll_at=world.clock(),
                last_success_at=world.clock(),  # polled before: a regular poll, not a baseline
                created_at=world.clock(),
            )
            session.add(source)
            await session.flush()
            ids.append(source.id)
    return ids


@pytest.fixture
async def two_pollers(
    database_url: str, feeds: FeedServer
) -> AsyncIterator[tuple[World, Poller, CountingFeeds]]:
    counting = CountingFeeds(feeds, delay=0.05)
    async with pipeline_world(
        database_url, concurrency=2, worker_id="worker-a", topology=Topology.SHARED
    ) as world:
        engine = create_engine(database_url)
        other = build_pipeline(
            session_factory(engine),
            world.poller.fetcher,
            SubscriptionIndex(QueryLimits(300, 20)),
            AccessPolicy(mode="open", admins=frozenset(), allowed=frozenset()),
            world.config,
            world.clock,
            topology=Topology.SHARED,
            parsers=world.poller.parsers,
            admins=(),
            language="en",
            zone=UTC,
            worker_id="worker-b",
            lease=timedelta(seconds=60),
            metrics=None,
            on_alerts=lambda: None,
            alert_everything_new=False,
        ).poller
        try:
            yield world, other, counting
        finally:
            await other.close()
            await engine.dispose()


async def _articles_by_source(world: World) -> dict[int, int]:
    async with world.sessions() as session:
        rows = await session.execute(
            select(Article.source_id, func.count()).group_by(Article.source_id)
        )
        return {source_id: int(n) for source_id, n in rows.all()}


async def test_two_pollers_poll_each_due_source_once(
    two_pollers: tuple[World, Poller, CountingFeeds],
) -> None:
    world, other, feeds = two_pollers
    ids = await _add_sources(world, feeds, SOURCES)
    started = await asyncio.gather(world.poller.tick(), other.tick())
    limit = world.poller.claims.claim_limit
    assert limit == 4  # twice the concurrency, sharing the database
    assert all(n <= limit for n in started)  # each holds at most its claim limit
    await asyncio.gather(world.poller.wait_idle(), other.wait_idle())
    assert sorted(feeds.requests.values()) == [1] * SOURCES
    assert set(feeds.most_at_once.values()) == {1}
    assert await _articles_by_source(world) == dict.fromkeys(ids, 1)
    async with world.sessions() as session:
        leases = (await session.execute(select(Source.lease_owner, Source.lease_until))).all()
    assert set(leases) == {(None, None)}  # every claim was settled


async def test_a_live_lease_holds_other_pollers_off_until_it_lapses(
    two_pollers: tuple[World, Poller, CountingFeeds],
) -> None:
    world, _, feeds = two_pollers
    [source_id] = await _add_sources(world, feeds, 1)
    lapse = world.clock() + world.poller.claims.lease
    await world.update(Source, source_id, lease_owner="dead-worker", lease_until=lapse)
    assert await world.poller.tick() == 0
    world.clock.advance(world.poller.claims.lease.total_seconds() + 1)
    assert await world.poller.tick() == 1
    await world.poller.wait_idle()
    assert feeds.requests == {"/s0.xml": 1}
    assert (await world.source(source_id)).lease_owner is None


async def test_a_poll_whose_lease_was_taken_over_is_not_stored(
    two_pollers: tuple[World, Poller, CountingFeeds],
) -> None:
    world, _, feeds = two_pollers
    [source_id] = await _add_sources(world, feeds, 1)
    before = await world.source(source_id)
    feeds.gate.clear()  # the feed answers only when the test says
    assert await world.poller.tick() == 1
    await asyncio.wait_for(feeds.arrived.wait(), 5)
    # Meanwhile worker-a's lease lapsed and worker-b took the source over.
    async with world.sessions() as session, session.begin():
        await session.execute(
            update(Source)
            .where(Source.id == source_id)
            .values(lease_owner="worker-b", lease_until=world.clock() + world.poller.claims.lease)
        )
    feeds.gate.set()
    await world.poller.wait_idle()
    after = await world.source(source_id)
    assert await _articles_by_source(world) == {}
    assert after.lease_owner == "worker-b"
    assert after.last_polled_at == before.last_polled_at


async def test_a_stopped_poller_gives_up_the_leases_of_the_polls_it_cut_off(
    two_pollers: tuple[World, Poller, CountingFeeds],
) -> None:
    """A worker stopped mid-poll (a restart) releases the source at once: another worker
    polls it without waiting for the lease to lapse."""
    world, other, feeds = two_pollers
    [source_id] = await _add_sources(world, feeds, 1)
    feeds.gate.clear()  # the poll is under way when the worker stops
    assert await world.poller.tick() == 1
    await asyncio.wait_for(feeds.arrived.wait(), 5)
    await world.poller.close()
    assert (await world.source(source_id)).lease_owner is None
    feeds.gate.set()
    assert await other.tick() == 1
    await other.wait_idle()
    assert (await world.source(source_id)).lease_owner is None


async def test_one_process_long_polls_the_others_stand_by(
    postgres_url: str,
    telegram: FakeTelegram,
    feeds: FeedServer,
    apps: Apps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.telegram.updates")
    settings = make_settings(postgres_url, telegram, feeds)
    first = await apps(settings, role="telegram")
    second = await apps(settings, role="telegram")
    assert first._updates is not None and second._updates is not None
    assert not first._updates.standing_by and second._updates.standing_by
    assert "this one stands by" in caplog.text

    reply = await say(telegram, USER, "/start")
    assert "/subscribe" in reply.text
    polls = len(await telegram.wait_for_call("getUpdates"))
    await telegram.wait_for_call("getUpdates", count=polls + 3)  # a few long polls go by
    assert telegram.get_updates_conflicts == 0  # never two getUpdates at once

    await apps.stop(first)
    reply = await say(telegram, USER, "/help")  # answered once the second took over (<5 s)
    assert "/subscribe" in reply.text
    assert not second._updates.standing_by
    assert "taking over Telegram updates by long polling" in caplog.text
    assert telegram.get_updates_conflicts == 0
