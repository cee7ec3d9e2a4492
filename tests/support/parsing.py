"""One parse pool for the tests that parse documents but are not about the pool.

Its workers start when a test first parses and serve every later test (each on its own
event loop: the pool watches its pipes only during a call). They leave with the test
process (the end of their stdin). The budget is the production default.
"""

from __future__ import annotations

import asyncio
import gc

from bot.config import PollingConfig
from bot.sources.parse_pool import ParsePool

_pool: list[ParsePool] = []


def shared_parsers() -> ParsePool:
    if not _pool:
        _pool.append(ParsePool(2, PollingConfig().parse_timeout))
    return _pool[0]


# The worst the event loop may be late in a test that says nothing heavy runs on it. The
# freezes guarded against took seconds (a 200 KB nested page parsed on the loop: 5 s;
# /test matching 6,000 articles: over 3 s); late in the full suite, a pass of the garbage
# collector over the test process's own heap once held the loop 0.7 s, so the bound
# leaves room for that.
LAG = 1.5


class LoopLag:
    """How late a 10 ms ticker on the running event loop woke up, at worst, while inside
    ``with LoopLag() as lag:`` (read ``lag.worst``)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            self.worst = max(self.worst, loop.time() - before - 0.01)

    def __enter__(self) -> LoopLag:
        gc.collect()  # the suite's own garbage is not the code under test's lag
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
