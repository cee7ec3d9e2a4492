"""Gauges read from the database: outbox depth by status, sources by state.

The counts are the same for every process on one database, so each process exports the
same values: aggregate them with ``max`` (not ``sum``) across instances.
"""

from __future__ import annotations

from bot.metrics import Metrics
from bot.storage.db import SessionFactory
from bot.storage.models import OutboxStatus
from bot.storage.outbox import OutboxRepository
from bot.storage.stats import SourceState, StatsQueries

# Always exported (0 when no row has it), so a dashboard sees every series from the start.
OUTBOX_STATUSES = (
    OutboxStatus.PENDING,
    OutboxStatus.SENDING,
    OutboxStatus.SENT,
    OutboxStatus.PARKED,
    OutboxStatus.FAILED,
    OutboxStatus.DROPPED,
)
# The gauge's states: every state of ``/stats`` that is neither paused nor unhealthy is healthy.
GAUGED_STATES = (SourceState.HEALTHY, SourceState.UNHEALTHY, SourceState.PAUSED)


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
            outbox = await OutboxRepository(session).status_counts()
            sources = await StatsQueries(session).sources_by_state()
        # A status seen once keeps its series, at 0 when its rows are gone.
        self._statuses.update(outbox)
        for status in self._statuses:
            self.metrics.outbox_depth.labels(status=status).set(outbox.get(status, 0))
        states = dict.fromkeys(GAUGED_STATES, 0)
        for state, count in sources.items():
            states[state if state in GAUGED_STATES else SourceState.HEALTHY] += count
        for state, count in states.items():
            self.metrics.sources.labels(state=state.value).set(count)
