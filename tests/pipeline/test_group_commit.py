"""GroupCommit on its own: batching, each caller's own result, a failing item failing only its
caller, and cancellation losing no other caller's write. Real asyncio, a recording writer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bot.pipeline.group_commit import GroupCommit


class Bad(Exception):
    """The item cannot be written (a poll whose data the database refuses)."""


class Ledger:
    """A writer that records what it commits: a batch is committed whole or not at all, and an
    item named "bad" fails any write it is in. ``gate``: each write waits for it."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []  # each write call, committed or not
        self.committed: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.started = asyncio.Event()  # a write is under way

    async def write(self, items: Sequence[str]) -> list[str]:
        self.batches.append(list(items))
        self.started.set()
        await self.gate.wait()
        if "bad" in items:
            raise Bad(f"cannot write {list(items)}")
        self.committed.extend(items)
        return [item.upper() for item in items]

    async def write_alone(self, item: str) -> str:
        return (await self.write([item]))[0]


def commits(ledger: Ledger, lock: asyncio.Lock, max_batch: int = 10) -> GroupCommit[str, str]:
    return GroupCommit(ledger.write, ledger.write_alone, lock=lock, max_batch=max_batch)


async def until_waiting(group: GroupCommit[str, str], count: int) -> None:
    async with asyncio.timeout(5):
        while group.waiting < count:  # noqa: ASYNC110 - no event to wait on
            await asyncio.sleep(0)


async def test_one_item_alone_is_written_at_once() -> None:
    ledger = Ledger()
    group = commits(ledger, asyncio.Lock())
    assert await group.submit("a") == "A"
    assert ledger.batches == [["a"]]
    assert group.waiting == 0


async def test_items_queued_during_a_write_are_written_together_each_caller_its_result() -> None:
    ledger = Ledger()
    lock = asyncio.Lock()
    group = commits(ledger, lock)
    async with lock:  # a write under way (another writer sharing the lock)
        callers = [asyncio.create_task(group.submit(item)) for item in "abcd"]
        await until_waiting(group, 4)
    assert await asyncio.gather(*callers) == ["A", "B", "C", "D"]
    assert ledger.batches == [["a", "b", "c", "d"]]  # one write for the lot, in order


async def test_batches_hold_at_most_max_batch_items_in_order() -> None:
    ledger = Ledger()
    lock = asyncio.Lock()
    group = commits(ledger, lock, max_batch=2)
    async with lock:
        callers = [asyncio.create_task(group.submit(item)) for item in "abcde"]
        await until_waiting(group, 5)
    assert await asyncio.gather(*callers) == ["A", "B", "C", "D", "E"]
    assert ledger.batches == [["a", "b"], ["c", "d"], ["e"]]
    assert ledger.committed == list("abcde")


async def test_a_failing_item_fails_only_its_caller() -> None:
    ledger = Ledger()
    lock = asyncio.Lock()
    group = commits(ledger, lock)
    async with lock:
        callers = [asyncio.create_task(group.submit(item)) for item in ("a", "bad", "c")]
        await until_waiting(group, 3)
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert results[0] == "A" and results[2] == "C"
    assert isinstance(results[1], Bad)
    # Together first (failed, nothing kept), then one at a time.
    assert ledger.batches == [["a", "bad", "c"], ["a"], ["bad"], ["c"]]
    assert ledger.committed == ["a", "c"]


async def test_a_failing_item_alone_raises_to_its_caller() -> None:
    ledger = Ledger()
    group = commits(ledger, asyncio.Lock())
    with pytest.raises(Bad):
        await group.submit("bad")
    assert await group.submit("a") == "A"  # the next write goes on


async def test_a_caller_cancelled_while_waiting_leaves_the_queue() -> None:
    ledger = Ledger()
    lock = asyncio.Lock()
    group = commits(ledger, lock)
    async with lock:
        first = asyncio.create_task(group.submit("a"))
        gone = asyncio.create_task(group.submit("b"))
        last = asyncio.create_task(group.submit("c"))
        await until_waiting(group, 3)
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        assert group.waiting == 2
    assert await asyncio.gather(first, last) == ["A", "C"]
    assert ledger.batches == [["a", "c"]]  # the cancelled item was never written


async def test_a_caller_cancelled_while_another_writes_its_item_loses_nothing_else() -> None:
    ledger = Ledger()
    lock = asyncio.Lock()
    group = commits(ledger, lock)
    async with lock:
        writer = asyncio.create_task(group.submit("a"))
        gone = asyncio.create_task(group.submit("b"))
        await until_waiting(group, 2)
        ledger.gate.clear()
    await asyncio.wait_for(ledger.started.wait(), 5)  # "a"'s caller writes ["a", "b"]
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    ledger.gate.set()
    assert await writer == "A"
    assert ledger.committed == ["a", "b"]  # already in the write: written, its result unread
    assert group.waiting == 0


async def test_a_writer_cancelled_midway_leaves_the_others_to_the_next_holder() -> None:
    ledger = Ledger()
    lock = asyncio.Lock()
    group = commits(ledger, lock)
    async with lock:
        writer = asyncio.create_task(group.submit("a"))
        others = [asyncio.create_task(group.submit(item)) for item in "bc"]
        await until_waiting(group, 3)
        ledger.gate.clear()
    await asyncio.wait_for(ledger.started.wait(), 5)  # "a"'s caller writes ["a", "b", "c"]
    writer.cancel()  # its write is abandoned (nothing committed)
    with pytest.raises(asyncio.CancelledError):
        await writer
    ledger.gate.set()
    assert await asyncio.gather(*others) == ["B", "C"]
    # "b" and "c" went back to the queue and were written by the next holder; "a" was not.
    assert ledger.batches == [["a", "b", "c"], ["b", "c"]]
    assert ledger.committed == ["b", "c"]


async def test_max_batch_must_be_positive() -> None:
    ledger = Ledger()
    with pytest.raises(ValueError, match="max_batch"):
        GroupCommit(ledger.write, ledger.write_alone, lock=asyncio.Lock(), max_batch=0)
