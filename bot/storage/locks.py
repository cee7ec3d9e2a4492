"""PostgreSQL session advisory locks held on a connection of their own.

Rules: the lock is taken with ``pg_try_advisory_lock`` (never waited for) and lives as long
as its connection: the transaction that took it is committed at once, so no transaction
stays idle; releasing unlocks before the connection goes back to the pool (where the lock
would otherwise stay); a holder that dies loses the lock with its connection. Each lock is a
subclass naming its ``key``.
"""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class AdvisoryLock:
    key: ClassVar[int]

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._connection: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None

    async def try_acquire(self) -> bool:
        if self._connection is not None:
            return True
        connection = await self.engine.connect()
        try:
            got = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            )
            await connection.commit()  # the lock outlives the transaction; no idle transaction
        except BaseException:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return False
        self._connection = connection
        return True

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            await connection.commit()
        finally:
            await connection.close()
