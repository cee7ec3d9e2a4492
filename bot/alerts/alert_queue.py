"""Queue the alerts of a poll's stored articles, and "also reported by" notes for copies.

Rules:

- Only articles first seen after a subscription was created alert it; muted subscriptions
  (``muted_until`` > now) and paused, blocked or disallowed chats get no row.
- A destination (chat, forum topic) gets one alert per story: a copy that would alert a
  destination already holding a row for the story adds its outlet to that row's ``also``
  instead (``edit_pending`` when already sent). Rows given up (dropped, parked, failed)
  take no note.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import AccessPolicy
from bot.alerts.index import ChatMatch, Destination, SubscriptionIndex
from bot.matching import Span
from bot.storage.chats import ChatRepository
from bot.storage.models import Chat, OutboxItem, OutboxKind, OutboxStatus, Subscription
from bot.storage.outbox import OutboxRepository
from bot.storage.subscriptions import SubscriptionRepository

# Rows in these states have reached (or will reach) the destination: a copy only adds to them.
_LIVE = frozenset({OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT})


@dataclass(slots=True)
class StoredArticle:
    """An article just stored that may alert: its matches, and its story when a copy."""

    article_id: int
    seen_at: datetime
    story_id: int | None
    found: dict[int, list[Span]]


def _may_alert(chat: Chat | None, access: AccessPolicy) -> bool:
    return (
        chat is not None
        and not chat.paused
        and not chat.blocked
        and access.allows(chat.id, allowed_in_db=chat.allowed)
    )


def _listens(subscription: Subscription | None, seen_at: datetime, now: datetime) -> bool:
    if subscription is None or subscription.created_at > seen_at:
        return False
    return subscription.muted_until is None or subscription.muted_until <= now


def _note_also(row: OutboxItem, row_outlet: str, outlet: str) -> bool:
    """Add ``outlet`` to the row's "also reported by"; True when it changed."""
    if row.status not in _LIVE or outlet == row_outlet or outlet in (row.also or []):
        return False
    row.also = [*(row.also or []), outlet]  # a new list, so the JSON column is saved
    if row.status == OutboxStatus.SENT:
        row.edit_pending = True
    return True


async def queue_alerts(
    session: AsyncSession,
    stored: Sequence[StoredArticle],
    index: SubscriptionIndex,
    access: AccessPolicy,
    now: datetime,
    outlet: str,
) -> tuple[int, int]:
    """Outbox rows for the stored articles' matches; "also" notes for story copies. Returns
    how many rows were queued and how many notes taken."""
    subscriptions = await SubscriptionRepository(session).many(
        subscription_id for item in stored for subscription_id in item.found
    )
    by_item: list[dict[Destination, ChatMatch]] = []
    for item in stored:
        listening = {
            subscription_id: spans
            for subscription_id, spans in item.found.items()
            if _listens(subscriptions.get(subscription_id), item.seen_at, now)
        }
        by_item.append(index.group(listening))
    chats = await ChatRepository(session).many(chat_id for found in by_item for chat_id, _ in found)
    outbox = OutboxRepository(session)
    queued = noted = 0
    for item, found in zip(stored, by_item, strict=True):
        earlier: dict[Destination, tuple[OutboxItem, str]] = {}
        if item.story_id is not None:
            for row, row_outlet in await outbox.story_alerts(item.story_id):
                earlier.setdefault((row.chat_id, row.thread_id), (row, row_outlet))
            for row, row_outlet in earlier.values():
                noted += _note_also(row, row_outlet, outlet)
        for (chat_id, thread_id), match in found.items():
            if (chat_id, thread_id) in earlier or not _may_alert(chats.get(chat_id), access):
                continue
            await outbox.queue(
                chat_id=chat_id,
                thread_id=thread_id,
                kind=OutboxKind.ALERT,
                now=now,
                article_id=item.article_id,
                subscription_ids=match.subscription_ids,
                spans=[[s.field, s.start, s.end] for s in match.spans],
            )
            queued += 1
        if found and item.story_id is not None:
            await session.flush()  # the next copy in this poll must see these rows
    return queued, noted
