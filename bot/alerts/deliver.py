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

**Errors**, each settled on its row, nothing retried forever, nothing dropped silently:

- 429 ``retry_after``: the chat waits exactly that long; the row stays ``pending`` and no
  attempt is used. 429s for ``FLOOD_CHATS`` chats within ``FLOOD_WINDOW`` s pause everything
  until the latest retry time (Telegram is throttling the bot as a whole).
- 403 / chat not found / kicked: the chat is marked ``blocked``; this row and the chat's other
  pending rows become ``dropped`` (reason in ``last_error``, counted in ``/stats``): news is
  stale by the time a user comes back. ``/start`` (ChatService.register) clears ``blocked``
  and new alerts flow again.
- 400 on a malformed message: the row is sent once more as plain text (``plain``), then
  ``parked`` with Telegram's error (listed in ``/stats``).
- Network errors and 5xx: retried with exponential backoff until ``delivery.max_attempts``
  attempts, then ``failed``.
- A row that can no longer be rendered (article removed): ``dropped`` with the reason.
- An answer ``ok: true`` whose result cannot be decoded: Telegram accepted the message, so
  the row is ``sent`` (no message id: a later edit is given up quietly), never resent.

**Edits**: a ``sent`` row with ``edit_pending`` (a later copy of the story added an outlet to
``also``) gets its message edited; "not modified" counts as done, a message that vanished is
given up quietly (logged, ``last_error``).

**Digests and quiet hours** (``bot.alerts.schedule``): a due alert whose ``release_at`` is
later is held (``next_attempt_at`` moved, still ``pending``). At a digest slot, or when quiet
hours end with 2+ held alerts, the chat's due alerts go out together (``compose_digest``); each
row gets the message id and ``sent``, and ``chats.last_digest_at`` is set.

**Several deliverers** (processes on one PostgreSQL; each Deliverer has its ``worker_id``).
Telegram's per-chat limits need the chat's recent sends, which only the sender knows, so a
chat is delivered by one deliverer at a time: it holds the chat's *lease*
(``chats.delivery_owner``, ``chats.delivery_until``). Chats are partitioned dynamically, by
whoever has time, and the global limit is shared in the database (``bot.alerts.pace``).

- *Claiming.* A refill selects due rows only of chats that are free (no owner, or the lease
  lapsed) or already its own, then claims those chats in one ``UPDATE … WHERE id IN (SELECT …
  FOR UPDATE SKIP LOCKED) RETURNING id``; only rows of the chats it got are queued. Several
  deliverers may look at the same rows; one gets each chat, the others move on to the next.
- *No alert twice.* ``_claim`` locks the chat row and checks the lease (``FOR UPDATE``) in the
  same transaction that locks the rows and marks them ``sending``: a deliverer no longer
  holding the chat, or a row no longer ``pending``, leaves the rows alone. Edits check the
  lease the same way.
