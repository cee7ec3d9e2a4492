"""Queries on sources: what is polled, when, and how healthy it is. Callers own the session and
its transaction.

Rule: deleting a source deletes its articles (ON DELETE CASCADE) and, first, their archive
postings (``bot.storage.archive``: SQLite's FTS5 table has no foreign key)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.archive import ArchiveRepository
from bot.storage.models import Article, Source


@dataclass(frozen=True, slots=True)
class SourceStats:
    source: Source
    article_count: int


class SourceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, source_id: int) -> Source | None:
        return await self.session.get(Source, source_id)

    async def get_locked(self, source_id: int) -> Source | None:
        """The source's row, locked (``FOR UPDATE``) until the transaction ends."""
        return await self.session.get(Source, source_id, with_for_update=True)

    async def get_many_locked(self, ids: Iterable[int]) -> dict[int, Source]:
        """These sources' rows by id, locked (``FOR UPDATE``) in id order, so two writers never
        wait for each other in a circle."""
        rows = await self.session.scalars(
            select(Source).where(Source.id.in_(set(ids))).order_by(Source.id).with_for_update()
        )
        return {source.id: source for source in rows}

    async def get_many(self, ids: Sequence[int]) -> list[Source]:
        if not ids:
            return []
        return list(await self.session.scalars(select(Source).where(Source.id.in_(ids))))

    async def by_feed_url(self, feed_url: str) -> Source | None:
        return await self.session.scalar(select(Source).where(Source.feed_url == feed_url))

    async def by_url(self, url: str) -> Source | None:
        return await self.session.scalar(
            select(Source).where((Source.url == url) | (Source.feed_url == url))
        )

    async def add(
        self,
        *,
        url: str,
        feed_url: str,
        name: str,
        interval: float,
        now: datetime,
        from_config: bool = False,
    ) -> Source:
        source = Source(
            url=url,
            feed_url=feed_url,
            name=name[:255],
            interval_seconds=interval,
            next_poll_at=now,
            error_count=0,
            paused=False,
            from_config=from_config,
            created_at=now,
        )
        self.session.add(source)
        await self.session.flush()
        return source

    async def with_stats(self) -> list[SourceStats]:
        counts = (
            select(Article.source_id, func.count(Article.id).label("n"))
            .group_by(Article.source_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(Source, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.source_id == Source.id)
            .order_by(Source.id)
        )
        return [SourceStats(source, int(n)) for source, n in rows.all()]

    async def claim_due(
        self,
        owner: str,
        now: datetime,
        until: datetime,
        *,
        limit: int | None = None,
        exclude: Iterable[int] = (),
    ) -> list[int]:
        """Lease up to ``limit`` due sources to ``owner`` until ``until``, most overdue first:
        unpaused, ``next_poll_at`` reached, not leased (or the lease lapsed). Rows another
        transaction is claiming are skipped (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""
        candidates = select(Source.id).where(
            Source.paused.is_(False),
            Source.next_poll_at <= now,
            (Source.lease_until.is_(None)) | (Source.lease_until < now),
        )
        excluded = list(exclude)
        if excluded:
            candidates = candidates.where(Source.id.not_in(excluded))
        candidates = candidates.order_by(Source.next_poll_at, Source.id)
        if limit is not None:
            candidates = candidates.limit(limit)
        rows = await self.session.execute(
            update(Source)
            .where(Source.id.in_(candidates.with_for_update(skip_locked=True).scalar_subquery()))
            .values(lease_owner=owner, lease_until=until)
            .returning(Source.id, Source.next_poll_at)
            .execution_options(synchronize_session=False)
        )
        return [source_id for source_id, _ in sorted(rows.all(), key=lambda row: row[1])]

    async def renew_leases(self, owner: str, ids: Iterable[int], until: datetime) -> int:
        wanted = list(ids)
        if not wanted:
            return 0
        result = await self.session.execute(
            update(Source)
            .where(Source.lease_owner == owner, Source.id.in_(wanted))
            .values(lease_until=until)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def release_lease(self, source_id: int, owner: str) -> None:
        """Clear the source's lease if ``owner`` holds it."""
        await self.session.execute(
            update(Source)
            .where(Source.id == source_id, Source.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )

    async def release_all_leases(self) -> None:
        """Only when this process is the only one (SQLite): claims of a previous run."""
        await self.session.execute(
            update(Source)
            .where(Source.lease_owner.is_not(None))
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )

    async def delete(self, source_id: int) -> bool:
        articles = await self.session.scalars(
            select(Article.id).where(Article.source_id == source_id)
        )
        await ArchiveRepository(self.session).remove(list(articles))
        result = await self.session.execute(delete(Source).where(Source.id == source_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]
