"""Figures for admins (``/stats``): users, sources, articles and alerts, delivery, processes.

Each figure is a COUNT (the queries are in ``bot.storage``); the delivery lag percentiles
are computed here over the last hour's sent alerts. Costs: chats, subscriptions, sources and
workers are small tables; articles per hour and day, pending rows (due, held, the oldest
due) and rows per status use indexes; the "in all" counts grow with the tables (bounded by
the article retention); the outbox's last day (queued, sent) and the lag sample select on
``created_at`` and ``sent_at``, which are not indexed yet: one pass over the outbox each
until they are.

Definitions:
- a chat is *unreachable* when ``blocked`` (Telegram said the bot was blocked or removed),
  else *paused*, else *active*; groups count groups and supergroups;
- a subscription is *muted* while ``muted_until`` is in the future;
- a source's state is the one ``/sources`` shows (``bot.storage.stats.SourceState``), first
  match wins: paused, unhealthy (``unhealthy_since`` set), failing (errors in a row, not
  yet unhealthy), never polled (no success and no error yet), else healthy;
- an alert is *queued* when its outbox row (kind ``alert``) is created, *sent* at ``sent_at``;
- the *oldest due* age is ``now - next_attempt_at`` of the oldest pending row that is due:
  how long it has waited since it could have gone out. ``created_at`` would also count
  the holds the chat asked for (digests, quiet hours) and retry backoff, which are not lag;
- *delivery lag* is ``sent_at - created_at`` of the alerts sent in the last hour (holds
  included: it is what readers saw), as a median and a 95th percentile (nearest rank: at
  least 95% of those alerts went out within it);
- a process is *alive* when its heartbeat (``workers.seen_at``) is under ``WORKER_ALIVE`` old;
- the chart's days (`StatsService.daily`) are the last ``CHART_DAYS`` days in the bot's zone,
  today included (so far): *new articles* by ``fetched_at``, *alerts sent* by ``sent_at``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from bot.storage.chats import ChatGroup, ChatKind, ChatRepository
from bot.storage.db import Session, SessionFactory
from bot.storage.models import OutboxStatus
from bot.storage.outbox import OutboxRepository
from bot.storage.stats import OutboxWindows, SourceState, StatsQueries
from bot.storage.subscriptions import SubscriptionRepository
from bot.storage.workers import WorkerRepository

PROBLEMS_SHOWN = 10
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WORKER_ALIVE = timedelta(minutes=2)
CHART_DAYS = 30


@dataclass(frozen=True, slots=True)
class Problem:
    """A parked or failed outbox row, with Telegram's (or the network's) last error."""

    id: int
    chat_id: int
    error: str


@dataclass(frozen=True, slots=True)
class UserStats:
    private: int
    groups: int  # groups and supergroups
    channels: int
    active: int
    paused: int
    blocked: int  # unreachable: the bot was blocked or removed
    subscriptions: int
    muted: int

    @property
    def chats(self) -> int:
        return self.active + self.paused + self.blocked


@dataclass(frozen=True, slots=True)
class SourceCounts:
    healthy: int
    failing: int  # errors in a row, fewer than polling.unhealthy_after
    unhealthy: int
    paused: int
    never_polled: int

    @property
    def total(self) -> int:
        return self.healthy + self.failing + self.unhealthy + self.paused + self.never_polled


@dataclass(frozen=True, slots=True)
class Activity:
    """Articles stored and alerts queued and sent, in the last hour and day."""

    articles_hour: int
    articles_day: int
    articles_total: int
    alerts_queued_hour: int
    alerts_queued_day: int
    alerts_sent_hour: int
    alerts_sent_day: int


@dataclass(frozen=True, slots=True)
class Lag:
    oldest_due: timedelta | None  # None: no pending row is due
    median: timedelta | None  # None: no alert was sent in the last hour
    p95: timedelta | None


@dataclass(frozen=True, slots=True)
class DeliveryStats:
    due: int  # pending and due now
    held: int  # pending but not due yet: digests, quiet hours, retry backoff
    sending: int
    sent_hour: int  # every message, alerts and notices
    sent_day: int
    sent_total: int
    parked: int
    failed: int
    dropped: int
    parked_items: Sequence[Problem]
    failed_items: Sequence[Problem]


@dataclass(frozen=True, slots=True)
class Stats:
    users: UserStats
    sources: SourceCounts
    activity: Activity
    delivery: DeliveryStats
    lag: Lag
    # Processes alive by role; None when no process has ever written a heartbeat.
    workers: Mapping[str, int] | None


@dataclass(frozen=True, slots=True)
class DailyFigures:
    """Per day from ``first_day`` on, oldest first."""

    first_day: date
    articles: tuple[int, ...]  # new articles (first seen)
    alerts: tuple[int, ...]  # alerts sent


def day_bounds(first_day: date, days: int, zone: tzinfo) -> list[datetime]:
    """The midnights (in ``zone``) that start each day and end the last one."""
    return [
        datetime.combine(first_day + timedelta(days=index), time(), tzinfo=zone)
        for index in range(days + 1)
    ]


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of sorted ``values``: the smallest value that at least
    ``share`` (0 < share <= 1) of them do not exceed."""
    if not values:
        raise ValueError("no values")
    rank = max(1, math.ceil(share * len(values) - 1e-9))
    return values[rank - 1]


