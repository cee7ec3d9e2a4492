"""Drain the outbox: render each due alert and hand it to a Sender, within rate limits.

A row goes pending → sending (committed before the send) → sent. A failed send goes back to
pending: Telegram's 429 says when to retry; other failures back off exponentially until
``max_attempts``, then the row is marked failed. A chat that cannot be reached (403: the user
blocked the bot) gets its rows dropped and is marked blocked until it writes again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from aiolimiter import AsyncLimiter

from bot.alerts.format import AlertContent, format_alert
from bot.config import DeliveryConfig
from bot.matching import Span
from bot.storage.db import SessionFactory
from bot.storage.models import Article, OutboxItem, Source
from bot.storage.repositories import ChatRepository, OutboxRepository, SubscriptionRepository

log = logging.getLogger(__name__)


class RetryLater(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate limited, retry after {seconds:g}s")
        self.seconds = seconds


class ChatUnreachable(Exception):
    """The chat is gone or has blocked the bot; sending again is pointless."""


class Sender(Protocol):
    async def send(self, chat_id: int, html: str) -> int:
        """Send one HTML message; return its message id. Raises RetryLater or ChatUnreachable."""
        ...


def _spans(raw: Sequence[Sequence[object]]) -> list[Span]:
    spans = []
    for field, start, end in raw:
        if field in ("title", "text") and isinstance(start, int) and isinstance(end, int):
            spans.append(Span("title" if field == "title" else "text", start, end))
    return spans


class Deliverer:
    def __init__(
        self,
        sessions: SessionFactory,
        sender: Sender,
        config: DeliveryConfig,
        zone: ZoneInfo,
    ) -> None:
        self.sessions = sessions
        self.sender = sender
        self.config = config
        self.zone = zone
        self._limiter = AsyncLimiter(config.messages_per_second, 1)
        self._lock = asyncio.Lock()
        self._closed = False

    async def drain(self, now: datetime) -> int:
        """Send what is due; returns how many messages went out."""
        async with self._lock:
            if self._closed:
                return 0
            async with self.sessions() as session:
                due = await OutboxRepository(session).due(now, self.config.batch_size)
            by_chat: dict[int, list[OutboxItem]] = defaultdict(list)
            for item in due:
                by_chat[item.chat_id].append(item)
            results = await asyncio.gather(
                *(self._deliver_chat(chat_id, items, now) for chat_id, items in by_chat.items())
            )
            return sum(results)

    async def _deliver_chat(self, chat_id: int, items: list[OutboxItem], now: datetime) -> int:
        sent = 0
        for position, item in enumerate(items):
            if position:
                await asyncio.sleep(self.config.per_chat_interval)
            try:
                outcome = await self._deliver_one(item, now)
            except Exception:
                log.exception("outbox item %d could not be delivered", item.id)
                outcome = "error"
            if outcome == "sent":
                sent += 1
            elif outcome in ("stop", "error"):
                break
        return sent

    async def _deliver_one(self, item: OutboxItem, now: datetime) -> str:
        text = await self._claim(item.id)
        if text is None:
            return "skipped"
        try:
            async with self._limiter:
                message_id = await self.sender.send(item.chat_id, text)
        except RetryLater as exc:
            retry_at = now + timedelta(seconds=exc.seconds)
            await self._settle(item.id, "pending", retry_at, str(exc))
            return "stop"
        except ChatUnreachable as exc:
            await self._settle(item.id, "dropped", now, str(exc))
            await self._mark_unreachable(item.chat_id, str(exc))
            return "stop"
        except Exception as exc:  # network faults, Telegram 5xx, bad request
            reason = f"{type(exc).__name__}: {exc}"
            await self._settle(item.id, "pending", now, reason, failed=True)
            return "error"
        await self._settle(item.id, "sent", now, None, message_id=message_id)
        return "sent"

    async def _claim(self, item_id: int) -> str | None:
        """Render the alert and mark the row ``sending``, committed before the send.

        A row still ``sending`` after a crash is never sent again (see ``recover``): an
        alert may be lost in that instant, but never arrives twice.
        """
        async with self.sessions() as session, session.begin():
            row = await session.get(OutboxItem, item_id, with_for_update=True)
            if row is None or row.status != "pending":
                return None
            chat = await ChatRepository(session).get(row.chat_id)
            article = await session.get(Article, row.article_id)
            source = await session.get(Source, article.source_id) if article else None
            if chat is None or chat.paused or chat.blocked:
                row.status, row.last_error = "dropped", "chat paused or unreachable"
                return None
            if article is None or source is None:
                row.status, row.last_error = "dropped", "article or source removed"
                return None
            subscriptions = await SubscriptionRepository(session).many(row.subscription_ids)
            row.status = "sending"
            return format_alert(
                AlertContent(
                    title=article.title,
                    url=article.url,
                    source_name=source.name,
                    published=article.published_at or article.fetched_at,
                    text=article.summary,
                    spans=_spans(row.spans),
                    queries=[
                        subscriptions[i].query for i in row.subscription_ids if i in subscriptions
                    ],
                ),
                self.zone,
            )

    async def _settle(
        self,
        item_id: int,
        status: str,
        now: datetime,
        error: str | None,
        *,
        failed: bool = False,
        message_id: int | None = None,
    ) -> None:
        async with self.sessions() as session, session.begin():
            row = await session.get(OutboxItem, item_id)
            if row is None:
                return
            row.status = status
            row.last_error = error[:500] if error else None
            if status == "sent":
                row.attempts += 1
                row.sent_at = now
                row.telegram_message_id = message_id
            elif failed:
                row.attempts += 1
                if row.attempts >= self.config.max_attempts:
                    row.status = "failed"
                    log.warning("outbox item %d failed for good: %s", row.id, row.last_error)
                else:
                    row.next_attempt_at = now + timedelta(seconds=2 ** (row.attempts + 1))
            elif status == "pending":
                row.next_attempt_at = now

    async def _mark_unreachable(self, chat_id: int, reason: str) -> None:
        async with self.sessions() as session, session.begin():
            chat = await ChatRepository(session).get(chat_id)
            if chat is not None:
                chat.blocked = True
            await OutboxRepository(session).drop_pending_for_chat(chat_id, "chat unreachable")
        log.info("chat %d is unreachable (%s); its alerts stop", chat_id, reason)

    async def wait_idle(self) -> None:
        """Wait for a drain under way to finish its sends and bookkeeping."""
        async with self._lock:
            pass

    async def close(self) -> None:
        """Let a drain under way finish; later drains do nothing."""
        self._closed = True
        await self.wait_idle()

    async def recover(self) -> int:
        """At start: rows left ``sending`` by a crash become ``interrupted``, never resent."""
        async with self.sessions() as session, session.begin():
            return await OutboxRepository(session).mark_interrupted()
