"""Group commit: callers hand in items, one writer at a time writes them in batches, and each
caller gets its own item's result.

Rules:

- ``submit(item)`` queues the item and waits for its result. Writing happens under ``lock``:
  the caller that gets it writes the queue, oldest first, in batches of at most
  ``max_batch``, until its own item is written. Items queued while a write is under way are
  written together by the next holder (one lock hold and one write for the lot); their
  callers find them done when they get the lock in turn.
- A batch of several items is written with one ``write`` call (results in the items' order).
  When that raises, each item of the batch is written alone with ``write_alone``, so a
  failing item fails only its own caller (its ``submit`` raises that error); the others get
  their results. A single item is written with ``write_alone`` straight away.
- A caller cancelled while it waits takes its item out of the queue; an item already in a
  batch being written is written all the same, its result unread. A writer cancelled in the
  middle of a batch puts the batch's items that are still waiting (not its own) back at the
  front of the queue for the next holder of the lock: no other caller's item is lost.
- ``lock`` may be shared with other writers, who hold it without going through this queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


@dataclass(eq=False, slots=True)
class _Waiting(Generic[T, R]):
    item: T
    result: asyncio.Future[R]


class GroupCommit(Generic[T, R]):
    def __init__(
        self,
        write: Callable[[Sequence[T]], Awaitable[Sequence[R]]],
        write_alone: Callable[[T], Awaitable[R]],
        *,
        lock: asyncio.Lock,
        max_batch: int,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._write_batch = write
        self._write_alone = write_alone
        self.lock = lock
        self.max_batch = max_batch
        self._queue: list[_Waiting[T, R]] = []

    @property
    def waiting(self) -> int:
        """How many items are queued and not yet taken into a write."""
        return len(self._queue)

    async def submit(self, item: T) -> R:
        """Write ``item`` (with others queued meanwhile); its result, or its write's error."""
        entry: _Waiting[T, R] = _Waiting(item, asyncio.get_running_loop().create_future())
        self._queue.append(entry)
        try:
            async with self.lock:
                while not entry.result.done():  # in order, up to ours; the others take the rest
                    batch = self._queue[: self.max_batch]
                    del self._queue[: self.max_batch]
                    try:
                        await self._write(batch)
                    finally:  # cancelled midway: the next holder writes the others
                        self._queue[:0] = [
                            other
                            for other in batch
                            if not other.result.done() and other is not entry
                        ]
        except asyncio.CancelledError:
            entry.result.cancel()  # whoever holds the lock now skips it
            if entry in self._queue:
                self._queue.remove(entry)
            raise
        return entry.result.result()

    async def _write(self, batch: Sequence[_Waiting[T, R]]) -> None:
        """Write the batch's items and settle their results: together, or (the batch's write
        failed) one at a time."""
        batch = [waiting for waiting in batch if not waiting.result.done()]
        if len(batch) > 1:
            try:
                results = await self._write_batch([waiting.item for waiting in batch])
            except Exception as exc:
                log.info(
                    "writing %d items together failed (%s); one at a time",
                    len(batch),
                    type(exc).__name__,
                )
            else:
                for waiting, result in zip(batch, results, strict=True):
                    if not waiting.result.done():
                        waiting.result.set_result(result)
                return
        for waiting in batch:
            try:
                result = await self._write_alone(waiting.item)
            except Exception as exc:
                if not waiting.result.done():
                    waiting.result.set_exception(exc)
            else:
                if not waiting.result.done():
                    waiting.result.set_result(result)
