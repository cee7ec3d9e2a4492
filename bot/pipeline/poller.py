"""Poll due sources: fetch, parse, then store new articles and queue alerts.

One failing source only pushes back its own next poll (exponential backoff, capped);
the others go on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

import aiohttp

from bot.access import AccessPolicy
from bot.alerts.index import SubscriptionIndex
from bot.alerts.ingest import IngestResult, ingest
from bot.clock import Clock
from bot.config import PollingConfig
from bot.sources.fetch import FetchError, fetch
from bot.sources.parse import FeedParseError, parse_feed
from bot.sources.resolve import SourceResolveError, resolve_source
from bot.storage.db import SessionFactory
from bot.storage.repositories import SourceRepository

log = logging.getLogger(__name__)


def next_poll_after_error(interval: float, errors: int, cap: float) -> timedelta:
    return timedelta(seconds=min(interval * 2 ** max(errors - 1, 0), max(cap, interval)))


class Poller:
    def __init__(
        self,
        sessions: SessionFactory,
        http: aiohttp.ClientSession,
        index: SubscriptionIndex,
        access: AccessPolicy,
        config: PollingConfig,
        clock: Clock,
        *,
        on_alerts: Callable[[], None] = lambda: None,
        alert_everything_new: bool = False,
    ) -> None:
        self.sessions = sessions
        self.http = http
        self.index = index
        self.access = access
        self.config = config
        self.clock = clock
        self.on_alerts = on_alerts
        # Normally a source's first poll is a silent baseline and stale articles are not
        # alerted; a dry run shows every match, to try queries on what feeds hold today.
        self.alert_everything_new = alert_everything_new
        self._semaphore = asyncio.Semaphore(config.concurrency)
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        # Two sources can carry the same article; writes go one at a time.
        self._write_lock = asyncio.Lock()

    async def tick(self) -> int:
        """Start a poll for every due source not already being polled; returns how many."""
        async with self.sessions() as session:
            due = await SourceRepository(session).due(self.clock(), exclude=self._in_flight)
        for source in due:
            task = asyncio.create_task(self._guarded_poll(source.id), name=f"poll-{source.id}")
            self._in_flight[source.id] = task
            task.add_done_callback(self._forget)
        return len(due)

    def _forget(self, task: asyncio.Task[None]) -> None:
        for source_id, running in list(self._in_flight.items()):
            if running is task:
                del self._in_flight[source_id]

    async def wait_idle(self) -> None:
        """Wait for the polls under way now (not for those started meanwhile)."""
        await asyncio.gather(*list(self._in_flight.values()), return_exceptions=True)

    async def close(self) -> None:
        for task in self._in_flight.values():
            task.cancel()
        await self.wait_idle()

    async def _guarded_poll(self, source_id: int) -> None:
        async with self._semaphore:
            try:
                await self.poll(source_id)
            except Exception as exc:
                log.exception("polling source %d crashed", source_id)
                await self._record_failure(source_id, f"internal error: {type(exc).__name__}")

    async def poll(self, source_id: int) -> IngestResult | None:
        async with self.sessions() as session:
            source = await SourceRepository(session).get(source_id)
        if source is None or source.paused:
            return None
        feed_url = source.feed_url
        try:
            if source.last_success_at is None:
                # A source seeded from the config may name a page: find its feed once.
                resolved = await resolve_source(
                    self.http,
                    source.url,
                    timeout=self.config.fetch_timeout,
                    max_bytes=self.config.max_feed_bytes,
                )
                fetched, feed, feed_url = resolved.fetched, resolved.feed, resolved.feed_url
            else:
                fetched = await fetch(
                    self.http,
                    source.feed_url,
                    etag=source.etag,
                    last_modified=source.last_modified,
                    timeout=self.config.fetch_timeout,
                    max_bytes=self.config.max_feed_bytes,
                )
                feed = None
                if not fetched.not_modified:
                    feed = await asyncio.to_thread(
                        parse_feed, fetched.body, base_url=fetched.url, charset=fetched.charset
                    )
        except (FetchError, FeedParseError, SourceResolveError) as exc:
            await self._record_failure(source_id, str(exc))
            return None
        if feed_url != source.feed_url:
            async with self.sessions() as session:
                twin = await SourceRepository(session).by_feed_url(feed_url)
            if twin is not None:
                await self._record_failure(source_id, f"same feed as source #{twin.id}")
                return None
        async with self._write_lock, self.sessions() as session, session.begin():
            source_row = await SourceRepository(session).get(source_id)
            if source_row is None:
                return None
            now = self.clock()
            result = IngestResult(0, 0)
            if feed is not None:
                result = await ingest(
                    session,
                    source_id=source_id,
                    entries=feed.entries,
                    index=self.index,
                    access=self.access,
                    now=now,
                    alert=source_row.last_success_at is not None or self.alert_everything_new,
                    max_age=None
                    if self.alert_everything_new
                    else timedelta(hours=self.config.max_article_age_hours),
                )
                source_row.feed_url = feed_url
            source_row.polled_ok(now, fetched.etag, fetched.last_modified)
        if result.new_articles:
            log.info(
                "source %d (%s): %d new articles, %d alerts queued",
                source_id,
                source.name,
                result.new_articles,
                result.queued_alerts,
            )
        if result.queued_alerts:
            self.on_alerts()
        return result

    async def _record_failure(self, source_id: int, reason: str) -> None:
        log.warning("source %d failed: %s", source_id, reason)
        async with self.sessions() as session, session.begin():
            source = await SourceRepository(session).get(source_id)
            if source is None:
                return
            now = self.clock()
            source.error_count += 1
            source.last_error = reason[:500]
            source.last_polled_at = now
            source.next_poll_at = now + next_poll_after_error(
                source.interval_seconds, source.error_count, self.config.max_backoff
            )
