"""Expensive commands (/test, the count after /subscribe): a per-person cooldown and a limit
on how many run at once in the whole bot.

``enter`` refuses at once while one of the person's runs or their cooldown after it does
(``Throttle.COOLDOWN``, with the seconds left), and waits at most ``wait`` seconds for a free
slot before refusing (``Throttle.BUSY``): nobody queues behind a crowd for longer than that,
and a command whose answer must not wait (the count under a new subscription) not at all.
The cooldown counts from the end of the person's last one; a refusal does not restart it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from enum import StrEnum

from bot.clock import Clock


class Throttle(StrEnum):
    COOLDOWN = "cooldown"  # the same person, too soon after their last one
    BUSY = "busy"  # every slot taken for longer than the wait


class Throttled(Exception):
    def __init__(self, reason: Throttle, retry_after: float) -> None:
        super().__init__(f"{reason.value}: retry in {retry_after:.0f} s")
        self.reason = reason
        self.retry_after = retry_after


class CommandGate:
    """``cooldown``: seconds between the end of one person's and their next; ``concurrency``:
    at once in the bot; ``wait``: seconds a command may wait for a slot."""

    def __init__(self, clock: Clock, *, cooldown: float, concurrency: int, wait: float) -> None:
        self.clock = clock
        self.cooldown = timedelta(seconds=cooldown)
        self.concurrency = concurrency
        self.wait = wait
        self._slots = asyncio.Semaphore(concurrency)
        self._ended: dict[int, datetime] = {}  # person -> when their last one ended
        self._inside: set[int] = set()  # people with one running or waiting for a slot
        self.running = 0  # how many hold a slot now

    @contextlib.asynccontextmanager
    async def enter(self, person: int, *, wait: bool = True) -> AsyncIterator[None]:
        """Hold a slot for ``person``'s work; raises Throttled. ``wait`` False: refuse at
        once when no slot is free (a command whose answer must not be held up)."""
        now = self.clock()
        if person in self._inside:
            raise Throttled(Throttle.COOLDOWN, self.cooldown.total_seconds())
        ended = self._ended.get(person)
        if ended is not None and now < ended + self.cooldown:
            raise Throttled(Throttle.COOLDOWN, (ended + self.cooldown - now).total_seconds())
        self._inside.add(person)
        try:
            try:
                if not wait and self._slots.locked():
                    raise TimeoutError
                async with asyncio.timeout(self.wait):
                    await self._slots.acquire()
            except TimeoutError:
                raise Throttled(Throttle.BUSY, self.wait) from None
            self.running += 1
            try:
                yield
            finally:
                self.running -= 1
                self._slots.release()
                self._ended[person] = self.clock()
        finally:
            self._inside.discard(person)
            self._forget_before(now - self.cooldown)

    def _forget_before(self, moment: datetime) -> None:
        if len(self._ended) > 1024:
            self._ended = {p: t for p, t in self._ended.items() if t > moment}
