"""Queries on aliases: spellings an admin declared equal. Callers own the session and its
transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Alias


class AliasRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> Sequence[Alias]:
        return (await self.session.scalars(select(Alias).order_by(Alias.id))).all()

    async def add(self, entries: Sequence[str], created_by: int, now: datetime) -> Alias:
        alias = Alias(entries=list(entries), created_by=created_by, created_at=now)
        self.session.add(alias)
        await self.session.flush()
        return alias

    async def delete(self, alias_id: int) -> bool:
        result = await self.session.execute(delete(Alias).where(Alias.id == alias_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def fingerprint(self) -> tuple[int, int, int]:
        """A cheap sign that the table changed: row count, highest id (and 0)."""
        count, highest = (
            await self.session.execute(select(func.count(), func.coalesce(func.max(Alias.id), 0)))
        ).one()
        return int(count), int(highest), 0
