"""Gauges read from the database: outbox depth by status, sources by state.

The counts are the same for every process on one database, so each process exports the
same values: aggregate them with ``max`` (not ``sum``) across instances.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.metrics import Metrics
from bot.storage.db import SessionFactory
from bot.storage.models import OutboxItem, Source

# Always exported (0 when no row has it), so a dashboard sees every series from the start.
OUTBOX_STATUSES = ("pending", "sending", "sent", "parked", "failed", "dropped")
SOURCE_STATES = ("healthy", "unhealthy", "paused")


class GaugeSampler:
    """Sets ``outbox_depth{status}`` and ``sources{state}`` from one look at the database.

    A source is *paused* when an admin paused it, else *unhealthy* when it is marked so
    (``polling.unhealthy_after`` errors in a row), else *healthy*: the states of ``/sources``.
    """

    def __init__(self, metrics: Metrics, sessions: SessionFactory) -> None:
        self.metrics = metrics
        self.sessions = sessions
        self._statuses: set[str] = set(OUTBOX_STATUSES)

    async def sample(self) -> None:
        """Read both counts in one session; database errors propagate, gauges untouched."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
            )
            outbox = {str(status): int(count) for status, count in rows.all()}
            paused, unhealthy, total = (
                await session.execute(
                    select(
                        func.count().filter(Source.paused.is_(True)),
                        func.count().filter(
                            Source.paused.is_(False), Source.unhealthy_since.is_not(None)
                        ),
                        func.count(),
                    )
                )
            ).one()
        # A status seen once keeps its series, at 0 when its rows are gone.
        self._statuses.update(outbox)
        for status in self._statuses:
            self.metrics.outbox_depth.labels(status=status).set(outbox.get(status, 0))
        states = {
            "healthy": total - paused - unhealthy,
            "unhealthy": unhealthy,
            "paused": paused,
        }
        for state, count in states.items():
            self.metrics.sources.labels(state=state).set(count)
