"""Whether this process is alone on its database or one of several sharing it.

Decided once, from the database URL, in the composition root (``bot.app.build_app``), and
passed to every part whose behaviour depends on it; nothing else looks at the URL or the
SQL dialect to find out.

- ``ALONE`` (SQLite): one process does everything (``--role all``), and a file lock keeps a
  second one out. It owns every lease: claims and chat leases left by earlier runs are void
  at start. Its poller takes every due source. Every change of subscriptions and articles
  went through this process, so its in-memory indexes (subscriptions, stories) never need
  to catch up with the database, and its send rate is its own.
- ``SHARED`` (PostgreSQL): several processes, by role, share the database. Pollers claim
  what they can soon poll and leave the rest to the others; the subscription index and
  the story index catch up with what other processes stored before they are used; one
  process long-polls Telegram (an advisory lock) while the others stand by; the global send
  rate is shared through the database.
"""

from __future__ import annotations

from enum import StrEnum

from bot.storage.db import is_sqlite


class Topology(StrEnum):
    ALONE = "alone"
    SHARED = "shared"

    @classmethod
    def of(cls, database_url: str) -> Topology:
        return cls.ALONE if is_sqlite(database_url) else cls.SHARED

    @property
    def shared(self) -> bool:
        return self is Topology.SHARED

    def claim_limit(self, concurrency: int) -> int | None:
        """Polls a poller holds at once: alone, every due source; sharing, what it can soon
        poll (twice its concurrency), the rest left to the other pollers."""
        return 2 * concurrency if self.shared else None
