"""A poller, its services and a real database for pipeline tests.

The pieces are the real ones, wired by the application's own ``build_pipeline`` (storage,
Fetcher over loopback, SubscriptionIndex, Poller, SourceService sharing the write lock and
the story index); only the clock is a settable one, so scheduling can be checked exactly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.access import AccessPolicy
from bot.alerts.index import SubscriptionIndex
from bot.config import PollingConfig
from bot.matching import QueryLimits
from bot.metrics import Metrics
from bot.pipeline.poller import Poller
from bot.services.sources import SourceService
from bot.sources.fetch import Fetcher
from bot.sources.fetch_limits import FetchLimits
from bot.sources.http_session import create_session
from bot.sources.parse_pool import ParsePool
from bot.storage.chats import ChatRepository
from bot.storage.db import SessionFactory, create_engine, migrate, session_factory
from bot.storage.models import Article, OutboxItem, Source, Subscription
from bot.storage.subscriptions import SubscriptionRepository
from bot.topology import Topology
from bot.wiring import build_pipeline
from tests.support.parsing import shared_parsers

ADMINS = (1001, 1002)


class ManualClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass
class World:
    sessions: SessionFactory
    clock: ManualClock
    index: SubscriptionIndex
    poller: Poller
    sources: SourceService
    config: PollingConfig

    async def subscribe(
        self,
        chat_id: int,
        query: str,
        *,
        thread_id: int = 0,
        muted_until: datetime | None = None,
        created_at: datetime | None = None,
    ) -> int:
        async with self.sessions() as session, session.begin():
            await ChatRepository(session).ensure(chat_id, language="en", now=self.clock())
            subscription = await SubscriptionRepository(session).add(
                chat_id, query, created_at or self.clock()
            )
            subscription.thread_id = thread_id
            subscription.muted_until = muted_until
            subscription_id = subscription.id
        self.index.add(subscription_id, chat_id, query, thread_id)
        return subscription_id

    async def rows(self, kind: str = "alert") -> list[OutboxItem]:
        async with self.sessions() as session:
            found = await session.scalars(
                select(OutboxItem).where(OutboxItem.kind == kind).order_by(OutboxItem.id)
            )
            return list(found)

    async def articles(self) -> list[Article]:
        async with self.sessions() as session:
            return list(await session.scalars(select(Article).order_by(Article.id)))

    async def source(self, source_id: int) -> Source:
        async with self.sessions() as session:
            source = await session.get(Source, source_id)
        assert source is not None
        return source

    async def update(self, model: type[Any], row_id: int, **values: Any) -> None:
        async with self.sessions() as session, session.begin():
            row = await session.get(model, row_id)
            assert row is not None
            for name, value in values.items():
                setattr(row, name, value)

    async def subscription(self, subscription_id: int) -> Subscription:
        async with self.sessions() as session:
            row = await session.get(Subscription, subscription_id)
        assert row is not None
        return row


@asynccontextmanager
async def pipeline_world(
    database_url: str,
    admins: Sequence[int] = ADMINS,
    parsers: ParsePool | None = None,
    *,
    worker_id: str = "local",
    topology: Topology = Topology.ALONE,
    metrics: Metrics | None = None,
    **polling: Any,
) -> AsyncIterator[World]:
    """A poller and a source service on a migrated database, built by ``build_pipeline`` as
    the application builds them; ``parsers``: their parse pool (by default the tests' shared
    one, ``tests.support.parsing``). The poller is alone on the database (every due source) unless
    ``topology`` says it shares it; alerts wake nothing."""
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = session_factory(engine)
    values: dict[str, Any] = {
        "min_interval": 1,
        "default_interval": 600,
        "fetch_timeout": 3,
        "allow_private_addresses": True,
        "unhealthy_after": 3,
    }
    values.update(polling)
    config = PollingConfig.model_validate(values)
    limits = FetchLimits(timeout=3, connect_timeout=3, allow_private=True)
    http = create_session(limits)
    fetcher = Fetcher(http, limits)
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    index = SubscriptionIndex(QueryLimits(300, 20))
    access = AccessPolicy(mode="open", admins=frozenset(admins), allowed=frozenset())
    pipeline = build_pipeline(
        sessions,
        fetcher,
        index,
        access,
        config,
        clock,
        topology=topology,
        parsers=parsers or shared_parsers(),
        admins=admins,
        language="en",
        zone=UTC,
        worker_id=worker_id,
        lease=timedelta(seconds=60),
        metrics=metrics,
        on_alerts=lambda: None,
        alert_everything_new=False,
    )
    poller, sources = pipeline.poller, pipeline.sources
    try:
        yield World(sessions, clock, index, poller, sources, config)
    finally:
        await poller.close()
        await http.close()
        await engine.dispose()
