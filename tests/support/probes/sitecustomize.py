"""A probe for a child ``python -m bot run`` whose ``PYTHONPATH`` starts with this directory
(Python imports ``sitecustomize`` at start-up): used by tests/alerts/test_delivery_crash.py.

With ``CRASH_WRITE_PROBE`` naming a file, a line is appended to that file each time a poll's
storing transaction (``PollWriter.write_together``, where ingest runs) asks SQLite for the write
lock with ``BEGIN IMMEDIATE``, just before the request goes to SQLite. A test holding the
lock then knows the child is inside that write, waiting, and can kill it there.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any


def _install(path: str) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from bot.pipeline.storing import PollWriter

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

    def asks_for_the_lock(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("BEGIN IMMEDIATE") and asyncio.current_task() in writing:
            with open(path, "a", encoding="utf-8") as probe:
                probe.write(f"{os.getpid()}: a poll's write asks for the lock\n")

    event.listen(Engine, "before_cursor_execute", asks_for_the_lock)


if os.environ.get("CRASH_WRITE_PROBE"):
    _install(os.environ["CRASH_WRITE_PROBE"])
