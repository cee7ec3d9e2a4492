"""One parse pool for the tests that parse documents but are not about the pool.

Its workers start when a test first parses and serve every later test (each on its own
event loop: the pool watches its pipes only during a call). They leave with the test
process (the end of their stdin). The budget is the production default.
"""

from __future__ import annotations

from bot.config import PollingConfig
from bot.sources.parse_pool import ParsePool

_pool: list[ParsePool] = []


def shared_parsers() -> ParsePool:
    if not _pool:
        _pool.append(ParsePool(2, PollingConfig().parse_timeout))
    return _pool[0]
