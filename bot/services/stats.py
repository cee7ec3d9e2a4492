"""Delivery figures for admins (``/stats``): queue depth, what went out, what went wrong."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from bot.clock import Clock
from bot.storage.db import SessionFactory
from bot.storage.models import Chat
from bot.storage.repositories import OutboxRepository

PROBLEMS_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Problem:
    """A parked or failed outbox row, with Telegram's (or the network's) last error."""

    id: int
    chat_id: int
    error: str


@dataclass(frozen=True, slots=True)
class DeliveryStats:
    pending: int  # every pending row, held ones included
    held: int  # pending but not due yet: digests, quiet hours, retry backoff
    sending: int
    sent_hour: int
    sent_day: int
    sent_total: int
    parked: int
    failed: int
    dropped: int
    chats: int
    blocked_chats: int
    parked_items: Sequence[Problem]
    failed_items: Sequence[Problem]


class StatsService:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    async def delivery(self) -> DeliveryStats:
        now = self.clock()
        async with self.sessions() as session:
            outbox = OutboxRepository(session)
            counts = await outbox.status_counts()
            held = await outbox.held_count(now)
            hour = await outbox.sent_since(now - timedelta(hours=1))
            day = await outbox.sent_since(now - timedelta(days=1))
            parked = await outbox.latest_with_status("parked", PROBLEMS_SHOWN)
            failed = await outbox.latest_with_status("failed", PROBLEMS_SHOWN)
            chats = await session.scalar(select(func.count()).select_from(Chat))
            blocked = await session.scalar(
                select(func.count()).select_from(Chat).where(Chat.blocked.is_(True))
            )
        return DeliveryStats(
            pending=counts.get("pending", 0),
            held=held,
            sending=counts.get("sending", 0),
            sent_hour=hour,
            sent_day=day,
            sent_total=counts.get("sent", 0),
            parked=counts.get("parked", 0),
            failed=counts.get("failed", 0),
            dropped=counts.get("dropped", 0) + counts.get("interrupted", 0),
            chats=int(chats or 0),
            blocked_chats=int(blocked or 0),
            parked_items=[Problem(r.id, r.chat_id, r.last_error or "?") for r in parked],
            failed_items=[Problem(r.id, r.chat_id, r.last_error or "?") for r in failed],
        )
