"""One drain of the outbox: fetch due work in batches and run it as the pacer allows.

Rules:

- Work-conserving: while one chat waits for its slot, others are sent, with up to
  ``max_in_flight`` jobs under way (never two for one chat).
- A chat that may not send for more than ``HORIZON`` seconds is left for a later drain, so
  it never holds the drain up; a global flood pause longer than that ends the drain.
- The next batch is fetched when the queues run low (half a batch) or a job ended with
  nothing queued; refills that find due rows but none of their chats (others claimed them)
  stop after ``MAX_MISSES`` in a row.
- A chat whose lease was lost is dropped from the queues: its rows are its new holder's.
- The drain's ``now`` is the caller's, moved on by the real time the drain has taken.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Protocol

from bot.alerts.claim import Found, Refill
from bot.alerts.leases import ChatLeases
from bot.alerts.plan import Job
from bot.telegram.outbound import Outbound

log = logging.getLogger(__name__)

HORIZON = 2.0
# Refills in a row that found due rows but got none of their chats (others claimed them).
MAX_MISSES = 3


class Work(Protocol):
    """What a drain asks of the deliverer."""

    def stopping(self) -> bool:
        """True once the deliverer takes no new work (closing)."""
        ...

    async def refill(
        self,
        now: datetime,
        *,
        queued_rows: Collection[int],
        skip_chats: Collection[int],
        working: Collection[int],
    ) -> Refill:
        """The next batch of jobs (see ``bot.alerts.claim.refill``)."""
        ...

    async def run(self, job: Job, clock: Callable[[], datetime]) -> int:
        """Run one job to its settled state; how many messages went out."""
        ...


class Drain:
    def __init__(
        self,
        work: Work,
        outbound: Outbound,
        leases: ChatLeases,
        now: datetime,
        *,
        batch_size: int,
        max_in_flight: int,
    ) -> None:
        self.work = work
        self.outbound = outbound
        self.pacer = outbound.pacer
        self.leases = leases
        self.batch_size = batch_size
        self.max_in_flight = max_in_flight
        self.start_now = now
        self.start_mono = self.pacer.monotonic()
        self.queues: dict[int, deque[Job]] = {}
        self.queued_rows: set[int] = set()
        self.busy: set[int] = set()
        self.deferred: set[int] = set()
        self.tasks: set[asyncio.Task[int]] = set()
        self.sent = 0
        self.misses = 0

    def now(self) -> datetime:
        """The caller's ``now`` moved on by the real time this drain has taken."""
        return self.start_now + timedelta(seconds=self.pacer.monotonic() - self.start_mono)

    async def run(self) -> int:
        """Drain until nothing is due (or everything due waits past ``HORIZON``); how many
        messages went out."""
        fetch = True
        try:
            while not self.work.stopping():
                fetched = False
                if fetch:
                    fetched = await self._refill()
                    fetch = False
                if self.pacer.paused_until - self.pacer.monotonic() > HORIZON:
                    break  # flood control: everything waits; a later drain goes on
                choice = self._pick()
                if choice is None:
                    if self.tasks:
                        await self._wait(None)
                        fetch = True
                        continue
                    if fetched:
                        fetch = True
                        continue
                    break
                chat_id, chat_ready = choice
                now = self.pacer.monotonic()
                if chat_ready - now > HORIZON:
                    self._defer(chat_id)
                    continue
                delay = chat_ready - now
                if len(self.tasks) >= self.max_in_flight:
                    await self._wait(None)
                    fetch = self._low()
                    continue
                if delay > 0:
                    if await self._wait(delay):
                        fetch = self._low()
                    continue
                self._start(chat_id)
        finally:
            if self.tasks:
                await asyncio.gather(*self.tasks, return_exceptions=True)
                self._collect(set(self.tasks))  # a copy: _collect removes from it
        return self.sent

    def _low(self) -> bool:
        return sum(len(q) for q in self.queues.values()) < max(1, self.batch_size // 2)

    def _pick(self) -> tuple[int, float] | None:
        for chat_id in [c for c in self.queues if c not in self.leases]:
            self._drop_queue(chat_id)  # lost to another deliverer: its rows are left to it
        best: tuple[int, float] | None = None
        for chat_id, jobs in self.queues.items():
            if chat_id in self.busy:
                continue
            ready = self.outbound.alert_ready_at(chat_id, jobs[0].group)
            if best is None or ready < best[1]:
                best = (chat_id, ready)
        return best

    def _defer(self, chat_id: int) -> None:
        self._drop_queue(chat_id)
        self.deferred.add(chat_id)

    def _drop_queue(self, chat_id: int) -> None:
        for job in self.queues.pop(chat_id, deque()):
            self.queued_rows.difference_update(job.row_ids)

    def _start(self, chat_id: int) -> None:
        queue = self.queues[chat_id]
        job = queue.popleft()
        if not queue:
            del self.queues[chat_id]
        self.busy.add(chat_id)
        task = asyncio.create_task(self._run_job(job))
        self.tasks.add(task)

    async def _run_job(self, job: Job) -> int:
        try:
            return await self.work.run(job, self.now)
        except Exception:
            log.exception("outbox rows %s could not be delivered", list(job.row_ids))
            return 0
        finally:
            self.busy.discard(job.chat_id)
            self.queued_rows.difference_update(job.row_ids)

    def _collect(self, done: set[asyncio.Task[int]]) -> None:
        for task in done:
            self.tasks.discard(task)
            if not task.cancelled() and task.exception() is None:
                self.sent += task.result()

    async def _wait(self, seconds: float | None) -> bool:
        """Wait for a job to finish (or ``seconds``); True when one did."""
        if not self.tasks:
            if seconds is not None:
                await asyncio.sleep(seconds)
            return False
        done, _ = await asyncio.wait(
            self.tasks, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
        )
        self._collect(done)
        return bool(done)

    async def _refill(self) -> bool:
        """Queue the next batch; True when any row was looked at (a few times in a row at
        most while other deliverers claim every chat first)."""
        refill = await self.work.refill(
            self.now(),
            queued_rows=self.queued_rows,
            skip_chats=self.deferred | self.pacer.waiting_chats(HORIZON),
            working=set(self.queues) | self.busy,
        )
        if refill.found is Found.NOTHING:
            return False
        if refill.found is Found.TAKEN:
            self.misses += 1
            return self.misses <= MAX_MISSES
        self.misses = 0
        for job in refill.jobs:
            self.queues.setdefault(job.chat_id, deque()).append(job)
            self.queued_rows.update(job.row_ids)
        return True
