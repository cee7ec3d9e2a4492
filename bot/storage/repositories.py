"""Queries, one repository per table. Callers own the session and its transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Alias, Article, Chat, OutboxItem, Source, Subscription


class ChatRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, chat_id: int) -> Chat | None:
        return await self.session.get(Chat, chat_id)

    async def ensure(self, chat_id: int, *, language: str, now: datetime, title: str = "") -> Chat:
        """The chat's row, created if missing; safe when two transactions create it at once
        (INSERT ... ON CONFLICT DO NOTHING waits for the other and then reads its row)."""
        chat = await self.get(chat_id)
        if chat is not None:
            return chat
        values = {
            "id": chat_id,
            "title": title[:255],
            "language": language,
            "paused": False,
            "allowed": False,
            "blocked": False,
            "created_at": now,
        }
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                postgresql_insert(Chat).values(**values).on_conflict_do_nothing()
            )
        else:
            await self.session.execute(
                sqlite_insert(Chat).values(**values).on_conflict_do_nothing()
            )
        chat = await self.get(chat_id)
        assert chat is not None, "the row was just inserted or found"
        return chat

    async def many(self, chat_ids: Iterable[int]) -> dict[int, Chat]:
        ids = list(set(chat_ids))
        if not ids:
            return {}
        rows = await self.session.scalars(select(Chat).where(Chat.id.in_(ids)))
        return {chat.id: chat for chat in rows}


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, chat_id: int, query: str, now: datetime) -> Subscription:
        subscription = Subscription(chat_id=chat_id, query=query, created_at=now)
        self.session.add(subscription)
        await self.session.flush()
        return subscription

    async def find(self, chat_id: int, query: str) -> Subscription | None:
        return await self.session.scalar(
            select(Subscription).where(Subscription.chat_id == chat_id, Subscription.query == query)
        )

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


@dataclass(frozen=True, slots=True)
class SourceStats:
    source: Source
    article_count: int


class SourceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, source_id: int) -> Source | None:
        return await self.session.get(Source, source_id)

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

    async def due(self, now: datetime, exclude: Iterable[int] = ()) -> Sequence[Source]:
        query = select(Source).where(Source.paused.is_(False), Source.next_poll_at <= now)
        excluded = list(exclude)
        if excluded:
            query = query.where(Source.id.not_in(excluded))
        rows = await self.session.scalars(query.order_by(Source.next_poll_at))
        return rows.all()

    async def delete(self, source_id: int) -> bool:
        result = await self.session.execute(delete(Source).where(Source.id == source_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]


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

    async def add(self, article: Article) -> Article:
        self.session.add(article)
        await self.session.flush()
        return article

    async def recent_with_source(self, moment: datetime, limit: int) -> list[tuple[Article, str]]:
        """Articles fetched since ``moment``, newest first, with their source's name."""
        rows = await self.session.execute(
            select(Article, Source.name)
            .join(Source, Source.id == Article.source_id)
            .where(Article.fetched_at >= moment)
            .order_by(Article.fetched_at.desc(), Article.id.desc())
            .limit(limit)
        )
        return [(article, name) for article, name in rows.all()]


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, item: OutboxItem) -> None:
        self.session.add(item)

    async def queue(
        self,
        *,
        chat_id: int,
        thread_id: int,
        kind: str,
        now: datetime,
        article_id: int | None = None,
        payload: dict[str, object] | None = None,
        subscription_ids: Sequence[int] = (),
        spans: Sequence[list[object]] = (),
    ) -> None:
        """A new pending row, due now."""
        await self.add(
            OutboxItem(
                chat_id=chat_id,
                thread_id=thread_id,
                kind=kind,
                article_id=article_id,
                payload=payload,
                subscription_ids=list(subscription_ids),
                spans=list(spans),
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                also=[],
                edit_pending=False,
                plain=False,
            )
        )

    async def due(self, now: datetime, limit: int) -> Sequence[OutboxItem]:
        rows = await self.session.scalars(
            select(OutboxItem)
            .where(OutboxItem.status == "pending", OutboxItem.next_attempt_at <= now)
            .order_by(OutboxItem.id)
            .limit(limit)
        )
        return rows.all()

    async def drop_pending_for_chat(self, chat_id: int, reason: str) -> None:
        await self.session.execute(
            update(OutboxItem)
            .where(OutboxItem.chat_id == chat_id, OutboxItem.status == "pending")
            .values(status="dropped", last_error=reason)
        )

    # -- delivery (helper C) ---------------------------------------------------------------

    async def deliverable(
        self,
        now: datetime,
        limit: int,
        *,
        exclude_ids: Iterable[int] = (),
        exclude_chats: Iterable[int] = (),
    ) -> Sequence[OutboxItem]:
        """Due work, oldest first: pending rows, and sent rows whose message needs an edit."""
        query = select(OutboxItem).where(
            OutboxItem.next_attempt_at <= now,
            (OutboxItem.status == "pending")
            | ((OutboxItem.status == "sent") & OutboxItem.edit_pending.is_(True)),
        )
        ids, chats = list(exclude_ids), list(exclude_chats)
        if ids:
            query = query.where(OutboxItem.id.not_in(ids))
        if chats:
            query = query.where(OutboxItem.chat_id.not_in(chats))
        rows = await self.session.scalars(query.order_by(OutboxItem.id).limit(limit))
        return rows.all()

    async def due_alerts_for_chat(self, chat_id: int, now: datetime) -> Sequence[OutboxItem]:
        rows = await self.session.scalars(
            select(OutboxItem)
            .where(
                OutboxItem.chat_id == chat_id,
                OutboxItem.kind == "alert",
                OutboxItem.status == "pending",
                OutboxItem.next_attempt_at <= now,
            )
            .order_by(OutboxItem.id)
        )
        return rows.all()

    async def requeue_sending(self) -> int:
        """Rows left ``sending`` by a crash go back to ``pending``: they are sent again."""
        result = await self.session.execute(
            update(OutboxItem)
            .where(OutboxItem.status == "sending")
            .values(status="pending", last_error="the bot stopped while sending; resent")
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def status_counts(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
        )
        return {status: int(count) for status, count in rows.all()}

    async def held_count(self, now: datetime) -> int:
        """Pending rows not due yet (digests, quiet hours, retry backoff)."""
        count = await self.session.scalar(
            select(func.count()).where(
                OutboxItem.status == "pending", OutboxItem.next_attempt_at > now
            )
        )
        return int(count or 0)

    async def sent_since(self, since: datetime) -> int:
        count = await self.session.scalar(
            select(func.count()).where(OutboxItem.status == "sent", OutboxItem.sent_at >= since)
        )
        return int(count or 0)

    async def latest_with_status(self, status: str, limit: int) -> Sequence[OutboxItem]:
        rows = await self.session.scalars(
            select(OutboxItem)
            .where(OutboxItem.status == status)
            .order_by(OutboxItem.id.desc())
            .limit(limit)
        )
        return rows.all()


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
