"""Counts for reports (``/stats``, the ops gauges) over sources, articles and the outbox:
read-only, one query each. Callers own the session.

A source's state, first match wins: paused, unhealthy (``unhealthy_since`` set), failing
(errors in a row, not yet unhealthy), never polled (no success and no error yet), else
healthy: the states ``/sources`` shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import pairwise

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.storage.models import Article, OutboxItem, OutboxKind, OutboxStatus, Source


class SourceState(StrEnum):
    HEALTHY = "healthy"
    FAILING = "failing"
    UNHEALTHY = "unhealthy"
    PAUSED = "paused"
    NEVER_POLLED = "never_polled"


@dataclass(frozen=True, slots=True)
class OutboxWindows:
    """Outbox rows queued or sent since two moments, ``hour`` and the earlier ``day``."""

    alerts_queued_hour: int
    alerts_queued_day: int
    alerts_sent_day: int
    sent_hour: int  # every message, alerts and notices
    sent_day: int


class StatsQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _count(self, *where: ColumnElement[bool]) -> int:
        return int(await self.session.scalar(select(func.count()).where(*where)) or 0)

    async def sources_by_state(self) -> dict[SourceState, int]:
        """Sources counted by state, every state present (0 when none has it)."""
        state = case(
            (Source.paused.is_(True), SourceState.PAUSED.value),
            (Source.unhealthy_since.is_not(None), SourceState.UNHEALTHY.value),
            (Source.error_count > 0, SourceState.FAILING.value),
            (Source.last_success_at.is_(None), SourceState.NEVER_POLLED.value),
            else_=SourceState.HEALTHY.value,
        ).label("state")
        rows = await self.session.execute(select(state, func.count()).group_by(state))
        counts = dict.fromkeys(SourceState, 0)
        counts.update({SourceState(name): int(count) for name, count in rows.all()})
        return counts

    async def articles_fetched_since(self, moment: datetime) -> int:
        return await self._count(Article.fetched_at >= moment)

    async def articles_per_span(self, bounds: Sequence[datetime]) -> list[int]:
        """Articles first seen in each ``[bounds[i], bounds[i + 1])``: one pass over the rows
        of the whole window (``ix_articles_fetched_at``)."""
        return await self._per_span(Article.fetched_at, bounds)

    async def alerts_sent_per_span(self, bounds: Sequence[datetime]) -> list[int]:
        """Alerts sent in each ``[bounds[i], bounds[i + 1])``: one pass over the outbox rows
        sent in the window (``sent_at`` is not indexed, see ``bot.services.stats``)."""
        return await self._per_span(
            OutboxItem.sent_at,
            bounds,
            OutboxItem.kind == OutboxKind.ALERT,
            OutboxItem.status == OutboxStatus.SENT,
        )

    async def _per_span(
        self,
        column: InstrumentedAttribute[datetime] | InstrumentedAttribute[datetime | None],
        bounds: Sequence[datetime],
        *where: ColumnElement[bool],
    ) -> list[int]:
        if len(bounds) < 2:
            return []
        spans = pairwise(bounds)
        counts = [func.count().filter(column >= start, column < end) for start, end in spans]
        query = select(*counts).where(column >= bounds[0], column < bounds[-1], *where)
        return [int(count) for count in (await self.session.execute(query)).one()]

    async def articles(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(Article)) or 0)

    async def outbox_windows(self, hour: datetime, day: datetime) -> OutboxWindows:
        """Alerts queued since ``hour`` and ``day``, alerts sent since ``day``, and every
        message sent since each: one pass over the rows created or sent since ``day``."""
        alert, sent = OutboxItem.kind == OutboxKind.ALERT, OutboxItem.status == OutboxStatus.SENT
        row = (
            await self.session.execute(
                select(
                    func.count().filter(alert, OutboxItem.created_at >= hour),
                    func.count().filter(alert, OutboxItem.created_at >= day),
                    func.count().filter(alert, sent, OutboxItem.sent_at >= day),
                    func.count().filter(sent, OutboxItem.sent_at >= hour),
                    func.count().filter(sent, OutboxItem.sent_at >= day),
                ).where((OutboxItem.created_at >= day) | (OutboxItem.sent_at >= day))
            )
        ).one()
        return OutboxWindows(*(int(count) for count in row))

    async def alerts_sent_since(self, moment: datetime) -> list[tuple[datetime, datetime]]:
        """``(created_at, sent_at)`` of every alert sent since ``moment``."""
        rows = await self.session.execute(
            select(OutboxItem.created_at, OutboxItem.sent_at).where(
                OutboxItem.kind == OutboxKind.ALERT,
                OutboxItem.status == OutboxStatus.SENT,
                OutboxItem.sent_at >= moment,
            )
        )
        return [(created_at, sent_at) for created_at, sent_at in rows if sent_at is not None]

    async def outbox_with_status(self, *statuses: OutboxStatus) -> int:
        """Rows in any of ``statuses``: one indexed range each (``ix_outbox_due`` starts with
        the status), rather than one GROUP BY pass over the whole outbox."""
        return await self._count(OutboxItem.status.in_(statuses))

    async def pending_due(self, now: datetime) -> int:
        """Pending rows that may go out at ``now``."""
        return await self._count(
            OutboxItem.status == OutboxStatus.PENDING, OutboxItem.next_attempt_at <= now
        )

    async def pending_held(self, now: datetime) -> int:
        """Pending rows not due at ``now``: digests, quiet hours, retry backoff."""
        return await self._count(
            OutboxItem.status == OutboxStatus.PENDING, OutboxItem.next_attempt_at > now
        )

    async def oldest_due(self, now: datetime) -> datetime | None:
        """The earliest ``next_attempt_at`` of the pending rows due at ``now``."""
        return await self.session.scalar(
            select(func.min(OutboxItem.next_attempt_at)).where(
                OutboxItem.status == OutboxStatus.PENDING, OutboxItem.next_attempt_at <= now
            )
        )
