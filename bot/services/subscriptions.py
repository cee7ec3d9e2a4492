"""Subscriptions: validated, stored, and kept in step with the live index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.alerts.index import SubscriptionIndex
from bot.clock import Clock
from bot.matching import CompiledQuery, Document, Span
from bot.storage.db import SessionFactory
from bot.storage.models import Article, Subscription
from bot.storage.repositories import ArticleRepository, ChatRepository, SubscriptionRepository


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
            spans = query.match(Document(title=article.title, text=article.summary))
            if spans is None:
                continue
            matched += 1
            if len(found) < examples:
                found.append(Example(article, source_name, spans))
        return Preview(query, self.preview_days, len(recent), matched, found)

    async def subscribe(self, chat_id: int, text: str) -> Subscribed:
        preview = await self.preview(text, examples=0)
        query = preview.query
        async with self.sessions() as session, session.begin():
            await ChatRepository(session).ensure(
                chat_id, language=self.default_language, now=self.clock()
            )
            repo = SubscriptionRepository(session)
            existing = await repo.find(chat_id, query.text)
            if existing is not None:
                raise AlreadySubscribed(existing.query)
            if await repo.count_for_chat(chat_id) >= self.max_per_chat:
                raise SubscriptionLimitReached(self.max_per_chat)
            subscription = await repo.add(chat_id, query.text, self.clock())
        self.index.add(subscription.id, chat_id, subscription.query)
        return Subscribed(subscription, preview)

    async def list(self, chat_id: int) -> Sequence[Subscription]:
        async with self.sessions() as session:
            return await SubscriptionRepository(session).for_chat(chat_id)

    async def remove(self, chat_id: int, subscription_id: int) -> Subscription | None:
        async with self.sessions() as session, session.begin():
            removed = await SubscriptionRepository(session).delete(subscription_id, chat_id)
        if removed is not None:
            self.index.remove(removed.id)
        return removed

    async def remove_at(self, chat_id: int, position: int) -> Subscription | None:
        """Remove the subscription shown as number ``position`` (from 1) in the chat's list."""
        subscriptions = await self.list(chat_id)
        if not 1 <= position <= len(subscriptions):
            return None
        return await self.remove(chat_id, subscriptions[position - 1].id)

    async def load_index(self) -> None:
        async with self.sessions() as session:
            for subscription in await SubscriptionRepository(session).all():
                self.index.add(subscription.id, subscription.chat_id, subscription.query)
