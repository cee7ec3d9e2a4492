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

    # -- delivery leases (helper C) ----------------------------------------------------------

    async def claim_delivery(
        self, chat_ids: Iterable[int], worker: str, now: datetime, until: datetime
    ) -> set[int]:
        """Lease these chats to ``worker`` until ``until`` where free (no owner, or the lease
        lapsed) or already its own; return the ids it holds now. Chats another transaction
        has locked are skipped, not waited for (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""
        ids = sorted(set(chat_ids))
        if not ids:
            return set()
        claimable = (
            select(Chat.id)
            .where(
                Chat.id.in_(ids),
                Chat.delivery_owner.is_(None)
                | (Chat.delivery_owner == worker)
                | (Chat.delivery_until < now),
            )
            .order_by(Chat.id)
            .with_for_update(skip_locked=True)
        )
        rows = await self.session.scalars(
            update(Chat)
            .where(Chat.id.in_(claimable.scalar_subquery()))
            .values(delivery_owner=worker, delivery_until=until)
            .returning(Chat.id)
            .execution_options(synchronize_session=False)
        )
        return set(rows)

    async def locked(self, chat_id: int) -> Chat | None:
        """The chat's row, locked until the transaction ends (``FOR UPDATE``)."""
        return await self.session.get(Chat, chat_id, with_for_update=True)

    async def release_all_deliveries(self) -> None:
        """Only when this process is the only deliverer (SQLite): leases of a previous run."""
        await self.session.execute(
            update(Chat)
            .where(Chat.delivery_owner.is_not(None))
            .values(delivery_owner=None, delivery_until=None)
            .execution_options(synchronize_session=False)
        )


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

    async def serialize(self, *keys: str) -> None:
        """Make transactions naming the same key run one at a time from here to their end
        (a count then an insert under a cap): on PostgreSQL a transaction-scoped advisory
        lock per key, taken in order; SQLite's writing transactions already run one at a
        time."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for key in sorted(set(keys)):
            await self.session.execute(
                select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0)))
            )

    async def count_by_person(self, user_id: int) -> int:
        """Subscriptions ``user_id`` made, in every chat."""
        count = await self.session.scalar(
            select(func.count()).select_from(Subscription).where(Subscription.created_by == user_id)
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

    async def release_all_leases(self) -> None:
        """Only when this process is the only one (SQLite): claims of a previous run."""
        await self.session.execute(
            update(Source)
            .where(Source.lease_owner.is_not(None))
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )

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

    async def prune_notices(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` notices created before ``before`` that are done (sent,
        failed, dropped: not waiting to go out); returns how many."""
        ids = list(
            await self.session.scalars(
                select(OutboxItem.id)
                .where(
                    OutboxItem.kind == "notice",
                    OutboxItem.article_id.is_(None),
                    OutboxItem.created_at < before,
                    OutboxItem.status.not_in(("pending", "sending")),
                    OutboxItem.edit_pending.is_(False),
                )
                .order_by(OutboxItem.id)
                .limit(limit)
            )
        )
        if ids:
            await self.session.execute(delete(OutboxItem).where(OutboxItem.id.in_(ids)))
        return len(ids)

    # -- delivery (helper C) ---------------------------------------------------------------

    async def deliverable(
        self,
        now: datetime,
        limit: int,
        *,
        worker: str | None = None,
        exclude_ids: Iterable[int] = (),
        exclude_chats: Iterable[int] = (),
    ) -> Sequence[OutboxItem]:
        """Due work: pending rows, and sent rows whose message needs an edit. Taken in turns
        across chats (every chat's oldest row, then every chat's second...; oldest first
        within a turn), so one busy chat cannot hold everyone else's alerts back. With
        ``worker``: only of chats free for it (no delivery lease, a lapsed one, or its own)."""
        turn = func.row_number().over(partition_by=OutboxItem.chat_id, order_by=OutboxItem.id)
        query = select(OutboxItem.id, turn.label("turn")).where(
            OutboxItem.next_attempt_at <= now,
            (OutboxItem.status == "pending")
            | ((OutboxItem.status == "sent") & OutboxItem.edit_pending.is_(True)),
        )
        if worker is not None:
            query = query.join(Chat, Chat.id == OutboxItem.chat_id).where(
                Chat.delivery_owner.is_(None)
                | (Chat.delivery_owner == worker)
                | (Chat.delivery_until < now)
            )
        ids, chats = list(exclude_ids), list(exclude_chats)
        if ids:
            query = query.where(OutboxItem.id.not_in(ids))
        if chats:
            query = query.where(OutboxItem.chat_id.not_in(chats))
        turns = query.subquery()
        rows = await self.session.scalars(
            select(OutboxItem)
            .join(turns, turns.c.id == OutboxItem.id)
            .order_by(turns.c.turn, OutboxItem.id)
            .limit(limit)
        )
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

    async def requeue_sending(self, now: datetime, *, worker: str, unowned: bool = False) -> int:
        """Rows left ``sending`` by a deliverer that stopped go back to ``pending`` (they are
        sent again): those of chats whose delivery lease lapsed, held by a worker other than
        ``worker``, and with ``unowned`` those of chats no deliverer holds. The chats are
        locked (``SKIP LOCKED``) so a lease renewed meanwhile is seen, never overruled."""
        abandoned = Chat.delivery_owner.is_not(None) & (Chat.delivery_owner != worker)
        abandoned &= Chat.delivery_until < now
        if unowned:
            abandoned |= Chat.delivery_owner.is_(None)
        sending = select(OutboxItem.chat_id).where(OutboxItem.status == "sending")
        chats = (
            select(Chat.id)
            .where(Chat.id.in_(sending.scalar_subquery()), abandoned)
            .with_for_update(skip_locked=True)
        )
        result = await self.session.execute(
            update(OutboxItem)
            .where(OutboxItem.status == "sending", OutboxItem.chat_id.in_(chats.scalar_subquery()))
            .values(status="pending", last_error="the bot stopped while sending; resent")
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def release_sending(self, row_ids: Sequence[int]) -> None:
        """This deliverer's own ``sending`` rows back to ``pending`` (it lost the chat)."""
        await self.session.execute(
            update(OutboxItem)
            .where(OutboxItem.id.in_(list(row_ids)), OutboxItem.status == "sending")
            .values(status="pending")
            .execution_options(synchronize_session=False)
        )

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
