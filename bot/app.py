"""The composition root: builds every part from the settings and runs their lifecycle."""

from __future__ import annotations

import asyncio
import contextlib
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
from bot.alerts.deliver import Deliverer, Sender
from bot.alerts.index import SubscriptionIndex
from bot.alerts.stories import StoryIndex
from bot.clock import Clock, utc_now
from bot.config import ConfigError, Settings, SourceEntry
from bot.fetching import fetch_limits
from bot.matching import QueryLimits
from bot.pipeline.poller import Poller
from bot.pipeline.retention import Retention
from bot.services.aliases import AliasService
from bot.services.chats import ChatService
from bot.services.sources import SourceService
from bot.services.subscriptions import AlreadySubscribed, SubscriptionService
from bot.sources.fetch import Fetcher, create_session
from bot.storage.db import SessionFactory, create_engine, migrate, session_factory
from bot.telegram.dispatcher import create_bot, create_dispatcher, set_commands
from bot.telegram.sender import ConsoleSender, TelegramSender
from bot.telegram.updates import Updates

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
    bot: Bot | None = None
    dispatcher: Dispatcher | None = None
    dry_run: DryRun | None = None
    _updates: Updates | None = None

    async def start(self) -> None:
        await migrate(self.engine)
        added = await self.sources.seed(self._seed_entries())
        if added:
            log.info("added %d sources from the config", added)
        if self.dry_run is not None:
            await self._subscribe_console(self.dry_run.queries)
        await self.deliverer.recover()  # rows left 'sending' by a crash are sent again
        await self.aliases.load()
        await self.subscriptions.load_index()
        log.info("%d subscriptions loaded", len(self.index))
        if self.bot is not None and self.dispatcher is not None:
            me = await self.bot.get_me()
            log.info("connected to Telegram as @%s", me.username)
            try:
                await set_commands(
                    self.bot, self.settings.language, frozenset(self.settings.admins)
                )
            except TelegramAPIError as exc:
                log.warning("could not set the command menu: %s", exc)
            self._updates = Updates(self.bot, self.dispatcher, self.settings.telegram)
            await self._updates.start()
        self._every(self.settings.polling.tick, self.poller.tick, "poll")
        self._every(RETENTION_EVERY, self.retention.run, "retention")
        self._every(self.settings.delivery.tick, self._drain, "deliver")
        self.scheduler.start()

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
        if self.scheduler.running:
            # Cancels the job tasks still pending; the drain among them has returned.
            self.scheduler.shutdown(wait=False)
        await self.http.close()
        if self.bot is not None:
            await self.bot.session.close()
        await self.engine.dispose()

    async def _drain(self) -> None:
        await self.deliverer.drain(self.clock())

    def wake_delivery(self) -> None:
        job = self.scheduler.get_job("deliver") if self.scheduler.running else None
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    def _seed_entries(self) -> list[SourceEntry]:
        entries = list(self.settings.sources)
        if self.dry_run is not None:
            entries += [SourceEntry.model_validate({"url": u}) for u in self.dry_run.extra_sources]
        return entries

    async def _subscribe_console(self, queries: Sequence[str]) -> None:
        await self.chats.register(CONSOLE_CHAT_ID, title="console", language=None)
        for query in queries:
            with contextlib.suppress(AlreadySubscribed):
                await self.subscriptions.subscribe(CONSOLE_CHAT_ID, query)


async def build_app(
    settings: Settings,
    *,
    dry_run: DryRun | None = None,
    clock: Clock = utc_now,
) -> App:
    """Wire every part; nothing runs until ``App.start``."""
    database_url = settings.database.url
    if dry_run is not None:
        scratch = Path(tempfile.mkdtemp(prefix="rasd-dry-run-"))
        database_url = f"sqlite+aiosqlite:///{scratch / 'rasd.sqlite3'}"
    elif settings.token is None:
        raise ConfigError(
            "telegram.token: missing. Set BOT_TOKEN or telegram.token in the config, "
            "or try `run --dry-run`."
        )
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    fetching = fetch_limits(settings.polling)
    http = create_session(fetching)
    fetcher = Fetcher(http, fetching)
    stories = StoryIndex(timedelta(hours=settings.polling.story_window_hours))
    write_lock = asyncio.Lock()  # article writes: the poller and /addsource, one at a time
    access = AccessPolicy(
        mode=settings.access, admins=frozenset(settings.admins), allowed=frozenset(settings.allow)
    )
    limits = QueryLimits(settings.matching.max_query_length, settings.matching.max_terms)
    index = SubscriptionIndex(limits)
    chats = ChatService(sessions, access, clock, settings.language)
    subscriptions = SubscriptionService(
        sessions,
        index,
        settings.matching.max_subscriptions_per_chat,
        clock,
        settings.language,
        preview_days=settings.matching.test_days,
    )
    aliases = AliasService(sessions, index, clock)
    sources = SourceService(
        sessions,
        fetcher,
        index,
        access,
        settings.polling,
        clock,
        stories=stories,
        write_lock=write_lock,
        zone=settings.zone,
    )
    bot: Bot | None = None
    dispatcher: Dispatcher | None = None
    sender: Sender
    if dry_run is not None:
        sender = ConsoleSender(dry_run.out)
    else:
        assert settings.token is not None
        bot = create_bot(settings.token, settings.telegram.api_base)
        dispatcher = create_dispatcher(
            chats,
            access,
            subscriptions=subscriptions,
            sources=sources,
            aliases=aliases,
            zone=settings.zone,
        )
        sender = TelegramSender(bot)
    deliverer = Deliverer(sessions, sender, settings.delivery, settings.zone)
    scheduler = AsyncIOScheduler(timezone=UTC)
    app = App(
        settings=settings,
        engine=engine,
        sessions=sessions,
        http=http,
        index=index,
        chats=chats,
        subscriptions=subscriptions,
        aliases=aliases,
        sources=sources,
        poller=Poller(
            sessions,
            fetcher,
            index,
            access,
            settings.polling,
            clock,
            admins=settings.admins,
            language=settings.language,
            zone=settings.zone,
            stories=stories,
            write_lock=write_lock,
            alert_everything_new=dry_run is not None,
        ),
        retention=Retention(sessions, settings.polling.article_retention_days, clock),
        deliverer=deliverer,
        scheduler=scheduler,
        clock=clock,
        bot=bot,
        dispatcher=dispatcher,
        dry_run=dry_run,
    )
    app.poller.on_alerts = app.wake_delivery
    return app
