"""The global send rate shared by every deliverer process, kept in PostgreSQL.

Each deliverer's ``Pacer`` spaces its own messages; with several deliverers their sum would
be several times the rate Telegram allows the bot. So, before each request, a deliverer
reserves the next global send slot in the ``pacing`` table (row ``global``) and waits for it:

    UPDATE pacing SET next_at = GREATEST(next_at, clock_timestamp()) + spacing
    WHERE name = 'global'
    RETURNING EXTRACT(EPOCH FROM next_at - clock_timestamp()) - spacing   -- the wait

One autocommitted statement (``bot.storage.pacing``): the row lock lasts that statement
only, and the times are the database's clock, so the deliverers' clocks need not agree.
Slots are handed out ``1 / messages_per_second`` apart whoever asks, so all deliverers
together keep the rate;
several requests of one deliverer may hold slots at once (its sends in flight), so the rate
is reached with any number of deliverers. A global flood (429 for many chats) pushes the next
slot past ``retry_after`` for everyone (``pause``).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.db import SessionFactory
from bot.storage.pacing import PacingRepository, autocommit

GLOBAL = "global"


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
        async with self.sessions() as session:
            pacing = await self._pacing(await autocommit(session))
            wait = await pacing.take_slot(self.name, self.spacing)
        return max(0.0, wait)

    async def pause(self, seconds: float) -> None:
        """Telegram throttles the bot as a whole: no slot before ``seconds`` from now."""
        async with self.sessions() as session:
            pacing = await self._pacing(await autocommit(session))
            await pacing.no_slot_before(self.name, seconds)

    async def _pacing(self, connection: AsyncConnection) -> PacingRepository:
        pacing = PacingRepository(connection)
        if not self._row_exists:
            await pacing.ensure(self.name)
            self._row_exists = True
        return pacing
