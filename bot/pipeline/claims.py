"""Leases on sources: which worker polls which due source.

Rules:

- ``claim`` leases due sources to this worker (``sources.lease_owner``/``lease_until``,
  ``FOR UPDATE SKIP LOCKED`` on PostgreSQL) for ``lease``, most overdue first, leaving out
  the ones it polls already; with a ``claim_limit``, only as many as make up the polls under
  way to the limit (None: every due source). ``more_due`` says the last claim was cut short
  by the limit, so more may be claimed as polls finish.
- ``renew`` extends the leases of the polls under way, at most every third of ``lease``.
- A poll's result may be recorded (``may_settle``) only while no other worker holds a live
  lease on its source: this worker's, none, or a lapsed one. A worker whose lease lapsed
  (stalled, cut off) thus never records over the one that took the source over.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.storage.db import SessionFactory
from bot.storage.models import Source
from bot.storage.sources import SourceRepository

__all__ = ["SourceClaims"]

log = logging.getLogger(__name__)


class SourceClaims:
    def __init__(
        self,
        sessions: SessionFactory,
        clock: Clock,
        *,
        worker_id: str,
        lease: timedelta,
        claim_limit: int | None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.worker_id = worker_id
        self.lease = lease
        # Polls this worker may hold at once (None: every due source). With other pollers
        # around, claiming only what it can soon poll leaves the rest to them.
        self.claim_limit = claim_limit
        self.more_due = False  # the last claim was cut by claim_limit
        self._renewed_at: datetime | None = None

    async def claim(self, busy: Collection[int]) -> list[int]:
        """Lease due sources to this worker, besides ``busy`` (the ones it polls now)."""
        room = None
        if self.claim_limit is not None:
            room = self.claim_limit - len(busy)
            if room <= 0:
                self.more_due = True
                return []
        now = self.clock()
        async with self.sessions() as session, session.begin():
            claimed = await SourceRepository(session).claim_due(
                self.worker_id, now, now + self.lease, limit=room, exclude=busy
            )
        self.more_due = room is not None and len(claimed) >= room
        return claimed

    async def renew(self, busy: Collection[int]) -> None:
        """Extend the leases of ``busy``, every third of the lease."""
        now = self.clock()
        if self._renewed_at is not None and now - self._renewed_at < self.lease / 3:
            return
        self._renewed_at = now
        if busy:
            async with self.sessions() as session, session.begin():
                await SourceRepository(session).renew_leases(self.worker_id, busy, now + self.lease)

    async def release(self, source_id: int) -> None:
        """Give the source's lease up (when this worker holds it), recording nothing."""
        async with self.sessions() as session, session.begin():
            await SourceRepository(session).release_lease(source_id, self.worker_id)

    def may_settle(self, source: Source, now: datetime) -> bool:
        """Whether this worker may record a poll of the source: no other worker holds a live
        lease on it (ours, none, or one that lapsed)."""
        if source.lease_owner in (None, self.worker_id):
            return True
        if source.lease_until is not None and source.lease_until < now:
            return True
        log.warning(
            "source %d: lease taken over by %s; this poll's result is dropped",
            source.id,
            source.lease_owner,
        )
        return False
