"""A source's health: failed polls recorded, and the notices when it turns unhealthy and back.

Rules:

- A failed poll (recorded only while ``claims.may_settle``) clears the lease, counts one more
  consecutive error, stores ``kind: reason`` (at most 500 characters) and pushes the next poll
  back (``next_poll_after_error``: exponential backoff, Retry-After, capped). The failure's
  kind is counted in the fetch_errors metric.
- After ``polling.unhealthy_after`` consecutive errors a source is unhealthy
  (``unhealthy_since``) and every admin gets one notice; the first success after that clears
  it with one more notice (``recovered``, inside the success's write). Nothing is sent on the
  errors in between. ``on_notice`` is called once a notice is committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import PollingConfig
from bot.metrics import Metrics
from bot.pipeline.claims import SourceClaims
from bot.pipeline.failures import PollFailure
from bot.pipeline.notices import queue_notice
from bot.pipeline.schedule import next_poll_after_error
from bot.storage.db import SessionFactory
from bot.storage.models import Source
from bot.storage.sources import SourceRepository

__all__ = ["SourceHealth"]

log = logging.getLogger(__name__)


class SourceHealth:
    def __init__(
        self,
        sessions: SessionFactory,
        config: PollingConfig,
        clock: Clock,
        claims: SourceClaims,
        *,
        admins: Sequence[int],
        language: str,
        zone: tzinfo,
        metrics: Metrics | None,
        on_notice: Callable[[], None],
    ) -> None:
        self.sessions = sessions
        self.config = config
        self.clock = clock
        self.claims = claims
        self.admins = tuple(admins)
        self.language = language
        self.zone = zone
        self.metrics = metrics
        self.on_notice = on_notice

    async def failed(self, source_id: int, failure: PollFailure) -> None:
        """Record a failed poll of the source."""
        log.warning("source %d failed: %s", source_id, failure)
        if self.metrics is not None:
            self.metrics.fetch_errors.labels(failure.kind).inc()
        noticed = False
        async with self.sessions() as session, session.begin():
            source = await SourceRepository(session).get_locked(source_id)
            now = self.clock()
            if source is None or not self.claims.may_settle(source, now):
                return
            source.lease_owner = source.lease_until = None
            source.error_count += 1
            source.last_error = str(failure)[:500]
            source.last_polled_at = now
            source.next_poll_at = next_poll_after_error(
                now,
                source.interval_seconds,
                self.config.max_backoff,
                source.error_count,
                retry_after=failure.retry_after,
            )
            if source.unhealthy_since is None and source.error_count >= self.config.unhealthy_after:
                source.unhealthy_since = now
                await queue_notice(
                    session,
                    self.admins,
                    "notice_source_unhealthy",
                    {
                        "id": source.id,
                        "name": source.name,
                        "errors": source.error_count,
                        "error": source.last_error,
                    },
                    now=now,
                    language=self.language,
                )
                noticed = True
        if noticed:
            self.on_notice()

    async def recovered(self, session: AsyncSession, source: Source, now: datetime) -> bool:
        """On a successful poll being written: if the source was unhealthy, queue the recovery
        notice and clear it. Whether a notice was queued (the caller calls ``on_notice`` once
        its transaction is committed)."""
        if source.unhealthy_since is None:
            return False
        await queue_notice(
            session,
            self.admins,
            "notice_source_recovered",
            {"id": source.id, "name": source.name},
            now=now,
            language=self.language,
            dates={"since": source.unhealthy_since},
        )
        source.unhealthy_since = None
        return True
