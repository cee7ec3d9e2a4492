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

from bot.alerts.index import SubscriptionIndex
from bot.matching import Aliases
from bot.storage.aliases import AliasRepository
from bot.storage.db import SessionFactory
from bot.storage.subscriptions import SubscriptionRepository

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
            stored = SubscriptionRepository(session)
            subscriptions = await stored.fingerprint()
            aliases = await AliasRepository(session).fingerprint()
            if subscriptions == self._subscriptions and aliases == self._aliases:
                return False
            wanted = await stored.destinations()
            groups = None
            if aliases != self._aliases:
                groups = [alias.entries for alias in await AliasRepository(session).all()]
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
