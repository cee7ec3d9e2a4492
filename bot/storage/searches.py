"""Saved searches: what a /search message's page buttons need (chat, query, the
period's start, the newest match then).

Rules: a search is saved once, read back by id for each page, and deleted by retention once
older than the articles it searched (``prune``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import SavedSearch

__all__ = ["SearchRepository"]


class SearchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, chat_id: int, query: str, since: datetime | None, newest_id: int, now: datetime
    ) -> SavedSearch:
        search = SavedSearch(
            chat_id=chat_id, query=query, since=since, newest_id=newest_id, created_at=now
        )
        self.session.add(search)
        await self.session.flush()
        return search

    async def get(self, search_id: int) -> SavedSearch | None:
        return await self.session.get(SavedSearch, search_id)

    async def prune(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` searches made before ``before``, oldest first; how many."""
        ids = list(
            await self.session.scalars(
                select(SavedSearch.id)
                .where(SavedSearch.created_at < before)
                .order_by(SavedSearch.id)
                .limit(limit)
            )
        )
        if ids:
            await self.session.execute(delete(SavedSearch).where(SavedSearch.id.in_(ids)))
        return len(ids)
