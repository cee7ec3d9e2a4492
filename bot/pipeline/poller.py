"""Poll due sources: claim them, read each, store what it brought, record its health.

Rules:

- ``tick`` claims due sources for this worker (``SourceClaims``: leases, at most
  ``claim_limit`` in flight) and starts one poll task each; it claims more as polls finish
  while the limit held due sources back, and renews the leases of the polls under way.
  Several pollers (processes, machines) share the sources so; a dead worker's sources are
  polled again once its leases lapse.
- A poll reads its source (``SourceReader``: at most ``polling.concurrency`` read at once;
  waiting for the write is no reading, so a poll leaves its place to the next as it waits to
  be stored), then stores it (``PollWriter``: group commit under ``write_lock``) or records
  its failure (``SourceHealth``: backoff, unhealthy and recovered notices). A source gone or
  paused after its claim has its lease released. A poll that crashes is the source's
  ``internal`` failure. A poll the database cannot take (``STORAGE_FAILURES``: busy past its
  waits, or unreachable) is not the source's failure: nothing of it is stored, its lease is
  released (or lapses), and it is polled again. Nothing a poll raises escapes its task. One
  failing source only pushes back its own next poll.
- ``on_alerts`` is called when alerts or notices were committed, for the deliverer to look.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta, tzinfo

from bot.access import AccessPolicy
from bot.alerts.index import SubscriptionIndex
from bot.alerts.ingest import IngestResult
from bot.alerts.stories import StoryIndex
from bot.alerts.story_sync import load_stories
from bot.clock import Clock
from bot.config import PollingConfig
from bot.metrics import Metrics
from bot.pipeline.claims import SourceClaims
from bot.pipeline.failures import PollErrorKind, PollFailure
from bot.pipeline.health import SourceHealth
from bot.pipeline.reading import PollRead, Prefetched, SourceReader
from bot.pipeline.storing import PollWriter
from bot.sources.fetch import Fetcher
from bot.sources.parse_pool import ParsePool
from bot.storage.db import STORAGE_FAILURES, SessionFactory

__all__ = ["Poller"]

log = logging.getLogger(__name__)


class Poller:
    def __init__(
        self,
        sessions: SessionFactory,
        fetcher: Fetcher,
        index: SubscriptionIndex,
        access: AccessPolicy,
        config: PollingConfig,
        clock: Clock,
        *,
        admins: Sequence[int],
        language: str,
        zone: tzinfo,
        stories: StoryIndex,
        write_lock: asyncio.Lock,
        on_alerts: Callable[[], None],
        alert_everything_new: bool,
        worker_id: str,
        lease: timedelta,
        claim_limit: int | None,
        parsers: ParsePool,
        metrics: Metrics | None,
    ) -> None:
        """``write_lock``: article writes, shared with /addsource. ``alert_everything_new``:
        a dry run alerts a source's first poll and stale articles too, to try queries on what
        feeds hold today. ``claim_limit``: polls held at once (None: every due source)."""
        self.sessions = sessions
        self.fetcher = fetcher
        self.parsers = parsers
        self.config = config
        self.clock = clock
        self.stories = stories
        self.write_lock = write_lock
        self.on_alerts = on_alerts
        self.metrics = metrics
        max_age = None if alert_everything_new else timedelta(hours=config.max_article_age_hours)
        self.claims = SourceClaims(
            sessions, clock, worker_id=worker_id, lease=lease, claim_limit=claim_limit
        )
        self.health = SourceHealth(
            sessions,
            config,
            clock,
            self.claims,
            admins=admins,
            language=language,
            zone=zone,
            metrics=metrics,
            on_notice=on_alerts,
        )
        self.reader = SourceReader(
            sessions,
            fetcher,
            index,
            config,
            clock,
            parsers=parsers,
            zone=zone,
            alert_everything_new=alert_everything_new,
            max_age=max_age,
        )
        self.writer = PollWriter(
            sessions,
            index,
            access,
            config,
            clock,
            self.claims,
            self.health,
            stories=stories,
            write_lock=write_lock,
            max_age=max_age,
            on_notice=on_alerts,
        )
        self._semaphore = asyncio.Semaphore(config.concurrency)
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._closed = asyncio.Event()
        self._claiming = asyncio.Lock()
        self._refill: asyncio.Task[int] | None = None

    async def prepare(self) -> int:
        """Load the story index (the recent articles' title keys) before the first poll, so
        that poll's write transaction does not; returns how many articles it holds."""
        if not self.stories.loaded:
            async with self.sessions() as session:
                await load_stories(session, self.stories, self.clock())
        return len(self.stories)

    async def tick(self) -> int:
        """Claim due sources (up to the limit) and start their polls; returns how many."""
        async with self._claiming:
            if self._closed.is_set():
                return 0
            await self.claims.renew(self._in_flight)
            claimed = await self.claims.claim(self._in_flight)
            if not claimed or self._closed.is_set():  # closed meanwhile: start nothing
                return 0
            ready = await self.reader.prefetch(claimed)
            for source_id in claimed:
                task = asyncio.create_task(
                    self._guarded_poll(source_id, ready.get(source_id)), name=f"poll-{source_id}"
                )
                self._in_flight[source_id] = task
                task.add_done_callback(self._forget)
            return len(claimed)

    def _forget(self, task: asyncio.Task[None]) -> None:
        for source_id, running in list(self._in_flight.items()):
            if running is task:
                del self._in_flight[source_id]
        if self.claims.more_due and not self._closed.is_set() and self._refill is None:
            self._refill = asyncio.create_task(self._claim_more(), name="poll-refill")

    async def _claim_more(self) -> int:
        try:
            return await self.tick()
        except Exception:
            log.exception("claiming due sources failed")
            return 0
        finally:
            self._refill = None

    async def wait_idle(self) -> None:
        """Wait for the polls under way now, and for the ones they make room for when the
        claim limit held due sources back (and for any other poll started meanwhile)."""
        while True:
            running: list[asyncio.Task[object]] = list(self._in_flight.values())
            if self._refill is not None:
                running.append(self._refill)
            if not running:
                return
            await asyncio.gather(*running, return_exceptions=True)
            # A refill that ended during the wait may have started polls: wait for them too.
            started = any(task not in running for task in self._in_flight.values())
            if not self.claims.more_due and self._refill is None and not started:
                return

    async def close(self) -> None:
        """Stop polling; the polls cut off give their sources' leases up, so that another
        worker (or this one restarted) polls them at once, not when the leases lapse."""
        self._closed.set()
        if self._refill is not None:
            self._refill.cancel()
        cut_off = list(self._in_flight)
        for task in self._in_flight.values():
            task.cancel()
        await self.wait_idle()
        for source_id in cut_off:
            await self._settle(source_id, self.claims.release(source_id))

    async def _guarded_poll(self, source_id: int, prefetched: Prefetched | None) -> None:
        started = time.monotonic()
        try:
            await self.poll(source_id, prefetched)
        except STORAGE_FAILURES as exc:
            log.warning(
                "source %d: not stored, the database could not take it (%r); it is polled again",
                source_id,
                exc,
            )
            await self._settle(source_id, self.claims.release(source_id))
        except Exception as exc:
            log.exception("polling source %d crashed", source_id)
            failure = PollFailure(PollErrorKind.INTERNAL, type(exc).__name__)
            await self._settle(source_id, self.health.failed(source_id, failure))
        if self.metrics is not None:
            self.metrics.poll_seconds.observe(time.monotonic() - started)

    async def _settle(self, source_id: int, step: Awaitable[None]) -> None:
        """Record how a poll that raised ended; nothing escapes the poll's task. When the
        database cannot take that either, the source's lease lapses and it is polled again."""
        try:
            await step
        except STORAGE_FAILURES as exc:
            log.warning(
                "source %d: its state was not saved, the database could not take it (%r); "
                "it is polled again once its lease lapses",
                source_id,
                exc,
            )
        except Exception:
            log.exception("recording the end of source %d's poll crashed", source_id)

    async def poll(
        self, source_id: int, prefetched: Prefetched | None = None
    ) -> IngestResult | None:
        """Poll one source; ``prefetched``: its row and stored guids, read at the claim."""
        async with self._semaphore:
            read = await self.reader.read(source_id, prefetched)
        if read is None:
            await self.claims.release(source_id)
            return None
        if isinstance(read, PollFailure):
            await self.health.failed(source_id, read)
            return None
        result = await self.writer.store(read)
        if result is not None:
            self._stored(read, result)
        return result

    def _stored(self, read: PollRead, result: IngestResult) -> None:
        if self.metrics is not None:
            self.metrics.articles_stored.inc(result.new_articles)
            self.metrics.matches.inc(result.queued_alerts)
        if result.new_articles:
            log.info(
                "source %d (%s): %d new articles, %d alerts queued",
                read.source_id,
                read.name,
                result.new_articles,
                result.queued_alerts,
            )
        if result.queued_alerts or result.also_noted:
            self.on_alerts()
