"""Queries on subscriptions: a chat's queries, their order and mutes. Callers own the session and
its transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Subscription


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        chat_id: int,
        query: str,
        now: datetime,
        *,
        thread_id: int = 0,
        created_by: int | None = None,
    ) -> Subscription:
        """Follow ``query`` in the chat (forum topic ``thread_id``; 0 = the chat itself),
        made by person ``created_by`` (None: unknown)."""
        subscription = Subscription(
            chat_id=chat_id,
            query=query,
            created_at=now,
            thread_id=thread_id,
            created_by=created_by,
        )
        self.session.add(subscription)
        await self.session.flush()
        return subscription

    async def find_at(self, chat_id: int, thread_id: int, query: str) -> Subscription | None:
        """The subscription to ``query`` in forum topic ``thread_id`` (0 = the chat itself)."""
        return await self.session.scalar(
            select(Subscription).where(
                Subscription.chat_id == chat_id,
                Subscription.thread_id == thread_id,
                Subscription.query == query,
            )
        )

    async def get(self, subscription_id: int) -> Subscription | None:
        return await self.session.get(Subscription, subscription_id)

    async def for_topic(self, chat_id: int, thread_id: int) -> Sequence[Subscription]:
        """The subscriptions of forum topic ``thread_id`` (0 = the chat itself), oldest first."""
        rows = await self.session.scalars(
            select(Subscription)
            .where(Subscription.chat_id == chat_id, Subscription.thread_id == thread_id)
            .order_by(Subscription.id)
        )
        return rows.all()

    async def count_for_topic(self, chat_id: int, thread_id: int) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.chat_id == chat_id, Subscription.thread_id == thread_id)
        )
        return int(count or 0)

    async def count_with_muted(self, now: datetime) -> tuple[int, int]:
        """Every subscription, and those muted at ``now`` (``muted_until`` after it)."""
        total, muted = (
            await self.session.execute(
                select(
                    func.count(), func.count().filter(Subscription.muted_until > now)
                ).select_from(Subscription)
            )
        ).one()
        return int(total), int(muted)

    async def for_chat(self, chat_id: int) -> Sequence[Subscription]:
        rows = await self.session.scalars(
            select(Subscription).where(Subscription.chat_id == chat_id).order_by(Subscription.id)
        )
        return rows.all()

    async def count_for_chat(self, chat_id: int) -> int:
        count = await self.session.scalar(
            select(func.count()).select_from(Subscription).where(Subscription.chat_id == chat_id)
        )
        return count or 0

    async def serialize(self, *keys: str) -> None:
        """Make transactions naming the same key run one at a time from here to their end
        (a count then an insert under a cap): on PostgreSQL a transaction-scoped advisory
        lock per key, taken in order; SQLite's writing transactions already run one at a
        time."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for key in sorted(set(keys)):
            await self.session.execute(
                select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0)))
            )

    async def count_by_person(self, user_id: int) -> int:
        """Subscriptions ``user_id`` made, in every chat."""
        count = await self.session.scalar(
            select(func.count()).select_from(Subscription).where(Subscription.created_by == user_id)
        )
        return count or 0

    async def delete(self, subscription_id: int, chat_id: int) -> Subscription | None:
        subscription = await self.session.get(Subscription, subscription_id)
        if subscription is None or subscription.chat_id != chat_id:
            return None
        await self.session.delete(subscription)
        await self.session.flush()
        return subscription

    async def all(self) -> Sequence[Subscription]:
        return (await self.session.scalars(select(Subscription).order_by(Subscription.id))).all()

    async def many(self, ids: Iterable[int]) -> dict[int, Subscription]:
        wanted = list(set(ids))
        if not wanted:
            return {}
        rows = await self.session.scalars(select(Subscription).where(Subscription.id.in_(wanted)))
        return {row.id: row for row in rows}

    async def fingerprint(self) -> tuple[int, int, int]:
        """A cheap sign that the table changed: row count, highest id, sum of chat ids."""
        count, highest, chats = (
            await self.session.execute(
                select(
                    func.count(),
                    func.coalesce(func.max(Subscription.id), 0),
                    func.coalesce(func.sum(Subscription.chat_id), 0),
                )
            )
        ).one()
        return int(count), int(highest), int(chats)

    async def destinations(self) -> dict[int, tuple[int, int, str]]:
        """Every subscription's chat, forum topic and query, by id."""
        rows = await self.session.execute(
            select(
                Subscription.id, Subscription.chat_id, Subscription.thread_id, Subscription.query
            )
        )
        return {sid: (chat, thread, query) for sid, chat, thread, query in rows.all()}
