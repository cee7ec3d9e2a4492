"""Drain the outbox: render due rows and hand them to a Sender, within Telegram's limits.

**Guarantee: at-least-once, with one narrow duplicate window.** Every alert and notice is an
outbox row, written in the same transaction as the article that caused it. A row goes
``pending`` → ``sending`` (committed *before* the request leaves) → ``sent`` with Telegram's
message id (committed right after the answer, one row at a time, before anything else is done
for that chat). Rows left ``sending`` by a deliverer that died go back to ``pending`` and are
sent again: nothing is lost (when, see *Several deliverers*). The one window where an alert
can arrive twice: Telegram
accepted the message and the process died before ``sent`` was committed: between the HTTP
answer and the commit of one UPDATE statement (milliseconds; it may first wait for the one
Deliverer transaction under way, as the Deliverer's transactions go one at a time). The Bot
API has no idempotency key and no way to ask whether a message went out, so this window
cannot be closed, only kept this short (tests/test_delivery_crash.py shows it). A row sent as
several messages (a digest, or a text split over Telegram's limit) is claimed and settled as
one unit: a crash between its parts resends all of them. A paused chat's due rows are
``dropped`` ("chat paused"), as before.

**Limits by construction** (``bot.alerts.limits.Pacer``): global spacing at
``delivery.messages_per_second``, ``per_chat_interval`` per chat, ``group_per_minute`` per
group or channel; edits count like sends. The Pacer is the process's one, in its
``bot.telegram.outbound.Outbound``, which command replies go through as well: limits hold
across drains and count every message the bot sends, and a reply waiting for a slot goes
before the Deliverer's next request (``Priority``). The drain is work-conserving: while one
chat waits, others are sent, with up to ``max_in_flight`` requests under way (never two for
one chat). A chat that may not send for more than ``HORIZON`` seconds is left for a later
drain, so it never holds the drain up.

**Where each rule lives.** Planning (digests, quiet hours, edits): ``bot.alerts.plan``.
Chat leases (several deliverers): ``bot.alerts.leases``. Claiming chats and rows:
``bot.alerts.claim``. The one send path, for messages and edits alike:
``bot.alerts.send_path``. Errors and how each is settled (``SendFailure``):
``bot.alerts.sending``, ``bot.alerts.settle``. The drain loop: ``bot.alerts.drain``. The
outbox's status transitions: ``bot.storage.outbox_transitions``.

**Several deliverers** (processes on one PostgreSQL; each Deliverer has its ``worker_id``):
chats are partitioned dynamically by lease, whoever has time, and the global limit is
shared in the database (``bot.alerts.pace``). A deliverer that died: its chats come back
when their leases lapse (at most ``lease_seconds + chat_window`` after its last renewal);
each refill (and ``recover`` at start) turns ``sending`` rows of chats whose lease lapsed
(held by another worker) back to ``pending``, the chat rows locked while doing so, so a
live holder renewing the lease meanwhile wins. A live deliverer's ``sending`` rows are
never touched, so the duplicate window stays the one above. One more exists only if a
deliverer stalls longer than its lease with a request in flight (its chat can then be
taken and the row resent).

*SQLite* has one process (the application refuses more): ``recover`` clears every lease at
start and resends every ``sending`` row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Collection
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.claim import Refill, refill
from bot.alerts.drain import Drain
from bot.alerts.leases import ChatLeases, chat_window_for
from bot.alerts.limits import Pacer
from bot.alerts.plan import Job
from bot.alerts.send_path import SendPath
from bot.alerts.sending import Sender
from bot.alerts.settle import Settle
from bot.config import DeliveryConfig
from bot.metrics import Metrics
from bot.storage.chats import ChatRepository
from bot.storage.db import SessionFactory
from bot.storage.outbox import OutboxRepository
from bot.telegram.outbound import Outbound
from bot.topology import Topology

log = logging.getLogger(__name__)


class Deliverer:
    def __init__(
        self,
        sessions: SessionFactory,
        sender: Sender,
        config: DeliveryConfig,
        zone: ZoneInfo,
        *,
        outbound: Outbound,
        topology: Topology,
        worker_id: str,
        lease_seconds: float,
        metrics: Metrics | None,
        max_in_flight: int = 8,
        chat_window: float | None = None,
    ) -> None:
        """``outbound``: the process's one path to Telegram, whose Pacer (and shared pace,
        on PostgreSQL) every request waits for. ``worker_id``: this deliverer's name in chat
        leases (``bot.cluster.new_worker_id``). ``chat_window``: None (as the application
        runs) follows ``config.group_window``; tests of leases shorten it alone."""
        self.sessions = sessions
        self._config = config
        self.zone = zone
        self.outbound = outbound
        self.max_in_flight = max_in_flight
        self.topology = topology
        if chat_window is None:
            chat_window = chat_window_for(config.group_window)
        self.leases = ChatLeases(worker_id, lease_seconds, chat_window)
        self.worker_id = self.leases.worker_id
        self.settle = Settle(self.transaction, outbound, config, metrics)
        self.send_path = SendPath(
            self.transaction, sender, outbound, self.leases, self.settle, zone, metrics
        )
        self._lock = asyncio.Lock()
        self._db_lock = asyncio.Lock()
        self._closed = False

    @property
    def config(self) -> DeliveryConfig:
        return self._config

    @config.setter
    def config(self, config: DeliveryConfig) -> None:
        """New limits (batch size, attempts) from the next drain on."""
        self._config = self.settle.config = config

    @property
    def pacer(self) -> Pacer:
        return self.outbound.pacer

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One short transaction at a time from this Deliverer: its jobs queue here instead
        of crowding SQLite's single write lock (where a waiter can time out under load)."""
        async with self._db_lock, self.sessions() as session, session.begin():
            yield session

    # -- lifecycle ---------------------------------------------------------------------------

    async def drain(self, now: datetime) -> int:
        """Send what is due at ``now`` (and what becomes due while this drain runs); return
        how many messages went out."""
        async with self._lock:
            if self._closed:
                return 0
            work = Drain(
                self,
                self.outbound,
                self.leases,
                now,
                batch_size=self.config.batch_size,
                max_in_flight=self.max_in_flight,
            )
            sent = await work.run()
            self.pacer.forget_idle()
            self.leases.forget_lapsed(work.now())
            return sent

    async def wait_idle(self) -> None:
        """Wait for a drain under way to finish its sends and bookkeeping."""
        async with self._lock:
            pass

    async def close(self) -> None:
        """Stop taking new rows; let the sends under way finish and be recorded."""
        self._closed = True
        await self.wait_idle()

    async def recover(self, now: datetime | None = None) -> int:
        """At start: rows left ``sending`` by a deliverer that stopped go back to ``pending``
        (resent). On SQLite this is the only deliverer: the chat leases of earlier runs are
        cleared first and every such row is resent. On PostgreSQL, those of chats no one
        holds or whose lease lapsed; the others belong to live deliverers, or come back when
        their lease lapses (every refill looks)."""
        now = now or datetime.now(UTC)
        async with self.transaction() as session:
            if not self.topology.shared:
                await ChatRepository(session).release_all_deliveries()
            count = await OutboxRepository(session).requeue_sending(
                now, worker=self.worker_id, unowned=True
            )
        if count:
            log.warning("%d messages were being sent when the bot stopped; sending again", count)
        return count

    # -- the drain's work (bot.alerts.drain.Work) ---------------------------------------------

    def stopping(self) -> bool:
        return self._closed

    async def refill(
        self,
        now: datetime,
        *,
        queued_rows: Collection[int],
        skip_chats: Collection[int],
        working: Collection[int],
    ) -> Refill:
        async with self.transaction() as session:
            return await refill(
                session,
                self.leases,
                now,
                self.zone,
                batch_size=self.config.batch_size,
                queued_rows=queued_rows,
                skip_chats=skip_chats,
                working=working,
            )

    async def run(self, job: Job, clock: Callable[[], datetime]) -> int:
        return await self.send_path.run(job, clock)
