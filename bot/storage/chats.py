"""Queries on chats: the places alerts go (private chats, groups, topics, channels) and their
settings. Callers own the session and its transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Chat


class ChatKind(StrEnum):
    """Telegram's chat types, as stored in ``chats.kind``."""

    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"


@dataclass(frozen=True, slots=True)
class ChatGroup:
    """How many chats have this kind and these flags."""

    kind: str
    paused: bool
    blocked: bool
    count: int


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

    async def count_by_kind_and_flags(self) -> list[ChatGroup]:
        rows = await self.session.execute(
            select(Chat.kind, Chat.paused, Chat.blocked, func.count()).group_by(
                Chat.kind, Chat.paused, Chat.blocked
            )
        )
        return [
            ChatGroup(kind, paused, blocked, int(count)) for kind, paused, blocked, count in rows
        ]

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
