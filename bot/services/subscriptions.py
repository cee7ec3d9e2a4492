"""Subscriptions: validated, stored, and kept in step with the live index.

A subscription belongs to a chat, and to one of its forum topics when it was made in one
(``thread_id``; 0 = the chat itself): alerts go where it was made. The same query may be
followed once per destination. A muted subscription (``muted_until`` in the future) alerts
nothing until then; "until unmuted" is ``MUTED_FOREVER``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.alerts.index import SubscriptionIndex
from bot.clock import Clock
from bot.matching import CompiledQuery, Document, Span
from bot.storage.db import SessionFactory
from bot.storage.models import Article, Subscription
from bot.storage.repositories import ArticleRepository, ChatRepository, SubscriptionRepository

MUTED_FOREVER = datetime(9999, 12, 31, tzinfo=UTC)


class SubscriptionLimitReached(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} subscriptions per chat")
        self.limit = limit


class AlreadySubscribed(Exception):
    def __init__(self, query: str) -> None:
        super().__init__(f"already subscribed to {query!r}")
        self.query = query


@dataclass(frozen=True, slots=True)
class Example:
    article: Article
    source_name: str
    spans: list[Span]


@dataclass(frozen=True, slots=True)
class Preview:
    """What a query would have matched among recently stored articles."""

    query: CompiledQuery
    days: float
    scanned: int
    matched: int
    examples: list[Example]


@dataclass(frozen=True, slots=True)
class Subscribed:
    subscription: Subscription
    preview: Preview


class SubscriptionService:
    def __init__(
        self,
        sessions: SessionFactory,
        index: SubscriptionIndex,
        max_per_chat: int,
        clock: Clock,
        default_language: str,
        *,
        preview_days: float = 7,
        preview_scan: int = 5000,
    ) -> None:
        self.sessions = sessions
        self.index = index
        self.max_per_chat = max_per_chat
        self.clock = clock
        self.default_language = default_language
        self.preview_days = preview_days
        self.preview_scan = preview_scan

    def understand(self, text: str) -> CompiledQuery:
        """Parse a query with the current aliases; raises QueryError (user-facing)."""
        return self.index.compile(text)

    async def preview(self, text: str, examples: int = 3) -> Preview:
        """Which of the last days' stored articles the query would have matched."""
        query = self.understand(text)
        since = self.clock() - timedelta(days=self.preview_days)
        async with self.sessions() as session:
            recent = await ArticleRepository(session).recent_with_source(since, self.preview_scan)
        found: list[Example] = []
        matched = 0
        for article, source_name in recent:
            spans = query.match(Document(title=article.title, text=article.body or article.summary))
            if spans is None:
                continue
            matched += 1
            if len(found) < examples:
                found.append(Example(article, source_name, spans))
        return Preview(query, self.preview_days, len(recent), matched, found)

    async def subscribe(self, chat_id: int, text: str, thread_id: int = 0) -> Subscribed:
        """Follow ``text`` in the chat (in forum topic ``thread_id`` when not 0)."""
        preview = await self.preview(text, examples=0)
        query = preview.query
        async with self.sessions() as session, session.begin():
            await ChatRepository(session).ensure(
                chat_id, language=self.default_language, now=self.clock()
            )
            repo = SubscriptionRepository(session)
            existing = await session.scalar(
                select(Subscription).where(
                    Subscription.chat_id == chat_id,
                    Subscription.thread_id == thread_id,
                    Subscription.query == query.text,
                )
            )
            if existing is not None:
                raise AlreadySubscribed(existing.query)
            if await repo.count_for_chat(chat_id) >= self.max_per_chat:
                raise SubscriptionLimitReached(self.max_per_chat)
            subscription = Subscription(
                chat_id=chat_id, query=query.text, created_at=self.clock(), thread_id=thread_id
            )
            session.add(subscription)
            await session.flush()
        self.index.add(subscription.id, chat_id, subscription.query, thread_id=thread_id)
        return Subscribed(subscription, preview)

    async def get(self, subscription_id: int) -> Subscription | None:
        async with self.sessions() as session:
            return await session.get(Subscription, subscription_id)

    async def list(self, chat_id: int, thread_id: int | None = None) -> Sequence[Subscription]:
        """The chat's subscriptions in creation order; only forum topic ``thread_id``'s
        (0 = the chat itself) when given."""
        async with self.sessions() as session:
            if thread_id is None:
                return await SubscriptionRepository(session).for_chat(chat_id)
            rows = await session.scalars(
                select(Subscription)
                .where(Subscription.chat_id == chat_id, Subscription.thread_id == thread_id)
                .order_by(Subscription.id)
            )
            return rows.all()

    async def remove(self, chat_id: int, subscription_id: int) -> Subscription | None:
        async with self.sessions() as session, session.begin():
            removed = await SubscriptionRepository(session).delete(subscription_id, chat_id)
        if removed is not None:
            self.index.remove(removed.id)
        return removed

    async def remove_at(
        self, chat_id: int, position: int, thread_id: int | None = None
    ) -> Subscription | None:
        """Remove the subscription shown as number ``position`` (from 1) in the chat's list
        (the forum topic's list when ``thread_id`` is given)."""
        subscriptions = await self.list(chat_id, thread_id)
        if not 1 <= position <= len(subscriptions):
            return None
        return await self.remove(chat_id, subscriptions[position - 1].id)

    async def mute(
        self, chat_id: int, subscription_id: int, until: datetime
    ) -> Subscription | None:
        """Mute the chat's subscription until ``until`` (``MUTED_FOREVER``: until unmuted);
        None when the chat has no such subscription."""
        return await self._set_muted(chat_id, subscription_id, until)

    async def unmute(self, chat_id: int, subscription_id: int) -> Subscription | None:
        return await self._set_muted(chat_id, subscription_id, None)

    async def unmute_at(
        self, chat_id: int, position: int, thread_id: int | None = None
    ) -> Subscription | None:
        """Unmute the subscription shown as number ``position`` (from 1) in the chat's list."""
        subscriptions = await self.list(chat_id, thread_id)
        if not 1 <= position <= len(subscriptions):
            return None
        return await self.unmute(chat_id, subscriptions[position - 1].id)

    def is_muted(self, subscription: Subscription) -> bool:
        until = subscription.muted_until
        return until is not None and until > self.clock()

    async def _set_muted(
        self, chat_id: int, subscription_id: int, until: datetime | None
    ) -> Subscription | None:
        async with self.sessions() as session, session.begin():
            subscription = await session.get(Subscription, subscription_id)
            if subscription is None or subscription.chat_id != chat_id:
                return None
            subscription.muted_until = until
            return subscription

    async def move_chat(self, old_id: int, new_id: int) -> int:
        """A group upgraded to a supergroup has a new id: its settings and subscriptions
        move there (a query the new chat already follows is dropped); the old chat is
        marked blocked. Returns how many subscriptions moved."""
        async with self.sessions() as session, session.begin():
            chats = ChatRepository(session)
            old = await chats.get(old_id)
            if old is None:
                return 0
            new = await chats.ensure(
                new_id, language=old.language, now=self.clock(), title=old.title
            )
            new.kind = "supergroup"
            for name in ("language", "paused", "allowed", "mode", "digest_time"):
                setattr(new, name, getattr(old, name))
            new.quiet_start, new.quiet_end = old.quiet_start, old.quiet_end
            old.blocked = True
            taken = {
                (s.thread_id, s.query)
                for s in await SubscriptionRepository(session).for_chat(new_id)
            }
            moved: list[Subscription] = []
            for subscription in await SubscriptionRepository(session).for_chat(old_id):
                if (subscription.thread_id, subscription.query) in taken:
                    await session.delete(subscription)
                    self.index.remove(subscription.id)
                    continue
                subscription.chat_id = new_id
                moved.append(subscription)
        for subscription in moved:
            self.index.remove(subscription.id)
            self.index.add(
                subscription.id, new_id, subscription.query, thread_id=subscription.thread_id
            )
        return len(moved)

    async def load_index(self) -> None:
        async with self.sessions() as session:
            for subscription in await SubscriptionRepository(session).all():
                self.index.add(
                    subscription.id,
                    subscription.chat_id,
                    subscription.query,
                    thread_id=subscription.thread_id,
                )
