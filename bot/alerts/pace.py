"""The global send rate shared by every deliverer process, kept in PostgreSQL.

Each deliverer's ``Pacer`` spaces its own messages; with several deliverers their sum would
be several times the rate Telegram allows the bot. So, before each request, a deliverer
reserves the next global send slot in the ``pacing`` table (row ``global``) and waits for it:

    UPDATE pacing SET next_at = GREATEST(next_at, clock_timestamp()) + spacing
    WHERE name = 'global'
    RETURNING EXTRACT(EPOCH FROM next_at - clock_timestamp()) - spacing   -- the wait

One autocommitted statement: the row lock lasts that statement only, and the times are the
database's clock, so the deliverers' clocks need not agree. Slots are handed out
``1 / messages_per_second`` apart whoever asks, so all deliverers together keep the rate;
several requests of one deliverer may hold slots at once (its sends in flight), so the rate
is reached with any number of deliverers. A global flood (429 for many chats) pushes the next
slot past ``retry_after`` for everyone (``pause``).
"""

from __future__ import annotations

from sqlalchemy import Float, cast, extract, func, literal, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.db import Session, SessionFactory
from bot.storage.models import Pacing

GLOBAL = "global"


def _seconds(value: float) -> object:
    return func.make_interval(0, 0, 0, 0, 0, 0, literal(value, Float))


class SharedPace:
    """Send slots, ``1 / messages_per_second`` apart, shared through PostgreSQL."""

    def __init__(
        self, sessions: SessionFactory, messages_per_second: float, name: str = GLOBAL
    ) -> None:
        self.sessions = sessions
        self.spacing = 1.0 / messages_per_second
        self.name = name
        self._row_exists = False

    async def reserve(self) -> float:
        """Take the next free slot; return how many seconds to wait before sending."""
        now = func.clock_timestamp()
        step = _seconds(self.spacing)
        statement = (
            update(Pacing)
            .where(Pacing.name == self.name)
            .values(next_at=func.greatest(Pacing.next_at, now) + step)
            .returning(cast(extract("epoch", Pacing.next_at - now), Float) - self.spacing)
        )
        async with self.sessions() as session:
            connection = await self._autocommit(session)
            await self._ensure_row(connection)
            wait = (await connection.execute(statement)).scalar_one()
        return max(0.0, float(wait))

    async def pause(self, seconds: float) -> None:
        """Telegram throttles the bot as a whole: no slot before ``seconds`` from now."""
        statement = (
            update(Pacing)
            .where(Pacing.name == self.name)
            .values(
                next_at=func.greatest(Pacing.next_at, func.clock_timestamp() + _seconds(seconds))
            )
        )
        async with self.sessions() as session:
            connection = await self._autocommit(session)
            await self._ensure_row(connection)
            await connection.execute(statement)

    @staticmethod
    async def _autocommit(session: Session) -> AsyncConnection:
        """The session's connection, each statement its own transaction."""
        return await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

    async def _ensure_row(self, connection: AsyncConnection) -> None:
        if self._row_exists:
            return
        await connection.execute(
            insert(Pacing)
            .values(name=self.name, next_at=func.clock_timestamp())
            .on_conflict_do_nothing(index_elements=[Pacing.name])
        )
        self._row_exists = True
