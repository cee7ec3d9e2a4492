"""Claiming: the chats of the next due rows (``refill``), and a job's rows (``claim_job``).

Rules:

- A refill first turns ``sending`` rows of chats whose lease lapsed (held by another
  worker: it died) back to ``pending``, then selects due rows only of chats free for this
  deliverer (taken in turns across chats), then claims those chats in one statement
  (``FOR UPDATE SKIP LOCKED``); only rows of the chats it got are planned. Several
  deliverers may look at the same rows; one gets each chat, the others move on. Leases of
  chats with work under way are renewed in the same statement when due.
- A paused or unreachable chat's rows are given up at once ("chat paused" / "chat
  unreachable"; a sent row's edit is given up).
- ``claim_job`` locks the chat row and checks the lease (``ChatLeases.hold``) in the same
  transaction that locks the rows and marks them ``sending``: a deliverer no longer holding
  the chat, or a row no longer ``pending``, leaves them alone. The rows are rendered here
  (a row that can no longer be rendered is ``dropped`` with the reason), so what is sent
  was committed ``sending`` before the request leaves.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, auto
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.leases import ChatLeases
from bot.alerts.plan import Job, JobKind, plan
from bot.alerts.render import Outgoing, Undeliverable, render
from bot.alerts.render_digest import render_digest
from bot.alerts.sending import error_text
from bot.storage.chats import ChatRepository
from bot.storage.models import Chat, OutboxItem, OutboxKind
from bot.storage.outbox import OutboxRepository
from bot.storage.outbox_transitions import OutboxTransitions

log = logging.getLogger(__name__)


class Found(Enum):
    """What a refill found."""

    NOTHING = auto()  # no due rows (or none this deliverer may take)
    TAKEN = auto()  # due rows, but other deliverers claimed all of their chats first
    WORK = auto()  # rows of chats it holds (planned: maybe no job, all held or given up)


@dataclass(slots=True)
class Refill:
    found: Found
    jobs: list[Job] = field(default_factory=list)


@dataclass(slots=True)
class Claim:
    """A job's rows, rendered and committed ``sending``."""

    outgoing: Outgoing
    plain: bool
    kind: str  # alert | notice | digest (the metric's label)
    row_ids: list[int]
    alerts_queued_at: list[datetime]


def _give_up(chat_id: int, chat: Chat | None, rows: Sequence[OutboxItem]) -> None:
    reason = "chat paused" if chat is not None and chat.paused else "chat unreachable"
    OutboxTransitions.give_up(rows, reason)
    log.info("chat %d: %d outbox rows dropped (%s)", chat_id, len(rows), reason)


async def refill(
    session: AsyncSession,
    leases: ChatLeases,
    now: datetime,
    zone: ZoneInfo,
    *,
    batch_size: int,
    queued_rows: Collection[int],
    skip_chats: Collection[int],
    working: Collection[int],
) -> Refill:
    """Requeue rows abandoned by dead deliverers, renew the leases of ``working`` chats when
    due, claim the chats of the next batch of due rows (none in ``queued_rows`` or of
    ``skip_chats``) and plan those rows."""
    outbox = OutboxRepository(session)
    requeued = await outbox.requeue_sending(now, worker=leases.worker_id)
    if requeued:
        log.warning(
            "%d messages were being sent by a deliverer that stopped; sending again", requeued
        )
    rows = await outbox.deliverable(
        now,
        batch_size,
        worker=leases.worker_id,
        exclude_ids=queued_rows,
        exclude_chats=skip_chats,
    )
    stale = leases.stale(working, now)
    if not rows and not stale:
        return Refill(Found.NOTHING)
    claimed = await leases.claim(session, {row.chat_id for row in rows} | stale, now)
    by_chat: dict[int, list[OutboxItem]] = {}
    for row in rows:
        if row.chat_id in claimed:
            by_chat.setdefault(row.chat_id, []).append(row)
    if not rows:
        return Refill(Found.NOTHING)
    if not by_chat:
        return Refill(Found.TAKEN)
    chats = await ChatRepository(session).many(by_chat)
    jobs: list[Job] = []
    for chat_id, chat_rows in by_chat.items():
        chat = chats.get(chat_id)
        if chat is None or chat.paused or chat.blocked:
            _give_up(chat_id, chat, chat_rows)
        else:
            jobs += await plan(session, chat, chat_rows, now, zone)
    return Refill(Found.WORK, jobs)


async def claim_job(
    session: AsyncSession, leases: ChatLeases, job: Job, now: datetime, zone: ZoneInfo
) -> Claim | None:
    """Render the job's rows and mark them ``sending`` while this deliverer holds the chat
    (its lease renewed in the same transaction); None when there is nothing to send."""
    chat = await leases.hold(session, job.chat_id, now)
    if chat is None:
        return None
    transitions = OutboxTransitions(session)
    rows = await transitions.lock_pending(job.row_ids)
    if not rows:
        return None
    if chat.paused or chat.blocked:
        _give_up(job.chat_id, chat, rows)
        return None
    try:
        if job.kind is JobKind.DIGEST:
            outgoing = await render_digest(session, chat, rows, zone)
        else:
            outgoing = await render(session, rows[0], chat, zone)
    except Undeliverable as exc:
        await transitions.drop([r.id for r in rows], error_text(exc))
        log.warning("outbox rows %s dropped: %s", [r.id for r in rows], exc)
        return None
    transitions.claim(rows)
    return Claim(
        outgoing,
        plain=any(r.plain for r in rows),
        kind=JobKind.DIGEST.value if job.kind is JobKind.DIGEST else rows[0].kind,
        row_ids=[r.id for r in rows],
        alerts_queued_at=[r.created_at for r in rows if r.kind is OutboxKind.ALERT],
    )
