"""Alias groups: admins join spellings of one name (Laftit = لفتيت) for everyone's queries."""

from __future__ import annotations

from collections.abc import Sequence

from bot.alerts.index import SubscriptionIndex
from bot.clock import Clock
from bot.matching import Aliases, parse_alias
from bot.storage.aliases import AliasRepository
from bot.storage.db import SessionFactory
from bot.storage.models import Alias


class AliasService:
    def __init__(self, sessions: SessionFactory, index: SubscriptionIndex, clock: Clock) -> None:
        self.sessions = sessions
        self.index = index
        self.clock = clock

    async def add(self, text: str, admin_id: int) -> Alias:
        """Store the group written as ``A = B = C``; raises AliasError (a QueryError)."""
        entries = parse_alias(text)
        async with self.sessions() as session, session.begin():
            alias = await AliasRepository(session).add(entries, admin_id, self.clock())
        await self.load()
        return alias

    async def list(self) -> Sequence[Alias]:
        async with self.sessions() as session:
            return await AliasRepository(session).all()

    async def remove(self, alias_id: int) -> bool:
        async with self.sessions() as session, session.begin():
            removed = await AliasRepository(session).delete(alias_id)
        if removed:
            await self.load()
        return removed

    async def load(self) -> None:
        """Rebuild the alias groups from storage and recompile every subscription."""
        groups = [alias.entries for alias in await self.list()]
        await self.index.use_aliases(Aliases(groups))
