"""Figures for admins (``/stats``): users, sources, articles and alerts, delivery, processes.

Each figure is a COUNT; the delivery lag percentiles are computed here over the last hour's
sent alerts. Costs: chats, subscriptions, sources and workers are small tables; articles per
hour and day, pending rows (due, held, the oldest due) and rows per status use indexes; the
"in all" counts grow with the tables (bounded by the article retention); the outbox's last
day (queued, sent) and the lag sample select on ``created_at`` and ``sent_at``, which are
not indexed yet: one pass over the outbox each until they are.

Definitions:
- a chat is *unreachable* when ``blocked`` (Telegram said the bot was blocked or removed),
  else *paused*, else *active*; groups count groups and supergroups;
- a subscription is *muted* while ``muted_until`` is in the future;
- a source's state is the one ``/sources`` shows, first match wins: paused, unhealthy
  (``unhealthy_since`` set), failing (errors in a row, not yet unhealthy), never polled
  (no success and no error yet), else healthy;
- an alert is *queued* when its outbox row (kind ``alert``) is created, *sent* at ``sent_at``;
- the *oldest due* age is ``now - next_attempt_at`` of the oldest pending row that is due:
  how long it has waited since it could have gone out. ``created_at`` would also count
  the holds the chat asked for (digests, quiet hours) and retry backoff, which are not lag;
- *delivery lag* is ``sent_at - created_at`` of the alerts sent in the last hour (holds
  included: it is what readers saw), as a median and a 95th percentile (nearest rank: at
  least 95% of those alerts went out within it);
- a process is *alive* when its heartbeat (``workers.seen_at``) is under ``WORKER_ALIVE`` old.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import SessionFactory
from bot.storage.models import Article, Chat, OutboxItem, Source, Subscription, Worker
from bot.storage.outbox import OutboxRepository

PROBLEMS_SHOWN = 10
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WORKER_ALIVE = timedelta(minutes=2)
SOURCE_STATES = ("healthy", "failing", "unhealthy", "paused", "never_polled")


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
            users = await _users(session, now)
            sources = await _sources(session)
            articles = await _articles(session, now)
            windows = await _outbox_windows(session, now)
            lags = sorted(await _lags(session, now))
            delivery = await _delivery(session, now, windows)
            oldest_due = await session.scalar(
                select(func.min(OutboxItem.next_attempt_at)).where(
                    OutboxItem.status == "pending", OutboxItem.next_attempt_at <= now
                )
            )
            workers = await _workers(session, now)
        return Stats(
            users=users,
            sources=sources,
            activity=Activity(
                articles_hour=articles[0],
                articles_day=articles[1],
                articles_total=articles[2],
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


@dataclass(frozen=True, slots=True)
class _Windows:
    alerts_queued_hour: int
    alerts_queued_day: int
    alerts_sent_day: int
    sent_hour: int  # every message, alerts and notices
    sent_day: int


async def _count(session: AsyncSession, *where: ColumnElement[bool]) -> int:
    return int(await session.scalar(select(func.count()).where(*where)) or 0)


async def _users(session: AsyncSession, now: datetime) -> UserStats:
    rows = await session.execute(
        select(Chat.kind, Chat.paused, Chat.blocked, func.count()).group_by(
            Chat.kind, Chat.paused, Chat.blocked
        )
    )
    kinds = {"private": 0, "groups": 0, "channels": 0}
    states = {"active": 0, "paused": 0, "blocked": 0}
    for kind, paused, blocked, count in rows.all():
        kinds[
            "channels" if kind == "channel" else "private" if kind == "private" else "groups"
        ] += count
        states["blocked" if blocked else "paused" if paused else "active"] += count
    subscriptions = await session.execute(
        select(
            func.count(),
            func.count().filter(Subscription.muted_until > now),
        ).select_from(Subscription)
    )
    total, muted = subscriptions.one()
    return UserStats(**kinds, **states, subscriptions=int(total), muted=int(muted))


async def _sources(session: AsyncSession) -> SourceCounts:
    state = case(
        (Source.paused.is_(True), "paused"),
        (Source.unhealthy_since.is_not(None), "unhealthy"),
        (Source.error_count > 0, "failing"),
        (Source.last_success_at.is_(None), "never_polled"),
        else_="healthy",
    ).label("state")
    rows = await session.execute(select(state, func.count()).group_by(state))
    counts = dict.fromkeys(SOURCE_STATES, 0)
    counts.update({name: int(count) for name, count in rows.all()})
    return SourceCounts(**counts)


async def _articles(session: AsyncSession, now: datetime) -> tuple[int, int, int]:
    """Articles first seen in the last hour, the last day, and in all."""
    hour = await _count(session, Article.fetched_at >= now - HOUR)
    day = await _count(session, Article.fetched_at >= now - DAY)
    total = await session.scalar(select(func.count()).select_from(Article))
    return hour, day, int(total or 0)


async def _outbox_windows(session: AsyncSession, now: datetime) -> _Windows:
    """Rows queued or sent in the last day, counted in one pass over them."""
    hour, day = now - HOUR, now - DAY
    alert, sent = OutboxItem.kind == "alert", OutboxItem.status == "sent"
    row = (
        await session.execute(
            select(
                func.count().filter(alert, OutboxItem.created_at >= hour),
                func.count().filter(alert, OutboxItem.created_at >= day),
                func.count().filter(alert, sent, OutboxItem.sent_at >= day),
                func.count().filter(sent, OutboxItem.sent_at >= hour),
                func.count().filter(sent, OutboxItem.sent_at >= day),
            ).where((OutboxItem.created_at >= day) | (OutboxItem.sent_at >= day))
        )
    ).one()
    return _Windows(*(int(count) for count in row))


async def _lags(session: AsyncSession, now: datetime) -> list[float]:
    """``sent_at - created_at``, in seconds, of every alert sent in the last hour."""
    rows = await session.execute(
        select(OutboxItem.created_at, OutboxItem.sent_at).where(
            OutboxItem.kind == "alert",
            OutboxItem.status == "sent",
            OutboxItem.sent_at >= now - HOUR,
        )
    )
    # A negative lag can only be clock skew between two machines: it counts as none.
    return [
        max(0.0, (sent_at - created_at).total_seconds())
        for created_at, sent_at in rows
        if sent_at is not None
    ]


async def _delivery(session: AsyncSession, now: datetime, windows: _Windows) -> DeliveryStats:
    outbox = OutboxRepository(session)
    pending = OutboxItem.status == "pending"

    async def status(*names: str) -> int:
        # One indexed range per status (ix_outbox_due starts with it), rather than one
        # GROUP BY pass over the whole outbox.
        return await _count(session, OutboxItem.status.in_(names))

    parked = await outbox.latest_with_status("parked", PROBLEMS_SHOWN)
    failed = await outbox.latest_with_status("failed", PROBLEMS_SHOWN)
    return DeliveryStats(
        due=await _count(session, pending, OutboxItem.next_attempt_at <= now),
        held=await _count(session, pending, OutboxItem.next_attempt_at > now),
        sending=await status("sending"),
        sent_hour=windows.sent_hour,
        sent_day=windows.sent_day,
        sent_total=await status("sent"),
        parked=await status("parked"),
        failed=await status("failed"),
        dropped=await status("dropped", "interrupted"),
        parked_items=[Problem(r.id, r.chat_id, r.last_error or "?") for r in parked],
        failed_items=[Problem(r.id, r.chat_id, r.last_error or "?") for r in failed],
    )


async def _workers(session: AsyncSession, now: datetime) -> dict[str, int] | None:
    if await session.scalar(select(Worker.id).limit(1)) is None:
        return None
    rows = await session.execute(
        select(Worker.role, func.count())
        .where(Worker.seen_at >= now - WORKER_ALIVE)
        .group_by(Worker.role)
        .order_by(Worker.role)
    )
    return {role: int(count) for role, count in rows.all()}
