"""Per-host concurrency slots for the fetcher.

Rules: at most ``size`` holders per host name at once; a host's semaphore exists only
while somebody holds or waits for it, so a fetcher that has seen thousands of hosts keeps
none of them; a waiter that is cancelled leaves no trace.
"""

from __future__ import annotations

import asyncio

__all__ = ["HostSlot", "HostSlots"]


class HostSlots:
    """Per-host semaphores that disappear when nobody uses them."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._slots: dict[str, tuple[asyncio.Semaphore, int]] = {}

    def acquire_for(self, host: str) -> HostSlot:
        """An ``async with`` slot for ``host``: waits while ``size`` others hold one."""
        return HostSlot(self, host)

    def _enter(self, host: str) -> asyncio.Semaphore:
        semaphore, users = self._slots.get(host, (None, 0))
        if semaphore is None:
            semaphore = asyncio.Semaphore(self._size)
        self._slots[host] = (semaphore, users + 1)
        return semaphore

    def _leave(self, host: str) -> None:
        semaphore, users = self._slots[host]
        if users <= 1:
            del self._slots[host]
        else:
            self._slots[host] = (semaphore, users - 1)

    def __len__(self) -> int:
        return len(self._slots)


class HostSlot:
    """One holder's slot for one host (see :meth:`HostSlots.acquire_for`)."""

    def __init__(self, slots: HostSlots, host: str) -> None:
        self._slots = slots
        self._host = host
        self._semaphore: asyncio.Semaphore | None = None

    async def __aenter__(self) -> None:
        self._semaphore = self._slots._enter(self._host)
        try:
            await self._semaphore.acquire()
        except BaseException:
            self._slots._leave(self._host)
            raise

    async def __aexit__(self, *exc: object) -> None:
        assert self._semaphore is not None
        self._semaphore.release()
        self._slots._leave(self._host)
