"""Chat leases: one deliverer at a time sends to a chat (``chats.delivery_owner``/``_until``).

Telegram's per-chat limits need the chat's recent sends, which only its sender knows, so a
chat is held by one deliverer (its ``worker_id``) at a time. Rules:

- A lease runs ``lease_seconds + chat_window`` from its last renewal, which happens once it
  is ``lease_seconds / 3`` old: at a claim, or in a refill for chats with queued or running
  work (``stale``); and before a request when less than ``chat_window`` is left (``admit``:
  a database round trip only then).
- So a request starts only while the lease has ``chat_window`` (``chat_window_for``: 65 s,
  Telegram's per-minute group window ``delivery.group_window`` plus a request's transit)
  left, and another deliverer takes the chat only after the lease lapsed: more than
  ``chat_window`` after the previous holder's last request. The new
  holder's Pacer starts empty for that chat, and the per-chat limits still hold across
  holders. For the same reason leases are not released at shutdown.
- ``hold`` locks the chat row and checks the lease in the caller's transaction: a claim or
  an edit made under it cannot race a new holder. A lost chat is forgotten here, and its
  queued work left to its new holder.
- Deliverers' clocks must agree to well under ``lease_seconds`` (NTP).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.chats import ChatRepository
from bot.storage.models import Chat

log = logging.getLogger(__name__)

TRANSIT = 5.0  # seconds: a request's time between the lease check and Telegram


def chat_window_for(group_window: float) -> float:
    """How long a chat's past sends limit its next ones (the group window), plus a request's
    time in transit: a chat's lease keeps this much ahead of any request."""
    return group_window + TRANSIT


Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class LeaseLost(Exception):
    """Another deliverer holds the chat now (this one's lease lapsed)."""


class ChatLeases:
    """The chats one deliverer holds, with the end of each lease as last committed."""

    def __init__(self, worker_id: str, lease_seconds: float, chat_window: float) -> None:
        self.worker_id = worker_id
        self.lease_seconds = lease_seconds
        self.chat_window = chat_window
        self.length = timedelta(seconds=lease_seconds + chat_window)
        self.held: dict[int, datetime] = {}

    def __contains__(self, chat_id: int) -> bool:
        return chat_id in self.held

    def _renew_by(self, now: datetime) -> datetime:
        """A lease ending before this was last renewed over a third of ``lease_seconds`` ago."""
        return now + self.length - timedelta(seconds=self.lease_seconds / 3)

    async def claim(
        self, session: AsyncSession, chat_ids: Iterable[int], now: datetime
    ) -> set[int]:
        """Take (or renew) the leases of these chats where free, lapsed or already ours;
        the ids held now."""
        until = now + self.length
        claimed = await ChatRepository(session).claim_delivery(chat_ids, self.worker_id, now, until)
        self.held.update(dict.fromkeys(claimed, until))
        return claimed

    def stale(self, working: Iterable[int], now: datetime) -> set[int]:
        """Of these chats (with queued or running work), those whose lease is due for renewal."""
        limit = self._renew_by(now)
        return {c for c in working if (until := self.held.get(c)) and until < limit}

    async def hold(self, session: AsyncSession, chat_id: int, now: datetime) -> Chat | None:
        """The chat, locked, while this deliverer holds its lease (renewed when a third of
        ``lease_seconds`` old, or when less than ``chat_window`` is left); None when lost."""
        chat = await ChatRepository(session).locked(chat_id)
        until = chat.delivery_until if chat is not None else None
        if chat is None or chat.delivery_owner != self.worker_id or until is None or until < now:
            if self.held.pop(chat_id, None) is not None:
                log.info("chat %d: another deliverer holds it now", chat_id)
            return None
        if until < self._renew_by(now) or (until - now).total_seconds() < self.chat_window:
            chat.delivery_until = until = now + self.length
        self.held[chat_id] = until
        return chat

    async def admit(self, transaction: Transaction, chat_id: int, now: datetime) -> None:
        """Right before a request: the lease must have ``chat_window`` left (renewed in a
        transaction of its own when not); raises ``LeaseLost`` when another holds it."""
        until = self.held.get(chat_id)
        if until is not None and (until - now).total_seconds() >= self.chat_window:
            return
        async with transaction() as session:
            if await self.hold(session, chat_id, now) is None:
                raise LeaseLost(chat_id)

    def forget_lapsed(self, now: datetime) -> None:
        self.held = {c: until for c, until in self.held.items() if until > now}
