"""A probe for a child ``python -m bot run`` whose ``PYTHONPATH`` starts with this directory
(Python imports ``sitecustomize`` at start-up): used by tests/alerts/test_delivery_crash.py.

With ``CRASH_WRITE_PROBE`` naming a file, a line is appended to that file each time a poll's
storing transaction (``PollWriter.write_together``, where ingest runs) asks for the write lock:
when it starts waiting for its turn among the process's writers (``bot.storage.db``), which
ends in ``BEGIN IMMEDIATE`` to SQLite. A test holding SQLite's lock then knows the child is
inside that write, waiting (for its turn, or at SQLite behind the test), and can kill it there.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any


def _install(path: str) -> None:
    from bot.pipeline.storing import PollWriter
    from bot.storage import db

    writing: set[asyncio.Task[Any]] = set()
    write_together = PollWriter.write_together

    async def probed(self: PollWriter, polls: Any) -> Any:
        task = asyncio.current_task()
        assert task is not None
        writing.add(task)
        try:
            return await write_together(self, polls)
        finally:
            writing.discard(task)

    PollWriter.write_together = probed  # type: ignore[method-assign]
    enter = db._WriteTransaction.__aenter__

    def note() -> None:
        with open(path, "a", encoding="utf-8") as probe:
            probe.write(f"{os.getpid()}: a poll's write asks for the lock\n")

    async def asks_for_the_lock(self: Any) -> Any:
        if asyncio.current_task() in writing:
            note()  # a few bytes, before the wait it reports
        return await enter(self)

    db._WriteTransaction.__aenter__ = asks_for_the_lock  # type: ignore[method-assign]


if os.environ.get("CRASH_WRITE_PROBE"):
    _install(os.environ["CRASH_WRITE_PROBE"])