class StatsService:
    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    async def collect(self, now: datetime) -> Stats:
        async with self.sessions() as session:
            queries = StatsQueries(session)
            users = await _users(session, now)
            sources = _sources(await queries.sources_by_state())
            articles_hour = await queries.articles_fetched_since(now - HOUR)
            articles_day = await queries.articles_fetched_since(now - DAY)
            articles_total = await queries.articles()
            windows = await queries.outbox_windows(now - HOUR, now - DAY)
            lags = sorted(_lags(await queries.alerts_sent_since(now - HOUR)))
            delivery = await _delivery(session, now, windows)
            oldest_due = await queries.oldest_due(now)
            workers = await _workers(session, now)
        return Stats(
            users=users,
            sources=sources,
            activity=Activity(
                articles_hour=articles_hour,
                articles_day=articles_day,
                articles_total=articles_total,
                alerts_queued_hour=windows.alerts_queued_hour,
                alerts_queued_day=windows.alerts_queued_day,
                alerts_sent_hour=len(lags),
                alerts_sent_day=windows.alerts_sent_day,
            ),
            delivery=delivery,
            lag=Lag(
                oldest_due=None if oldest_due is None else now - oldest_due,
                median=timedelta(seconds=percentile(lags, 0.5)) if lags else None,
                p95=timedelta(seconds=percentile(lags, 0.95)) if lags else None,
            ),
            workers=workers,
        )

    async def daily(self, now: datetime, zone: tzinfo, days: int = CHART_DAYS) -> DailyFigures:
        """New articles and alerts sent per day, the last ``days`` days in ``zone``."""
        first_day = now.astimezone(zone).date() - timedelta(days=days - 1)
        bounds = day_bounds(first_day, days, zone)
        async with self.sessions() as session:
            queries = StatsQueries(session)
            articles = await queries.articles_per_span(bounds)
            alerts = await queries.alerts_sent_per_span(bounds)
        return DailyFigures(first_day, tuple(articles), tuple(alerts))


async def _users(session: Session, now: datetime) -> UserStats:
    kinds = {"private": 0, "groups": 0, "channels": 0}
    states = {"active": 0, "paused": 0, "blocked": 0}
    for group in await ChatRepository(session).count_by_kind_and_flags():
        kinds[_kind_figure(group)] += group.count
        states["blocked" if group.blocked else "paused" if group.paused else "active"] += (
            group.count
        )
    total, muted = await SubscriptionRepository(session).count_with_muted(now)
    return UserStats(**kinds, **states, subscriptions=total, muted=muted)


def _sources(states: Mapping[SourceState, int]) -> SourceCounts:
    return SourceCounts(
        healthy=states[SourceState.HEALTHY],
        failing=states[SourceState.FAILING],
        unhealthy=states[SourceState.UNHEALTHY],
        paused=states[SourceState.PAUSED],
        never_polled=states[SourceState.NEVER_POLLED],
    )


def _kind_figure(group: ChatGroup) -> str:
    if group.kind == ChatKind.CHANNEL:
        return "channels"
    return "private" if group.kind == ChatKind.PRIVATE else "groups"


def _lags(sent: Sequence[tuple[datetime, datetime]]) -> list[float]:
    """``sent_at - created_at``, in seconds, of each alert. A negative lag can only be clock
    skew between two machines: it counts as none."""
    return [max(0.0, (sent_at - created_at).total_seconds()) for created_at, sent_at in sent]


async def _delivery(session: Session, now: datetime, windows: OutboxWindows) -> DeliveryStats:
    outbox, queries = OutboxRepository(session), StatsQueries(session)
    parked = await outbox.latest_with_status(OutboxStatus.PARKED, PROBLEMS_SHOWN)
    failed = await outbox.latest_with_status(OutboxStatus.FAILED, PROBLEMS_SHOWN)
    return DeliveryStats(
        due=await queries.pending_due(now),
        held=await queries.pending_held(now),
        sending=await queries.outbox_with_status(OutboxStatus.SENDING),
        sent_hour=windows.sent_hour,
        sent_day=windows.sent_day,
        sent_total=await queries.outbox_with_status(OutboxStatus.SENT),
        parked=await queries.outbox_with_status(OutboxStatus.PARKED),
        failed=await queries.outbox_with_status(OutboxStatus.FAILED),
        dropped=await queries.outbox_with_status(OutboxStatus.DROPPED, OutboxStatus.INTERRUPTED),
        parked_items=[Problem(r.id, r.chat_id, r.last_error or "?") for r in parked],
        failed_items=[Problem(r.id, r.chat_id, r.last_error or "?") for r in failed],
    )


async def _workers(session: Session, now: datetime) -> dict[str, int] | None:
    workers = WorkerRepository(session)
    if not await workers.any_recorded():
        return None
    return await workers.alive_by_role(now - WORKER_ALIVE)
