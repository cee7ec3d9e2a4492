"""Keep this process's subscription index in step with changes other processes made.

With several processes (``run --role``), a subscription added through one process must
reach the pollers of the others. Each process checks a cheap fingerprint of the
``subscriptions`` and ``aliases`` tables (row count, highest id, sum of chat ids) and, when it
moved, reconciles its index with the table: new subscriptions are added, removed ones
dropped, moved ones (a group upgraded to a supergroup) re-pointed; changed aliases
recompile everything. Mutes need nothing here: ingest reads them from the database.
"""

from __future__ import annotations

import logging

from sqlalchemy import Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.index import SubscriptionIndex
from bot.matching import Aliases
from bot.storage.db import SessionFactory
from bot.storage.models import Alias, Subscription

log = logging.getLogger(__name__)

Fingerprint = tuple[int, int, int]


class IndexSync:
    def __init__(self, sessions: SessionFactory, index: SubscriptionIndex) -> None:
        self.sessions = sessions
        self.index = index
        self._subscriptions: Fingerprint | None = None
        self._aliases: Fingerprint | None = None
        self._loaded: dict[int, tuple[int, int, str]] = {}

    async def load(self) -> None:
        """Build the index from storage (at start)."""
        await self.refresh()

    async def refresh(self) -> bool:
        """Bring the index up to date if the tables changed; True when something changed."""
        async with self.sessions() as session:
            subscriptions = await self._fingerprint(session, _subscriptions_fingerprint())
            aliases = await self._fingerprint(session, _aliases_fingerprint())
            if subscriptions == self._subscriptions and aliases == self._aliases:
                return False
            rows = await session.execute(
                select(
                    Subscription.id,
                    Subscription.chat_id,
                    Subscription.thread_id,
                    Subscription.query,
                )
            )
            wanted = {sid: (chat, thread, query) for sid, chat, thread, query in rows.all()}
            groups = None
            if aliases != self._aliases:
                groups = [alias.entries for alias in await session.scalars(select(Alias))]
        if groups is not None:
            await self.index.use_aliases(Aliases(groups))
        added = removed = 0
        for subscription_id in self._loaded.keys() - wanted.keys():
            self.index.remove(subscription_id)
            removed += 1
        for subscription_id, (chat_id, thread_id, query) in wanted.items():
            if self._loaded.get(subscription_id) != (chat_id, thread_id, query):
                self.index.remove(subscription_id)
                self.index.add(subscription_id, chat_id, query, thread_id=thread_id)
                added += 1
        self._loaded = wanted
        self._subscriptions, self._aliases = subscriptions, aliases
        if added or removed or groups is not None:
            log.info(
                "subscription index: %d added or moved, %d removed%s; %d in all",
                added,
                removed,
                ", aliases reloaded" if groups is not None else "",
                len(self.index),
            )
        return True

    @staticmethod
    async def _fingerprint(session: AsyncSession, statement: Select[int, int, int]) -> Fingerprint:
        count, highest, chats = (await session.execute(statement)).one()
        return int(count), int(highest), int(chats)


def _subscriptions_fingerprint() -> Select[int, int, int]:
    return select(
        func.count(),
        func.coalesce(func.max(Subscription.id), 0),
        func.coalesce(func.sum(Subscription.chat_id), 0),
    )


def _aliases_fingerprint() -> Select[int, int, int]:
    return select(func.count(), func.coalesce(func.max(Alias.id), 0), literal(0))
