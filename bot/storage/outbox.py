"""Queries on the outbox: alerts waiting, being sent, sent or given up. Callers own the session
and its transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Article, Chat, OutboxItem, OutboxKind, OutboxStatus, Source


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
        kind: OutboxKind,
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
                status=OutboxStatus.PENDING,
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
            .where(OutboxItem.status == OutboxStatus.PENDING, OutboxItem.next_attempt_at <= now)
            .order_by(OutboxItem.id)
            .limit(limit)
        )
        return rows.all()

    async def story_alerts(self, story_id: int) -> list[tuple[OutboxItem, str]]:
        """The alert rows queued for any article of a story, oldest first, each with the
        name of its article's outlet."""
        rows = await self.session.execute(
            select(OutboxItem, Source.name)
            .join(Article, Article.id == OutboxItem.article_id)
            .join(Source, Source.id == Article.source_id)
            .where(
                OutboxItem.kind == OutboxKind.ALERT,
                (Article.id == story_id) | (Article.story_id == story_id),
            )
            .order_by(OutboxItem.id)
        )
        return [(row, outlet) for row, outlet in rows.all()]

    async def drop_pending_for_chat(self, chat_id: int, reason: str) -> None:
        await self.session.execute(
            update(OutboxItem)
            .where(OutboxItem.chat_id == chat_id, OutboxItem.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.DROPPED, last_error=reason)
        )

    async def prune_notices(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` notices created before ``before`` that are done (sent,
        failed, dropped: not waiting to go out); returns how many."""
        ids = list(
            await self.session.scalars(
                select(OutboxItem.id)
                .where(
                    OutboxItem.kind == OutboxKind.NOTICE,
                    OutboxItem.article_id.is_(None),
                    OutboxItem.created_at < before,
                    OutboxItem.status.not_in((OutboxStatus.PENDING, OutboxStatus.SENDING)),
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
            (OutboxItem.status == OutboxStatus.PENDING)
            | ((OutboxItem.status == OutboxStatus.SENT) & OutboxItem.edit_pending.is_(True)),
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
                OutboxItem.kind == OutboxKind.ALERT,
                OutboxItem.status == OutboxStatus.PENDING,
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
        sending = select(OutboxItem.chat_id).where(OutboxItem.status == OutboxStatus.SENDING)
        chats = (
            select(Chat.id)
            .where(Chat.id.in_(sending.scalar_subquery()), abandoned)
            .with_for_update(skip_locked=True)
        )
        result = await self.session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.status == OutboxStatus.SENDING,
                OutboxItem.chat_id.in_(chats.scalar_subquery()),
            )
            .values(status=OutboxStatus.PENDING, last_error="the bot stopped while sending; resent")
            .execution_options(synchronize_session=False)
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
                OutboxItem.status == OutboxStatus.PENDING, OutboxItem.next_attempt_at > now
            )
        )
        return int(count or 0)

    async def sent_since(self, since: datetime) -> int:
        count = await self.session.scalar(
            select(func.count()).where(
                OutboxItem.status == OutboxStatus.SENT, OutboxItem.sent_at >= since
            )
        )
        return int(count or 0)

    async def latest_with_status(self, status: OutboxStatus, limit: int) -> Sequence[OutboxItem]:
        rows = await self.session.scalars(
            select(OutboxItem)
            .where(OutboxItem.status == status)
            .order_by(OutboxItem.id.desc())
            .limit(limit)
        )
        return rows.all()
