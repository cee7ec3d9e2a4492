"""The composition root: builds every part from the settings and runs their lifecycle."""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import aiohttp
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.access import AccessPolicy
from bot.alerts.deliver import Deliverer
from bot.alerts.index import SubscriptionIndex
from bot.alerts.index_sync import IndexSync
from bot.alerts.sending import Sender
from bot.clock import Clock, utc_now
from bot.cluster import (
    Heartbeat,
    LongPollingLock,
    Parts,
    SingleProcessLock,
    check_role,
    new_worker_id,
)
from bot.config import ConfigError, Role, Settings, SourceEntry
from bot.fetching import fetch_limits
from bot.matching import QueryLimits
from bot.metrics import Metrics
from bot.ops.server import OpsServer, build_ops_server
from bot.pipeline.poller import Poller
from bot.pipeline.retention import Retention
from bot.services.aliases import AliasService
from bot.services.archive import ArchiveSearch
from bot.services.chats import ChatService
from bot.services.preview import Previewer
from bot.services.search import SearchService
from bot.services.sources import SourceService
from bot.services.stats import StatsService
from bot.services.subscriptions import (
    AlreadySubscribed,
    SubscriptionLimits,
    SubscriptionService,
)
from bot.sources.fetch import Fetcher
from bot.sources.http_session import create_session
from bot.sources.parse_pool import ParsePool
from bot.storage.db import (
    SessionFactory,
    check_schema,
    create_engine,
    migrate,
    session_factory,
)
from bot.storage.sources import SourceRepository
from bot.telegram.dispatcher import create_bot, create_dispatcher, set_commands
from bot.telegram.outbound import Outbound
from bot.telegram.sender import ConsoleSender, TelegramSender
from bot.telegram.services import Services
from bot.telegram.updates import Updates
from bot.topology import Topology
from bot.wiring import build_pipeline

log = logging.getLogger(__name__)

CONSOLE_CHAT_ID = 0
RETENTION_EVERY = 3600.0  # seconds between prunings of old articles


