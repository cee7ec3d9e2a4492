"""Queries on the ``pacing`` table: the next free send slot shared by every deliverer.

Each statement is its own transaction on the caller's connection (``autocommit``): the row
lock lasts that statement only, and the times are the database's clock
(``clock_timestamp()``), so the processes' clocks need not agree. PostgreSQL only.
"""

from __future__ import annotations

from sqlalchemy import Float, cast, extract, func, literal, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.db import Session
from bot.storage.models import Pacing


def _seconds(value: float) -> object:
    return func.make_interval(0, 0, 0, 0, 0, 0, literal(value, Float))


async def autocommit(session: Session) -> AsyncConnection:
    """The session's connection, each statement its own transaction."""
    return await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


class PacingRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def ensure(self, name: str) -> None:
        """The row exists (its first slot: now)."""
        await self.connection.execute(
            insert(Pacing)
            .values(name=name, next_at=func.clock_timestamp())
            .on_conflict_do_nothing(index_elements=[Pacing.name])
        )

    async def take_slot(self, name: str, spacing: float) -> float:
        """Take the next free slot and move it ``spacing`` seconds on; the seconds to wait
        for the slot taken (negative: it is free already)."""
        now = func.clock_timestamp()
        statement = (
            update(Pacing)
            .where(Pacing.name == name)
            .values(next_at=func.greatest(Pacing.next_at, now) + _seconds(spacing))
            .returning(cast(extract("epoch", Pacing.next_at - now), Float) - spacing)
        )
        return float((await self.connection.execute(statement)).scalar_one())

    async def no_slot_before(self, name: str, seconds: float) -> None:
        """No slot is given before ``seconds`` from now."""
        await self.connection.execute(
            update(Pacing)
            .where(Pacing.name == name)
            .values(
                next_at=func.greatest(Pacing.next_at, func.clock_timestamp() + _seconds(seconds))
            )
        )
