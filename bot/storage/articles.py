"""Queries on stored articles. Callers own the session and its transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Article


class ArticleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def known(
        self, source_id: int, guids: Sequence[str], urls: Sequence[str]
    ) -> tuple[set[str], set[str]]:
        """Which of these guids (for this source) and urls (for any source) are stored."""
        known_guids: set[str] = set()
        known_urls: set[str] = set()
        if guids:
            known_guids = set(
                await self.session.scalars(
                    select(Article.guid).where(
                        Article.source_id == source_id, Article.guid.in_(guids)
                    )
                )
            )
        if urls:
            known_urls = set(
                await self.session.scalars(select(Article.url).where(Article.url.in_(urls)))
            )
        return known_guids, known_urls

    async def guids(self, source_id: int) -> frozenset[str]:
        """Every guid stored for this source (what a poll need not parse again)."""
        rows = await self.session.scalars(
            select(Article.guid).where(Article.source_id == source_id)
        )
        return frozenset(rows)

    async def guids_of(self, source_ids: Sequence[int]) -> dict[int, frozenset[str]]:
        """``guids`` for several sources in one query."""
        found: dict[int, set[str]] = {source_id: set() for source_id in source_ids}
        if found:
            rows = await self.session.execute(
                select(Article.source_id, Article.guid).where(Article.source_id.in_(found))
            )
            for source_id, guid in rows.all():
                found[source_id].add(guid)
        return {source_id: frozenset(guids) for source_id, guids in found.items()}

    async def add(self, article: Article) -> Article:
        self.session.add(article)
        await self.session.flush()
        return article