@dataclass(frozen=True, slots=True)
class DryRun:
    """``run --dry-run``: a throwaway database, alerts printed for these queries."""

    queries: Sequence[str]
    extra_sources: Sequence[str] = ()
    out: TextIO = field(default=sys.stdout)


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    http: aiohttp.ClientSession
    index: SubscriptionIndex
    chats: ChatService
    subscriptions: SubscriptionService
    aliases: AliasService
    sources: SourceService
    poller: Poller
    retention: Retention
    deliverer: Deliverer
    scheduler: AsyncIOScheduler
    clock: Clock
    index_sync: IndexSync
    heartbeat: Heartbeat
    metrics: Metrics
    parsers: ParsePool
    topology: Topology
    role: Role = "all"
    bot: Bot | None = None
    dispatcher: Dispatcher | None = None
    dry_run: DryRun | None = None
    single_process: SingleProcessLock | None = None
    ops: OpsServer | None = None
    _updates: Updates | None = None

    @property
    def parts(self) -> Parts:
        return Parts.of(self.role)

    async def start(self) -> None:
        if self.single_process is not None:
            self.single_process.acquire()
        if self.settings.database.migrate_on_start or self.dry_run is not None:
            await migrate(self.engine)
        else:
            await check_schema(self.engine)
        await self.heartbeat.beat(self.clock())
        if not self.topology.shared:
            await self._forget_claims()  # the only process: earlier runs' claims are void
        added = await self.sources.seed(self._seed_entries())
        if added:
            log.info("added %d sources from the config", added)
        if self.dry_run is not None:
            await self._subscribe_console(self.dry_run.queries)
        parts = self.parts
        if self.ops is not None:
            await self.ops.start()
        if parts.poller:
            await self.parsers.start()
        if parts.deliverer:
            await self.deliverer.recover()  # rows left 'sending' by a crash are sent again
        if parts.telegram or parts.poller:
            await self.index_sync.load()
            log.info("%d subscriptions loaded", len(self.index))
        if parts.telegram and self.bot is not None and self.dispatcher is not None:
            me = await self.bot.get_me()
            log.info("connected to Telegram as @%s", me.username)
            try:
                await set_commands(
                    self.bot, self.settings.language, frozenset(self.settings.admins)
                )
            except TelegramAPIError as exc:
                log.warning("could not set the command menu: %s", exc)
            self._updates = Updates(
                self.bot,
                self.dispatcher,
                self.settings.telegram,
                # Sharing the database: one long-polling process, the others on standby.
                polling_lock=LongPollingLock(self.engine) if self.topology.shared else None,
            )
            await self._updates.start()
        if parts.poller:
            await self.poller.prepare()
            self._every(self.settings.polling.tick, self._poll, "poll")
            self._every(RETENTION_EVERY, self.retention.run, "retention")
        elif parts.telegram:  # /test and /subscribe previews use the aliases others add
            self._every(self.settings.polling.tick, self.index_sync.refresh, "index-sync")
        if parts.deliverer:
            self._every(self.settings.delivery.tick, self._drain, "deliver")
        self._every(self.settings.cluster.lease_seconds / 3, self._beat, "heartbeat")
        self.scheduler.start()
        log.info("started: role %s, worker %s", self.role, self.heartbeat.worker_id)

    async def _poll(self) -> None:
        # Subscriptions other processes made before this tick match what it polls. Alone,
        # every change went through this process's own index already.
        if self.topology.shared:
            await self.index_sync.refresh()
        await self.poller.tick()

    async def _beat(self) -> None:
        await self.heartbeat.beat(self.clock())

    async def _forget_claims(self) -> None:
        async with self.sessions() as session, session.begin():
            await SourceRepository(session).release_all_leases()

    def _every(self, seconds: float, job: Callable[[], Awaitable[object]], job_id: str) -> None:
        """Run ``job`` now and then every ``seconds``, never two at once."""
        self.scheduler.add_job(
            job,
            "interval",
            seconds=seconds,
            id=job_id,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )

    async def stop(self) -> None:
        """Stop taking commands and starting jobs, let a send under way finish, close."""
        if self._updates is not None:
            await self._updates.stop()
        if self.scheduler.running:
            self.scheduler.pause()
        await self.poller.close()
        await self.deliverer.close()
        await self.parsers.close()
        if self.scheduler.running:
            # Cancels the job tasks still pending; the drain among them has returned.
            self.scheduler.shutdown(wait=False)
        await self.http.close()
        if self.bot is not None:
            await self.bot.session.close()
        with contextlib.suppress(Exception):  # the database may be what failed
            await self.heartbeat.stop()
        if self.ops is not None:
            await self.ops.stop()
        await self.engine.dispose()
        if self.single_process is not None:
            self.single_process.release()

    async def _drain(self) -> None:
        await self.deliverer.drain(self.clock())

    def wake_delivery(self) -> None:
        wake_delivery(self.scheduler)

    def _seed_entries(self) -> list[SourceEntry]:
        entries = list(self.settings.sources)
        if self.dry_run is not None:
            entries += [SourceEntry.model_validate({"url": u}) for u in self.dry_run.extra_sources]
        return entries

    async def _subscribe_console(self, queries: Sequence[str]) -> None:
        await self.chats.register(CONSOLE_CHAT_ID, title="console", language=None)
        for query in queries:
            with contextlib.suppress(AlreadySubscribed):
                await self.subscriptions.subscribe(CONSOLE_CHAT_ID, query, created_by=None)


def wake_delivery(scheduler: AsyncIOScheduler) -> None:
    """Run the delivery job now (new alerts or notices were committed), if it is scheduled."""
    job = scheduler.get_job("deliver") if scheduler.running else None
    if job is not None:
        job.modify(next_run_time=datetime.now(UTC))


