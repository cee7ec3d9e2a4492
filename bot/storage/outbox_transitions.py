"""The outbox's status transitions on the way to Telegram, each a named method.

``pending`` → ``sending`` (``claim``, committed before the request leaves) → ``sent``
(``mark_sent``, one statement: it closes the duplicate window) or back to ``pending``
(``retry_at``, ``retry_as_plain``, ``retry_or_fail``, ``release``), or given up:
``dropped`` (``drop``, ``give_up``), ``parked``, ``failed``. A sent row's edit is done, put
off or given up (``edit_done``, ``edit_later``, ``edit_retry_or_give_up``). Callers own the
session and its transaction; ``backoff(attempts)`` is the caller's retry policy (seconds).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import OutboxItem, OutboxStatus

Backoff = Callable[[int], float]


class OutboxTransitions:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rows(self, row_ids: Sequence[int]) -> Sequence[OutboxItem]:
        """The rows still stored, in one query."""
        found = await self.session.scalars(
            select(OutboxItem).where(OutboxItem.id.in_(list(row_ids))).order_by(OutboxItem.id)
        )
        return found.all()

    async def get(self, row_id: int) -> OutboxItem | None:
        return await self.session.get(OutboxItem, row_id)

    async def lock_pending(self, row_ids: Sequence[int]) -> list[OutboxItem]:
        """These rows, locked, of those still ``pending``."""
        rows = []
        for row_id in row_ids:
            row = await self.session.get(OutboxItem, row_id, with_for_update=True)
            if row is not None and row.status == OutboxStatus.PENDING:
                rows.append(row)
        return rows

    @staticmethod
    def claim(rows: Sequence[OutboxItem]) -> None:
        for row in rows:
            row.status = OutboxStatus.SENDING

    async def mark_sent(self, row_ids: Sequence[int], message_id: int, now: datetime) -> None:
        """One statement: this commit closes the duplicate window, keep it short.
        ``message_id`` 0: Telegram accepted it, its answer could not be read."""
        await self.session.execute(
            update(OutboxItem)
            .where(OutboxItem.id.in_(list(row_ids)))
            .values(
                status=OutboxStatus.SENT,
                sent_at=now,
                telegram_message_id=message_id or None,
                attempts=OutboxItem.attempts + 1,
                last_error=None,
            )
        )

    async def release(self, row_ids: Sequence[int]) -> None:
        """This deliverer's own ``sending`` rows back to ``pending`` (it lost the chat)."""
        await self.session.execute(
            update(OutboxItem)
            .where(OutboxItem.id.in_(list(row_ids)), OutboxItem.status == OutboxStatus.SENDING)
            .values(status=OutboxStatus.PENDING)
            .execution_options(synchronize_session=False)
        )

    async def retry_at(self, row_ids: Sequence[int], when: datetime, error: str) -> None:
        """Back to ``pending`` until ``when``, no attempt used (Telegram said when)."""
        for row in await self.rows(row_ids):
            row.status, row.next_attempt_at, row.last_error = OutboxStatus.PENDING, when, error

    async def drop(self, row_ids: Sequence[int], reason: str) -> None:
        for row in await self.rows(row_ids):
            row.status, row.last_error = OutboxStatus.DROPPED, reason

    @staticmethod
    def give_up(rows: Sequence[OutboxItem], reason: str) -> None:
        """A paused or unreachable chat's rows: dropped (a sent row's edit is given up)."""
        for row in rows:
            if row.status == OutboxStatus.SENT:
                row.edit_pending = False
            else:
                row.status, row.last_error = OutboxStatus.DROPPED, reason

    async def retry_as_plain(self, row_ids: Sequence[int], error: str, now: datetime) -> list[int]:
        """Telegram refused the message: sent once more as plain text, then ``parked``;
        returns the ids parked."""
        parked = []
        for row in await self.rows(row_ids):
            row.last_error = error
            if row.plain:
                row.status = OutboxStatus.PARKED
                parked.append(row.id)
            else:
                row.status, row.plain, row.next_attempt_at = OutboxStatus.PENDING, True, now
        return parked

    async def retry_or_fail(
        self,
        row_ids: Sequence[int],
        error: str,
        now: datetime,
        *,
        max_attempts: int,
        backoff: Backoff,
    ) -> list[int]:
        """An attempt used: retried after ``backoff(attempts)``, ``failed`` at
        ``max_attempts``; returns the ids failed."""
        failed = []
        for row in await self.rows(row_ids):
            row.attempts += 1
            row.last_error = error
            if row.attempts >= max_attempts:
                row.status = OutboxStatus.FAILED
                failed.append(row.id)
            else:
                row.status = OutboxStatus.PENDING
                row.next_attempt_at = now + timedelta(seconds=backoff(row.attempts))
        return failed

    async def shares_message(self, row: OutboxItem) -> bool:
        """Whether other rows went out in the same message as this one (a digest)."""
        others = await self.session.scalar(
            select(func.count())
            .select_from(OutboxItem)
            .where(
                OutboxItem.chat_id == row.chat_id,
                OutboxItem.telegram_message_id == row.telegram_message_id,
                OutboxItem.id != row.id,
            )
        )
        return bool(others)

    async def edit_done(self, row_id: int, also: Sequence[str], error: str | None) -> None:
        """The edit showing ``also`` is done (``error`` None) or given up."""
        row = await self.get(row_id)
        if row is None:
            return
        if error is not None:
            row.last_error = error
        # Another outlet may have been added while we edited: then edit again.
        if error is not None or list(row.also or []) == list(also):
            row.edit_pending = False

    async def edit_later(self, row_id: int, when: datetime) -> None:
        """Edit again at ``when``, no attempt used (Telegram said when)."""
        row = await self.get(row_id)
        if row is not None:
            row.next_attempt_at = when

    async def edit_retry_or_give_up(
        self, row_id: int, error: str, now: datetime, *, max_attempts: int, backoff: Backoff
    ) -> bool:
        """An attempt used: the edit is retried after ``backoff``, given up past
        ``max_attempts``; True when given up."""
        row = await self.get(row_id)
        if row is None:
            return False
        row.attempts += 1
        row.last_error = error
        if row.attempts > max_attempts:
            row.edit_pending = False
            return True
        row.next_attempt_at = now + timedelta(seconds=backoff(row.attempts - 1))
        return False
