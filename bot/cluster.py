"""Processes sharing one database: roles, worker identity, the heartbeat, and the rule that
SQLite serves one process only.

``run --role all`` (the default) runs every part in one process: Telegram updates, polling,
delivery. On PostgreSQL the parts can run in separate processes, any number of each, on any
number of machines: ``poller`` and ``deliverer`` processes share the work through leases
(see ``bot.pipeline.poller`` and ``bot.alerts.deliver``), ``telegram`` processes take
updates (one with long polling, or any number behind a load balancer with a webhook).
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from bot.config import ConfigError, Role
from bot.storage.db import SessionFactory, sqlite_file
from bot.storage.locks import AdvisoryLock
from bot.storage.workers import WorkerRepository
from bot.topology import Topology

log = logging.getLogger(__name__)

FORGET_WORKERS_AFTER = timedelta(days=1)
# PostgreSQL advisory lock key held by the process taking Telegram updates by long polling.
LONG_POLLING_LOCK = 0x52617364  # "Rasd"


@dataclass(frozen=True, slots=True)
class Parts:
    """What a role runs."""

    telegram: bool
    poller: bool
    deliverer: bool

    @classmethod
    def of(cls, role: Role) -> Parts:
        return cls(
            telegram=role in ("all", "telegram"),
            poller=role in ("all", "poller"),
            deliverer=role in ("all", "deliverer"),
        )


def new_worker_id() -> str:
    """Unique per process run: host, pid and a random part (a pid can be reused)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


class SingleProcessLock:
    """An exclusive lock file beside the SQLite database, held while the process runs: a
    second process on the same file is refused with a clear message (SQLite has one
    writer, and leases are only shared through PostgreSQL)."""

    def __init__(self, database_url: str) -> None:
        database = sqlite_file(database_url)
        self.path = Path(f"{database}.lock") if database is not None else None
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise ConfigError(
                f"{self.path.with_suffix('')} is already used by {holder}. SQLite serves one "
                "Rasd process; to run several (run --role ...), use PostgreSQL "
                "(database.url = postgresql+asyncpg://...)."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def check_role(role: Role, topology: Topology) -> None:
    if role != "all" and not topology.shared:
        raise ConfigError(
            f"--role {role} needs PostgreSQL: with SQLite one process does everything "
            "(--role all). Set database.url = postgresql+asyncpg://... to split the roles."
        )


class Heartbeat:
    """This process's row in ``workers``, refreshed periodically (for /stats and ops)."""

    def __init__(
        self, sessions: SessionFactory, worker_id: str, role: Role, started_at: datetime
    ) -> None:
        self.sessions = sessions
        self.worker_id = worker_id
        self.role = role
        self.started_at = started_at

    async def beat(self, now: datetime) -> None:
        host, pid, _ = self.worker_id.rsplit(":", 2)
        async with self.sessions() as session, session.begin():
            workers = WorkerRepository(session)
            await workers.seen(
                self.worker_id,
                role=self.role,
                host=host,
                pid=int(pid),
                started_at=self.started_at,
                now=now,
            )
            await workers.forget_unseen_since(now - FORGET_WORKERS_AFTER)

    async def stop(self) -> None:
        async with self.sessions() as session, session.begin():
            await WorkerRepository(session).remove(self.worker_id)


class LongPollingLock(AdvisoryLock):
    """Telegram serves getUpdates to one caller at a time (a second one makes the first fail
    with a conflict), so on PostgreSQL the process that long-polls holds a session advisory
    lock on its own connection; other ``telegram`` processes stand by and take over when
    it is released, by a stop or by the holder's connection closing (it died)."""

    key = LONG_POLLING_LOCK