async def build_app(
    settings: Settings,
    *,
    dry_run: DryRun | None = None,
    clock: Clock = utc_now,
    role: Role = "all",
) -> App:
    """Wire every part; nothing runs until ``App.start`` (which runs the ``role``'s parts)."""
    database_url = settings.database.url
    if dry_run is not None:
        scratch = Path(tempfile.mkdtemp(prefix="rasd-dry-run-"))
        database_url = f"sqlite+aiosqlite:///{scratch / 'rasd.sqlite3'}"
    # Alone on SQLite, or one of several processes sharing PostgreSQL: decided here only.
    topology = Topology.of(database_url)
    check_role(role, topology)
    if dry_run is None and settings.token is None:
        raise ConfigError(
            "telegram.token: missing. Set BOT_TOKEN or telegram.token in the config, "
            "or try `run --dry-run`."
        )
    # Each poll under way may hold a connection while it stores; a few more for the rest.
    engine = create_engine(database_url, pool_size=settings.polling.concurrency + 4)
    sessions = session_factory(engine)
    worker_id = new_worker_id()
    metrics = Metrics()
    fetching = fetch_limits(settings.polling)
    http = create_session(fetching)
    fetcher = Fetcher(http, fetching, metrics=metrics)
    # Every parse (polls, /addsource, /selector, OPML imports, dry runs) runs in these worker
    # processes within the budget; they start when first needed (a poller starts them all at
    # once), so a role that never parses never starts one.
    parsers = ParsePool(settings.polling.parse_workers, settings.polling.parse_timeout)
    access = AccessPolicy(
        mode=settings.access, admins=frozenset(settings.admins), allowed=frozenset(settings.allow)
    )
    limits = QueryLimits(settings.matching.max_query_length, settings.matching.max_terms)
    index = SubscriptionIndex(limits)
    chats = ChatService(sessions, access, clock, settings.language)
    matching = settings.matching
    archive = ArchiveSearch(sessions)
    subscriptions = SubscriptionService(
        sessions,
        index,
        SubscriptionLimits(
            per_chat=matching.max_subscriptions_per_chat,
            per_person=matching.max_subscriptions_per_user,
            exempt=frozenset(settings.admins),
        ),
        clock,
        settings.language,
        Previewer.of(sessions, archive, clock, matching),
    )
    aliases = AliasService(sessions, index, clock)
    scheduler = AsyncIOScheduler(timezone=UTC)
    pipeline = build_pipeline(
        sessions,
        fetcher,
        index,
        access,
        settings.polling,
        clock,
        topology=topology,
        parsers=parsers,
        admins=settings.admins,
        language=settings.language,
        zone=settings.zone,
        worker_id=worker_id,
        lease=timedelta(seconds=settings.cluster.lease_seconds),
        metrics=metrics,
        on_alerts=functools.partial(wake_delivery, scheduler),
        alert_everything_new=dry_run is not None,
    )
    sources = pipeline.sources
    # Everything sent to Telegram (alerts, replies, edits, files) is paced by this one
    # Outbound; sharing the database, the global rate is shared with the other processes.
    outbound = Outbound.of(settings.delivery, topology, sessions=sessions, metrics=metrics)
    bot: Bot | None = None
    dispatcher: Dispatcher | None = None
    sender: Sender
    if dry_run is not None:
        sender = ConsoleSender(dry_run.out)
    else:
        assert settings.token is not None
        bot = create_bot(settings.token, settings.telegram.api_base, outbound)
        services = Services(
            chats=chats,
            subscriptions=subscriptions,
            sources=sources,
            aliases=aliases,
            stats=StatsService(sessions),
            archive=archive,
            search=SearchService.of(sessions, archive, index, clock, matching),
            access=access,
            zone=settings.zone,
        )
        dispatcher = create_dispatcher(services, outbound)
        sender = TelegramSender(bot)
    deliverer = Deliverer(
        sessions,
        sender,
        settings.delivery,
        settings.zone,
        outbound=outbound,
        topology=topology,
        worker_id=worker_id,
        lease_seconds=settings.cluster.lease_seconds,
        metrics=metrics,
    )
    return App(
        settings=settings,
        engine=engine,
        sessions=sessions,
        http=http,
        index=index,
        chats=chats,
        subscriptions=subscriptions,
        aliases=aliases,
        sources=sources,
        poller=pipeline.poller,
        retention=Retention(sessions, settings.polling.article_retention_days, clock),
        deliverer=deliverer,
        scheduler=scheduler,
        clock=clock,
        index_sync=IndexSync(sessions, index),
        heartbeat=Heartbeat(sessions, worker_id, role, clock()),
        metrics=metrics,
        role=role,
        ops=build_ops_server(settings.metrics, metrics, sessions, role=role, worker_id=worker_id),
        parsers=parsers,
        bot=bot,
        dispatcher=dispatcher,
        dry_run=dry_run,
        topology=topology,
        single_process=(
            SingleProcessLock(database_url) if topology is Topology.ALONE and not dry_run else None
        ),
    )
