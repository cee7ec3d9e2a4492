"""Planning: one chat's due outbox rows as jobs, holding the alerts that must wait.

Rules (``bot.alerts.schedule`` says when an alert may go):

- A ``sent`` row (due because ``edit_pending``) is an edit job; a notice is a send job.
- A due alert whose ``release_at`` is later is held: ``next_attempt_at`` moves, it stays
  ``pending`` and no job is made.
- In digest mode, the chat's due alerts (all of them, not only this batch's) make one
  digest job. With quiet hours, 2+ alerts held over them go out together as a digest when
  they end; the others are sent one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.limits import is_group
from bot.alerts.schedule import ChatSchedule, is_digest, release_at
from bot.storage.models import Chat, OutboxItem, OutboxKind, OutboxStatus
from bot.storage.outbox import OutboxRepository


class JobKind(StrEnum):
    SEND = "send"  # one row, one message (maybe split in parts)
    EDIT = "edit"  # a sent row's message, edited to show ``also``
    DIGEST = "digest"  # several alerts in one message (maybe split in parts)


@dataclass(frozen=True, slots=True)
class Job:
    kind: JobKind
    chat_id: int
    group: bool
    row_ids: tuple[int, ...]


async def plan(
    session: AsyncSession, chat: Chat, rows: Sequence[OutboxItem], now: datetime, zone: ZoneInfo
) -> list[Job]:
    """Jobs for one chat's due rows; holds alerts that must wait (digest, quiet hours)."""
    group = is_group(chat.id, chat.kind)

    def job(kind: JobKind, rows: Sequence[OutboxItem]) -> Job:
        return Job(kind, chat.id, group, tuple(row.id for row in rows))

    jobs: list[Job] = []
    alerts: list[OutboxItem] = []
    for row in rows:
        if row.status == OutboxStatus.SENT:
            jobs.append(job(JobKind.EDIT, [row]))
        elif row.kind is OutboxKind.ALERT:
            alerts.append(row)
        else:
            jobs.append(job(JobKind.SEND, [row]))
    if not alerts:
        return jobs
    schedule = ChatSchedule.of(chat)
    if not is_digest(schedule) and not schedule.has_quiet_hours:
        return jobs + [job(JobKind.SEND, [row]) for row in alerts]
    if is_digest(schedule):
        # The whole chat's due alerts, not only this batch's, make one digest.
        known = {row.id for row in alerts}
        extra = await OutboxRepository(session).due_alerts_for_chat(chat.id, now)
        alerts += [row for row in extra if row.id not in known]
    released: list[OutboxItem] = []
    for row in alerts:
        when = release_at(schedule, row.next_attempt_at, zone, chat.last_digest_at)
        if when > now:
            row.next_attempt_at = when  # held, still pending
        else:
            released.append(row)
    if is_digest(schedule):
        if released:
            jobs.append(job(JobKind.DIGEST, released))
        return jobs
    held = [row for row in released if row.next_attempt_at > row.created_at]
    if len(held) >= 2:
        jobs.append(job(JobKind.DIGEST, held))
        released = [row for row in released if row not in held]
    return jobs + [job(JobKind.SEND, [row]) for row in released]
