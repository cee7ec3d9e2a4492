"""Subscriptions: validated, stored, and kept in step with the live index."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.alerts.index import SubscriptionIndex
from bot.matching import CompiledQuery, QueryLimits, compile_query
from bot.storage.db import SessionFactory
from bot.storage.models import Subscription
from bot.storage.repositories import ChatRepository, SubscriptionRepository

Clock = Callable[[], datetime]


class SubscriptionLimitReached(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} subscriptions per chat")
        self.limit = limit


class AlreadySubscribed(Exception):
    def __init__(self, query: str) -> None:
        super().__init__(f"already subscribed to {query!r}")
        self.query = query


@dataclass(frozen=True, slots=True)
class Subscribed:
    subscription: Subscription
    query: CompiledQuery


class SubscriptionService:
    def __init__(
        self,
        sessions: SessionFactory,
        index: SubscriptionIndex,
        limits: QueryLimits,
        max_per_chat: int,
        clock: Clock,
        default_language: str,
    ) -> None:
        self.sessions = sessions
        self.index = index
        self.limits = limits
        self.max_per_chat = max_per_chat
        self.clock = clock
        self.default_language = default_language

    def understand(self, text: str) -> CompiledQuery:
        """Parse a query; raises QueryError with a user-facing message."""
        return compile_query(text, self.limits)

    async def subscribe(self, chat_id: int, text: str) -> Subscribed:
        query = self.understand(text)
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
        return Subscribed(subscription, query)

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