- *Lease length and renewal.* A lease runs ``lease_seconds + chat_window`` from its last
  renewal, which happens once it is ``lease_seconds / 3`` old: at a claim, or in a refill
  for chats with queued or running work; and before a request when less than
  ``chat_window`` is left (a database round trip only then).
  So a request starts only while the lease has ``chat_window`` (65 s: Telegram's per-minute
  group window plus a request's transit) left, and another deliverer takes the chat only
  after the lease lapsed: more than 65 s after the previous holder's last request. The new
  holder's Pacer starts empty for that chat, and 1/s per private chat and 20/min per group
  still hold across holders. For the same reason leases are not released at shutdown: the
  next holder must wait out the window anyway, and a restart finds its own chats free.
  Deliverers' clocks must agree to well under ``lease_seconds`` (NTP).
- *A deliverer that died.* Its chats come back when their leases lapse (at most
  ``lease_seconds + chat_window`` after its last renewal). Each refill (and ``recover`` at
  start) turns ``sending`` rows of chats whose lease lapsed (held by another worker) back to
  ``pending``; the chat rows are locked while doing so, so a live holder renewing the lease
  meanwhile wins. A live deliverer's ``sending`` rows are never touched, so the duplicate
  window stays the one above. One more exists only if a deliverer stalls longer than its
  lease with a request in flight (its chat can then be taken and the row resent).
- *SQLite* has one process (the application refuses more): ``recover`` clears every lease at
  start and resends every ``sending`` row, as before.
- *Global rate.* With a shared pace (the Outbound's, on PostgreSQL), each request first
  reserves a send slot in the ``pacing`` table (``SharedPace``), after the local Pacer
  allowed it; a global flood pushes everyone's next slot. The local Pacer keeps its own
  global spacing as an upper bound for this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.digest import DigestEntry, compose_digest
from bot.alerts.limits import GROUP_WINDOW, Pacer, is_group
from bot.alerts.render import Button, Outgoing, Undeliverable, fitted, render
from bot.alerts.schedule import ChatSchedule, is_digest, release_at
from bot.config import DeliveryConfig
from bot.metrics import Metrics
from bot.storage.chats import ChatRepository
from bot.storage.db import SessionFactory
from bot.storage.models import Article, Chat, OutboxItem, OutboxStatus, Source
from bot.storage.outbox import OutboxRepository
from bot.storage.subscriptions import SubscriptionRepository
from bot.telegram.outbound import Outbound, Priority

__all__ = [
    "BadMessage",
    "Button",
    "ChatUnreachable",
    "Deliverer",
    "MessageGone",
    "RetryLater",
    "Sender",
]

log = logging.getLogger(__name__)

HORIZON = 2.0
MAX_BACKOFF = 900.0
ERROR_LIMIT = 500
# How long a chat's past sends limit its next ones (Telegram's per-minute group window),
# plus a request's time in transit: a chat's lease keeps this much ahead of any request.
CHAT_WINDOW = GROUP_WINDOW + 5.0
# Refills in a row that found due rows but got none of their chats (others claimed them).
MAX_MISSES = 3


class RetryLater(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate limited, retry after {seconds:g}s")
        self.seconds = seconds


class ChatUnreachable(Exception):
    """The chat is gone or has blocked the bot (403, chat not found, kicked)."""


class BadMessage(Exception):
    """Telegram refused this message (400): sending it again unchanged is pointless."""


class MessageGone(BadMessage):
    """The message to edit no longer exists (or can no longer be edited)."""


class _LeaseLost(Exception):
    """Another deliverer holds the chat now (this one's lease lapsed)."""


class Sender(Protocol):
    async def send(
        self,
        chat_id: int,
        html: str,
        *,
        thread_id: int = 0,
        buttons: Sequence[Sequence[Button]] = (),
        plain: bool = False,
    ) -> int:
        """Send one message; return its id. Raises RetryLater, ChatUnreachable, BadMessage;
        anything else counts as a transient (network, 5xx) failure."""
        ...

    async def edit(
        self, chat_id: int, message_id: int, html: str, *, buttons: Sequence[Sequence[Button]] = ()
    ) -> None:
        """Replace a message's text; "not modified" is success. Raises MessageGone too."""
        ...


@dataclass(slots=True)
class _Job:
    kind: Literal["send", "edit", "digest"]
    chat_id: int
    group: bool
    row_ids: tuple[int, ...]


@dataclass(slots=True)
class _Claim:
    outgoing: Outgoing
    plain: bool
    kind: str  # alert | notice | digest (the metric's label)
    row_ids: list[int] = field(default_factory=list)
    alerts_queued_at: list[datetime] = field(default_factory=list)


def _backoff(attempts: int) -> float:
    return min(float(2 ** (attempts + 1)), MAX_BACKOFF)


def _error(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__)[:ERROR_LIMIT]


def new_worker_id() -> str:
    return f"deliverer-{secrets.token_hex(6)}"


class Deliverer:
    def __init__(
        self,
        sessions: SessionFactory,
        sender: Sender,
        config: DeliveryConfig,
        zone: ZoneInfo,
        *,
        outbound: Outbound,
        max_in_flight: int = 8,
        worker_id: str | None = None,
        lease_seconds: float = 60.0,
        metrics: Metrics | None = None,
        chat_window: float = CHAT_WINDOW,
    ) -> None:
        """``outbound``: the process's one path to Telegram, whose Pacer (and shared pace,
        on PostgreSQL) every request waits for. ``worker_id``: this deliverer's name in chat
        leases (random when not given). ``chat_window``: only tests shorten it (with a
        shortened Pacer group window)."""
        self.sessions = sessions
        self.sender = sender
        self.config = config
        self.zone = zone
        self.outbound = outbound
        self.monotonic = outbound.pacer.monotonic
        self.max_in_flight = max_in_flight
        self.worker_id = worker_id or new_worker_id()
        self.lease_seconds = lease_seconds
        self.chat_window = chat_window
        self.chat_lease = timedelta(seconds=lease_seconds + chat_window)
        self.metrics = metrics
        # The chats this deliverer holds, with the end of each lease as last committed.
        self.leases: dict[int, datetime] = {}
        self._lock = asyncio.Lock()
        self._db_lock = asyncio.Lock()
        self._closed = False

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
            work = _Drain(self, now)
            sent = await work.run()
            self.pacer.forget_idle()
            end = work.now()
            self.leases = {c: until for c, until in self.leases.items() if until > end}
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
            if session.get_bind().dialect.name == "sqlite":
                await ChatRepository(session).release_all_deliveries()
            count = await OutboxRepository(session).requeue_sending(
                now, worker=self.worker_id, unowned=True
            )
        if count:
            log.warning("%d messages were being sent when the bot stopped; sending again", count)
        return count

    # -- planning ----------------------------------------------------------------------------

    async def plan(
        self, session: AsyncSession, chat: Chat, rows: Sequence[OutboxItem], now: datetime
    ) -> list[_Job]:
        """Jobs for one chat's due rows; holds alerts that must wait (digest, quiet hours)."""
        group = is_group(chat.id, chat.kind)
        jobs: list[_Job] = []
        alerts: list[OutboxItem] = []
        for row in rows:
            if row.status == "sent":
                jobs.append(_Job("edit", chat.id, group, (row.id,)))
            elif row.kind == "alert":
                alerts.append(row)
            else:
                jobs.append(_Job("send", chat.id, group, (row.id,)))
        if not alerts:
            return jobs
        schedule = ChatSchedule.of(chat)
        if not is_digest(schedule) and not schedule.has_quiet_hours:
            return jobs + [_Job("send", chat.id, group, (row.id,)) for row in alerts]
        if is_digest(schedule):
            # The whole chat's due alerts, not only this batch's, make one digest.
            known = {row.id for row in alerts}
            extra = await OutboxRepository(session).due_alerts_for_chat(chat.id, now)
            alerts += [row for row in extra if row.id not in known]
        released: list[OutboxItem] = []
        for row in alerts:
            when = release_at(schedule, row.next_attempt_at, self.zone, chat.last_digest_at)
            if when > now:
                row.next_attempt_at = when  # held, still pending
            else:
                released.append(row)
        if is_digest(schedule):
            if released:
                jobs.append(_Job("digest", chat.id, group, tuple(r.id for r in released)))
            return jobs
        held = [row for row in released if row.next_attempt_at > row.created_at]
        if len(held) >= 2:
            jobs.append(_Job("digest", chat.id, group, tuple(r.id for r in held)))
            released = [row for row in released if row not in held]
        return jobs + [_Job("send", chat.id, group, (row.id,)) for row in released]

    # -- one job -----------------------------------------------------------------------------

    async def process(self, job: _Job, clock: Callable[[], datetime]) -> int:
        """Run one job to its settled state; returns how many messages went out."""
        if job.kind == "edit":
            await self._edit(job, clock)
            return 0
        claim = await self._claim(job, clock())
        if claim is None:
            return 0
        outgoing = claim.outgoing
        message_id = 0
        sent = 0
        try:
            for position, part in enumerate(outgoing.parts):
                last = position == len(outgoing.parts) - 1
                async with self.outbound.slot(job.chat_id, job.group, Priority.ALERT):
                    await self._admit(job, clock)
                    message_id = await self.sender.send(
                        job.chat_id,
                        part,
                        thread_id=outgoing.thread_id,
                        buttons=outgoing.buttons if last else (),
                        plain=claim.plain,
                    )
                sent += 1
        except _LeaseLost:
            # Another deliverer holds the chat now: it sends these rows (a digest whose
            # first parts went out is sent again whole, as after a crash between parts).
            async with self.transaction() as session:
                await OutboxRepository(session).release_sending(claim.row_ids)
        except RetryLater as exc:
            await self._retry_later(job, claim.row_ids, exc.seconds, clock())
        except ChatUnreachable as exc:
            await self._unreachable(job.chat_id, claim.row_ids, _error(exc))
        except BadMessage as exc:
            await self._bad_message(claim.row_ids, _error(exc), clock())
        except Exception as exc:  # network faults, Telegram 5xx: transient
            await self._transient(claim.row_ids, f"{type(exc).__name__}: {_error(exc)}", clock())
        else:
            await self._sent(job, claim.row_ids, message_id, clock())
            if self.metrics is not None:
                end = clock()
                for queued_at in claim.alerts_queued_at:
                    lag = (end - queued_at).total_seconds()
                    self.metrics.delivery_lag_seconds.observe(max(0.0, lag))
        if sent and self.metrics is not None:
            self.metrics.alerts_sent.labels(kind=claim.kind).inc(sent)
        return sent

    async def _admit(self, job: _Job, clock: Callable[[], datetime]) -> None:
        """Inside the Outbound's send slot (taken right before each request, after the
        claim's database work, so the spacing Telegram sees is the requests' own): the
        chat's lease, which must have ``chat_window`` left when the request starts."""
        now = clock()
        until = self.leases.get(job.chat_id)
        if until is not None and (until - now).total_seconds() >= self.chat_window:
            return
        async with self.transaction() as session:
            if await self._hold(session, job.chat_id, now) is None:
                raise _LeaseLost(job.chat_id)

    async def _hold(self, session: AsyncSession, chat_id: int, now: datetime) -> Chat | None:
        """The chat, locked, while this deliverer holds its lease (renewed when a third of
        ``lease_seconds`` old, or when less than ``chat_window`` is left); None when lost."""
        chat = await ChatRepository(session).locked(chat_id)
        until = chat.delivery_until if chat is not None else None
        if chat is None or chat.delivery_owner != self.worker_id or until is None or until < now:
            if self.leases.pop(chat_id, None) is not None:
                log.info("chat %d: another deliverer holds it now", chat_id)
            return None
        renew_by = now + self.chat_lease - timedelta(seconds=self.lease_seconds / 3)
        if until < renew_by or (until - now).total_seconds() < self.chat_window:
            chat.delivery_until = until = now + self.chat_lease
        self.leases[chat_id] = until
        return chat

    async def _claim(self, job: _Job, now: datetime) -> _Claim | None:
        """Render and mark the rows ``sending``, committed before anything is sent; only
        while this deliverer holds the chat (the lease is renewed in the same transaction)."""
        async with self.transaction() as session:
            chat = await self._hold(session, job.chat_id, now)
            if chat is None:
                return None
            rows = [
                row
                for row_id in job.row_ids
                if (row := await session.get(OutboxItem, row_id, with_for_update=True)) is not None
                and row.status == "pending"
            ]
            if not rows:
                return None
            if chat.paused or chat.blocked:
                _drop(job.chat_id, chat, rows)
                return None
            try:
                if job.kind == "digest":
                    outgoing = await self._render_digest(session, chat, rows)
                else:
                    outgoing = await render(session, rows[0], chat, self.zone)
            except Undeliverable as exc:
                for row in rows:
                    row.status, row.last_error = OutboxStatus.DROPPED, _error(exc)
                log.warning("outbox rows %s dropped: %s", [r.id for r in rows], exc)
                return None
            for row in rows:
                row.status = OutboxStatus.SENDING
            return _Claim(
                outgoing,
                plain=any(r.plain for r in rows),
                kind="digest" if job.kind == "digest" else rows[0].kind,
                row_ids=[r.id for r in rows],
                alerts_queued_at=[r.created_at for r in rows if r.kind == "alert"],
            )

    async def _render_digest(
        self, session: AsyncSession, chat: Chat, rows: Sequence[OutboxItem]
    ) -> Outgoing:
        subscription_ids = {i for row in rows for i in row.subscription_ids}
        subscriptions = await SubscriptionRepository(session).many(subscription_ids)
        article_ids = [row.article_id for row in rows if row.article_id is not None]
        articles = {
            a.id: a
            for a in await session.scalars(select(Article).where(Article.id.in_(article_ids)))
        }
        source_ids = {a.source_id for a in articles.values()}
        sources = {
            s.id: s for s in await session.scalars(select(Source).where(Source.id.in_(source_ids)))
        }
        entries = []
        for row in rows:
            article = articles.get(row.article_id or -1)
            source = sources.get(article.source_id) if article is not None else None
            if article is None or source is None:
                continue
            queries = [subscriptions[i].query for i in row.subscription_ids if i in subscriptions]
            entries.append(
                DigestEntry(
                    subscription=" · ".join(queries) or "—",
                    title=article.title,
                    url=article.url,
                    source_name=source.name,
                    published=article.published_at or article.fetched_at,
                )
            )
        if not entries:
            raise Undeliverable("articles or sources removed")
        parts = [p for m in compose_digest(entries, chat.language, self.zone) for p in fitted(m)]
        return Outgoing(parts=parts, thread_id=rows[0].thread_id or 0)

    # -- settling ----------------------------------------------------------------------------

    async def _rows(self, session: AsyncSession, row_ids: Sequence[int]) -> Sequence[OutboxItem]:
        """The rows still stored, in one query."""
        found = await session.scalars(
            select(OutboxItem).where(OutboxItem.id.in_(list(row_ids))).order_by(OutboxItem.id)
        )
        return found.all()

    async def _sent(
        self, job: _Job, row_ids: Sequence[int], message_id: int, now: datetime
    ) -> None:
        async with self.transaction() as session:
            if job.kind == "digest":  # the chat row first, as everywhere (lock order)
                chat = await ChatRepository(session).get(job.chat_id)
                if chat is not None:
                    chat.last_digest_at = now
            # One statement: this commit closes the duplicate window, keep it short.
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id.in_(list(row_ids)))
                .values(
                    status="sent",
                    sent_at=now,
                    telegram_message_id=message_id or None,  # 0: accepted, id unknown
                    attempts=OutboxItem.attempts + 1,
                    last_error=None,
                )
            )

    async def _retry_later(
        self, job: _Job, row_ids: Sequence[int], seconds: float, now: datetime
    ) -> None:
        await self._too_many(job.chat_id, seconds)
        async with self.transaction() as session:
            for row in await self._rows(session, row_ids):
                row.status = OutboxStatus.PENDING
                row.next_attempt_at = now + timedelta(seconds=seconds)
                row.last_error = f"429: retry after {seconds:g}s"

    async def _too_many(self, chat_id: int, seconds: float) -> None:
        """A 429: the chat waits; for a global flood, every deliverer waits."""
        await self.outbound.too_many(chat_id, seconds)

    async def _unreachable(self, chat_id: int, row_ids: Sequence[int], reason: str) -> None:
        async with self.transaction() as session:
            chat = await ChatRepository(session).get(chat_id)
            if chat is not None:
                chat.blocked = True
            for row in await self._rows(session, row_ids):
                row.status, row.last_error = OutboxStatus.DROPPED, f"chat unreachable: {reason}"
            await OutboxRepository(session).drop_pending_for_chat(
                chat_id, f"chat unreachable: {reason}"[:ERROR_LIMIT]
            )
        log.info("chat %d is unreachable (%s); its pending alerts are dropped", chat_id, reason)

    async def _bad_message(self, row_ids: Sequence[int], error: str, now: datetime) -> None:
        async with self.transaction() as session:
            for row in await self._rows(session, row_ids):
                row.last_error = error
                if row.plain:
                    row.status = OutboxStatus.PARKED
                    log.warning("outbox row %d parked: %s", row.id, error)
                else:
                    row.status, row.plain, row.next_attempt_at = OutboxStatus.PENDING, True, now

    async def _transient(self, row_ids: Sequence[int], error: str, now: datetime) -> None:
        async with self.transaction() as session:
            for row in await self._rows(session, row_ids):
                row.attempts += 1
                row.last_error = error
                if row.attempts >= self.config.max_attempts:
                    row.status = OutboxStatus.FAILED
                    log.warning("outbox row %d failed for good: %s", row.id, error)
                else:
                    row.status = OutboxStatus.PENDING
                    row.next_attempt_at = now + timedelta(seconds=_backoff(row.attempts))

    # -- edits -------------------------------------------------------------------------------

    async def _edit(self, job: _Job, clock: Callable[[], datetime]) -> None:
        row_id = job.row_ids[0]
        async with self.transaction() as session:
            chat = await self._hold(session, job.chat_id, clock())
            if chat is None:
                return
            row = await session.get(OutboxItem, row_id)
            if row is None or not row.edit_pending or row.status != "sent":
                return
            message_id = row.telegram_message_id
            also = list(row.also or [])
            outgoing: Outgoing | None = None
            # None or 0: Telegram accepted it but its answer could not be read.
            problem = "no message id" if not message_id else None
            if problem is None and await _shares_message(session, row):
                # Sent inside a digest: editing would replace the whole digest by this alert.
                problem = "sent in a digest"
            if chat.blocked:
                problem = "chat unreachable"
            if problem is None:
                try:
                    outgoing = await render(session, row, chat, self.zone)
                except Undeliverable as exc:
                    problem = _error(exc)
        if outgoing is None or not message_id:
            await self._edit_done(row_id, also, f"edit given up: {problem}")
            return
        try:
            async with self.outbound.slot(job.chat_id, job.group, Priority.ALERT):
                await self._admit(job, clock)
                await self.sender.edit(
                    job.chat_id, message_id, outgoing.parts[-1], buttons=outgoing.buttons
                )
        except _LeaseLost:
            return  # the chat's new holder edits it
        except RetryLater as exc:
            await self._too_many(job.chat_id, exc.seconds)
            await self._edit_later(row_id, clock() + timedelta(seconds=exc.seconds), None)
        except ChatUnreachable as exc:
            await self._edit_done(row_id, also, f"edit given up: {_error(exc)}")
            await self._unreachable(job.chat_id, [], _error(exc))
        except BadMessage as exc:  # includes MessageGone: given up quietly
            log.info("edit of outbox row %d given up: %s", row_id, exc)
            await self._edit_done(row_id, also, f"edit given up: {_error(exc)}")
        except Exception as exc:
            await self._edit_later(row_id, None, f"{type(exc).__name__}: {_error(exc)}", clock())
        else:
            await self._edit_done(row_id, also, None)
            if self.metrics is not None:
                self.metrics.alerts_sent.labels(kind="edit").inc()

    async def _edit_done(self, row_id: int, also: list[str], error: str | None) -> None:
        async with self.transaction() as session:
            row = await session.get(OutboxItem, row_id)
            if row is None:
                return
            if error is not None:
                row.last_error = error
            # Another outlet may have been added while we edited: then edit again.
            if error is not None or list(row.also or []) == also:
                row.edit_pending = False

    async def _edit_later(
        self, row_id: int, until: datetime | None, error: str | None, now: datetime | None = None
    ) -> None:
        async with self.transaction() as session:
            row = await session.get(OutboxItem, row_id)
            if row is None:
                return
            if until is not None:
                row.next_attempt_at = until
                return
            assert now is not None
            row.attempts += 1
            row.last_error = error
            if row.attempts > self.config.max_attempts:
                row.edit_pending = False
                log.warning("edit of outbox row %d given up: %s", row_id, error)
            else:
                row.next_attempt_at = now + timedelta(seconds=_backoff(row.attempts - 1))


async def _shares_message(session: AsyncSession, row: OutboxItem) -> bool:
    """Whether other rows went out in the same message as this one (a digest)."""
    others = await session.scalar(
        select(func.count())
        .select_from(OutboxItem)
        .where(
            OutboxItem.chat_id == row.chat_id,
            OutboxItem.telegram_message_id == row.telegram_message_id,
            OutboxItem.id != row.id,
        )
    )
    return bool(others)


class _Drain:
    """One drain: fetch due rows in batches and run them as the pacer allows."""

    def __init__(self, deliverer: Deliverer, now: datetime) -> None:
        self.d = deliverer
        self.start_now = now
        self.start_mono = deliverer.monotonic()
        self.queues: dict[int, deque[_Job]] = {}
        self.queued_rows: set[int] = set()
        self.busy: set[int] = set()
        self.deferred: set[int] = set()
        self.tasks: set[asyncio.Task[int]] = set()
        self.sent = 0
        self.misses = 0

    def now(self) -> datetime:
        """The caller's ``now`` moved on by the real time this drain has taken."""
        return self.start_now + timedelta(seconds=self.d.monotonic() - self.start_mono)

    async def run(self) -> int:
        fetch = True
        try:
            while not self.d._closed:
                fetched = False
                if fetch:
                    fetched = await self._refill()
                    fetch = False
                if self.d.pacer.paused_until - self.d.monotonic() > HORIZON:
                    break  # flood control: everything waits; a later drain goes on
                choice = self._pick()
                if choice is None:
                    if self.tasks:
                        await self._wait(None)
                        fetch = True
                        continue
                    if fetched:
                        fetch = True
                        continue
                    break
                chat_id, chat_ready = choice
                now = self.d.monotonic()
                if chat_ready - now > HORIZON:
                    self._defer(chat_id)
                    continue
                delay = chat_ready - now
                if len(self.tasks) >= self.d.max_in_flight:
                    await self._wait(None)
                    fetch = self._low()
                    continue
                if delay > 0:
                    if await self._wait(delay):
                        fetch = self._low()
                    continue
                self._start(chat_id)
        finally:
            if self.tasks:
                await asyncio.gather(*self.tasks, return_exceptions=True)
                self._collect(set(self.tasks))  # a copy: _collect removes from it
        return self.sent

    def _low(self) -> bool:
        return sum(len(q) for q in self.queues.values()) < max(1, self.d.config.batch_size // 2)

    def _pick(self) -> tuple[int, float] | None:
        for chat_id in [c for c in self.queues if c not in self.d.leases]:
            self._drop_queue(chat_id)  # lost to another deliverer: its rows are left to it
        best: tuple[int, float] | None = None
        for chat_id, jobs in self.queues.items():
            if chat_id in self.busy:
                continue
            ready = self.d.outbound.alert_ready_at(chat_id, jobs[0].group)
            if best is None or ready < best[1]:
                best = (chat_id, ready)
        return best

    def _defer(self, chat_id: int) -> None:
        self._drop_queue(chat_id)
        self.deferred.add(chat_id)

    def _drop_queue(self, chat_id: int) -> None:
        for job in self.queues.pop(chat_id, deque()):
            self.queued_rows.difference_update(job.row_ids)

    def _start(self, chat_id: int) -> None:
        queue = self.queues[chat_id]
        job = queue.popleft()
        if not queue:
            del self.queues[chat_id]
        self.busy.add(chat_id)
        task = asyncio.create_task(self._run_job(job))
        self.tasks.add(task)

    async def _run_job(self, job: _Job) -> int:
        try:
            return await self.d.process(job, self.now)
        except Exception:
            log.exception("outbox rows %s could not be delivered", list(job.row_ids))
            return 0
        finally:
            self.busy.discard(job.chat_id)
            self.queued_rows.difference_update(job.row_ids)

    def _collect(self, done: set[asyncio.Task[int]]) -> None:
        for task in done:
            self.tasks.discard(task)
            if not task.cancelled() and task.exception() is None:
                self.sent += task.result()

    async def _wait(self, seconds: float | None) -> bool:
        """Wait for a job to finish (or ``seconds``); True when one did."""
        if not self.tasks:
            if seconds is not None:
                await asyncio.sleep(seconds)
            return False
        done, _ = await asyncio.wait(
            self.tasks, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
        )
        self._collect(done)
        return bool(done)

    def _stale(self, now: datetime) -> set[int]:
        """Chats with queued or running work whose lease was last renewed over a third of
        ``lease_seconds`` ago."""
        limit = now + self.d.chat_lease - timedelta(seconds=self.d.lease_seconds / 3)
        working = set(self.queues) | self.busy
        return {c for c in working if (until := self.d.leases.get(c)) and until < limit}

    async def _refill(self) -> bool:
        """Requeue rows abandoned by dead deliverers, renew leases, claim the chats of the
        next batch of due rows and queue those rows; True when any row was looked at (a
        few times in a row at most while other deliverers claim every chat first)."""
        d = self.d
        now = self.now()
        until = now + d.chat_lease
        waiting = d.pacer.waiting_chats(HORIZON)
        async with d.transaction() as session:
            outbox = OutboxRepository(session)
            requeued = await outbox.requeue_sending(now, worker=d.worker_id)
            if requeued:
                log.warning(
                    "%d messages were being sent by a deliverer that stopped; sending again",
                    requeued,
                )
            rows = await outbox.deliverable(
                now,
                d.config.batch_size,
                worker=d.worker_id,
                exclude_ids=self.queued_rows,
                exclude_chats=self.deferred | waiting,
            )
            stale = self._stale(now)
            if not rows and not stale:
                return False
            wanted = {row.chat_id for row in rows} | stale
            claimed = await ChatRepository(session).claim_delivery(wanted, d.worker_id, now, until)
            d.leases.update(dict.fromkeys(claimed, until))
            by_chat: dict[int, list[OutboxItem]] = {}
            for row in rows:
                if row.chat_id in claimed:
                    by_chat.setdefault(row.chat_id, []).append(row)
            if not rows:
                return False
            if not by_chat:
                self.misses += 1
                return self.misses <= MAX_MISSES
            self.misses = 0
            chats = await ChatRepository(session).many(by_chat)
            for chat_id, chat_rows in by_chat.items():
                chat = chats.get(chat_id)
                if chat is None or chat.paused or chat.blocked:
                    _drop(chat_id, chat, chat_rows)
                    continue
                for job in await self.d.plan(session, chat, chat_rows, now):
                    self.queues.setdefault(chat_id, deque()).append(job)
                    self.queued_rows.update(job.row_ids)
        return True


def _drop(chat_id: int, chat: Chat | None, rows: Sequence[OutboxItem]) -> None:
    """A paused or unreachable chat's rows: dropped (a sent row's edit is given up)."""
    reason = "chat paused" if chat is not None and chat.paused else "chat unreachable"
    for row in rows:
        if row.status == "sent":
            row.edit_pending = False
        else:
            row.status, row.last_error = OutboxStatus.DROPPED, reason
    log.info("chat %d: %d outbox rows dropped (%s)", chat_id, len(rows), reason)
