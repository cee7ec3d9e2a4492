"""Queries on workers: the running processes and their heartbeats (``workers.seen_at``).
Callers own the session and its transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Worker


class WorkerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def seen(
        self, worker_id: str, *, role: str, host: str, pid: int, started_at: datetime, now: datetime
    ) -> None:
        """Record that ``worker_id`` is alive at ``now``: its row, created on its first beat."""
        worker = await self.session.get(Worker, worker_id)
        if worker is None:
            self.session.add(
                Worker(
                    id=worker_id,
                    role=role,
                    host=host,
                    pid=pid,
                    started_at=started_at,
                    seen_at=now,
                )
            )
        else:
            worker.seen_at = now

    async def forget_unseen_since(self, moment: datetime) -> None:
        """Drop the rows of processes last seen before ``moment`` (they stopped or died)."""
        await self.session.execute(delete(Worker).where(Worker.seen_at < moment))

    async def remove(self, worker_id: str) -> None:
        await self.session.execute(delete(Worker).where(Worker.id == worker_id))

    async def any_recorded(self) -> bool:
        """Whether any process has a row (has ever written a heartbeat and not been forgotten)."""
        return await self.session.scalar(select(Worker.id).limit(1)) is not None

    async def alive_by_role(self, since: datetime) -> dict[str, int]:
        """Processes seen since ``since``, counted by role (in role order)."""
        rows = await self.session.execute(
            select(Worker.role, func.count())
            .where(Worker.seen_at >= since)
            .group_by(Worker.role)
            .order_by(Worker.role)
        )
        return {role: int(count) for role, count in rows.all()}
