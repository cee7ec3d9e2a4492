"""Deleting old articles with their outbox rows. Callers own the session and its transaction.

Rule: an article an outbox row still waits to send (``pending``/``sending``) is kept; the
outbox rows of a deleted article are deleted with it, explicitly (SQLite applies the schema's
ON DELETE CASCADE only with its foreign-key pragma on), and so are their archive postings
(``bot.storage.archive``: SQLite's FTS5 table has no foreign key). The archive's vocabulary
is not pruned (``bot.storage.archive_schema`` says why).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.archive import ArchiveRepository
from bot.storage.models import Article, OutboxItem

__all__ = ["RetentionRepository"]

_WAITING = ("pending", "sending")


class RetentionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def delete_articles_before(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` articles first seen (``fetched_at``) before ``before`` that no
        waiting outbox row refers to, oldest ids first, and their outbox rows; how many."""
        waiting = select(OutboxItem.article_id).where(
            OutboxItem.status.in_(_WAITING), OutboxItem.article_id.is_not(None)
        )
        ids = list(
            await self.session.scalars(
                select(Article.id)
                .where(Article.fetched_at < before, Article.id.not_in(waiting))
                .order_by(Article.id)
                .limit(limit)
            )
        )
        if ids:
            await self.session.execute(delete(OutboxItem).where(OutboxItem.article_id.in_(ids)))
            await ArchiveRepository(self.session).remove(ids)
            await self.session.execute(delete(Article).where(Article.id.in_(ids)))
        return len(ids)
