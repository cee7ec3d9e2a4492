"""Stored articles read plainly: how many a period holds (for /test and the count after
/subscribe), and every one of them in batches (a full scan, the baseline the archive
search is checked and measured against).

Newest first, by id: the next batch starts below the last id seen (keyset pagination), so
each batch is one short query and no connection is held while the batch is matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Article, Source


@dataclass(frozen=True, slots=True)
class StoredText:
    """What matching and an example need of a stored article."""

    id: int
    url: str
    title: str
    summary: str
    body: str
    source_name: str
    published_at: datetime  # the feed's time, else when it was first seen (UTC)


def select_stored_texts() -> Select[int, str, str, str, str, str, datetime]:
    """The columns of ``StoredText``, articles joined to their source (no filter yet)."""
    return select(
        Article.id,
        Article.url,
        Article.title,
        Article.summary,
        Article.body,
        Source.name,
        func.coalesce(Article.published_at, Article.fetched_at),
    ).join(Source, Source.id == Article.source_id)


class ArticleScan:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count_since(self, moment: datetime, *, from_id: int | None = None) -> int:
        """Articles fetched since ``moment`` (with an id of at least ``from_id``, if given)."""
        query = select(func.count()).select_from(Article).where(Article.fetched_at >= moment)
        if from_id is not None:
            query = query.where(Article.id >= from_id)
        count = await self.session.scalar(query)
        return int(count or 0)

    async def batch(self, moment: datetime, below: int | None, limit: int) -> list[StoredText]:
        """Up to ``limit`` articles fetched since ``moment`` with an id below ``below``
        (None: the newest), highest id first."""
        query = select_stored_texts().where(Article.fetched_at >= moment)
        if below is not None:
            query = query.where(Article.id < below)
        rows = await self.session.execute(query.order_by(Article.id.desc()).limit(limit))
        return [StoredText(*row) for row in rows.all()]
