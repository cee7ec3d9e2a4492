"""One job to its settled state: claim, the requests, the outcome written.

Rules:

- Every request of the deliverer, a message part or an edit, goes through ``_request``:
  the Outbound's send slot for the chat (pacing, shared rate), the chat's lease checked
  inside it (``ChatLeases.admit``: taken right before each request, after the claim's
  database work, so the spacing Telegram sees is the requests' own), then the Sender.
- A message (or digest) of several parts is claimed and settled as one unit: a crash or a
  lost lease between its parts resends all of them.
- An edit (``edit_pending`` on a ``sent`` row: a later copy of the story added an outlet
  to ``also``) is given up quietly when the message has no id (accepted, answer unread),
  was sent inside a digest (editing would replace the whole digest), the chat is
  unreachable, or the alert cannot be rendered any more.
- How each outcome is written: ``bot.alerts.settle``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.alerts.claim import claim_job
from bot.alerts.leases import ChatLeases, LeaseLost, Transaction
from bot.alerts.plan import Job, JobKind
from bot.alerts.render import Outgoing, Undeliverable, render
from bot.alerts.sending import Sender, error_text
from bot.alerts.settle import Settle
from bot.metrics import Metrics
from bot.storage.models import OutboxStatus
from bot.storage.outbox_transitions import OutboxTransitions
from bot.telegram.outbound import Outbound, Priority

T = TypeVar("T")
Clock = Callable[[], datetime]


class SendPath:
    def __init__(
        self,
        transaction: Transaction,
        sender: Sender,
        outbound: Outbound,
        leases: ChatLeases,
        settle: Settle,
        zone: ZoneInfo,
        metrics: Metrics | None,
    ) -> None:
        self.transaction = transaction
        self.sender = sender
        self.outbound = outbound
        self.leases = leases
        self.settle = settle
        self.zone = zone
        self.metrics = metrics

    async def _request(self, job: Job, clock: Clock, call: Callable[[], Awaitable[T]]) -> T:
        """The one way a request leaves: in the chat's send slot, while the lease holds."""
        async with self.outbound.slot(job.chat_id, job.group, Priority.ALERT):
            await self.leases.admit(self.transaction, job.chat_id, clock())
            return await call()

    async def run(self, job: Job, clock: Clock) -> int:
        """Run one job to its settled state; returns how many messages went out."""
        if job.kind is JobKind.EDIT:
            await self._edit(job, clock)
            return 0
        now = clock()
        async with self.transaction() as session:
            claim = await claim_job(session, self.leases, job, now, self.zone)
        if claim is None:
            return 0
        outgoing = claim.outgoing
        message_id = 0
        sent = 0
        try:
            for position, part in enumerate(outgoing.parts):
                last = position == len(outgoing.parts) - 1

                def send(part: str = part, last: bool = last) -> Awaitable[int]:
                    return self.sender.send(
                        job.chat_id,
                        part,
                        thread_id=outgoing.thread_id,
                        buttons=outgoing.buttons if last else (),
                        plain=claim.plain,
                    )

                message_id = await self._request(job, clock, send)
                sent += 1
        except LeaseLost:
            await self.settle.released(claim.row_ids)
        except Exception as exc:
            await self.settle.failed(job, claim.row_ids, exc, clock())
        else:
            await self.settle.sent(job, claim.row_ids, message_id, clock())
            if self.metrics is not None:
                end = clock()
                for queued_at in claim.alerts_queued_at:
                    lag = (end - queued_at).total_seconds()
                    self.metrics.delivery_lag_seconds.observe(max(0.0, lag))
        if sent and self.metrics is not None:
            self.metrics.alerts_sent.labels(kind=claim.kind).inc(sent)
        return sent

    async def _edit(self, job: Job, clock: Clock) -> None:
        row_id = job.row_ids[0]
        async with self.transaction() as session:
            chat = await self.leases.hold(session, job.chat_id, clock())
            if chat is None:
                return
            transitions = OutboxTransitions(session)
            row = await transitions.get(row_id)
            if row is None or not row.edit_pending or row.status != OutboxStatus.SENT:
                return
            message_id = row.telegram_message_id
            also = list(row.also or [])
            outgoing: Outgoing | None = None
            # None or 0: Telegram accepted it but its answer could not be read.
            problem = "no message id" if not message_id else None
            if problem is None and await transitions.shares_message(row):
                problem = "sent in a digest"
            if chat.blocked:
                problem = "chat unreachable"
            if problem is None:
                try:
                    outgoing = await render(session, row, chat, self.zone)
                except Undeliverable as exc:
                    problem = error_text(exc)
        if outgoing is None or not message_id:
            await self.settle.edit_given_up(row_id, also, str(problem))
            return
        edit_id, text, buttons = message_id, outgoing.parts[-1], outgoing.buttons
        try:
            await self._request(
                job, clock, lambda: self.sender.edit(job.chat_id, edit_id, text, buttons=buttons)
            )
        except LeaseLost:
            return  # the chat's new holder edits it
        except Exception as exc:
            await self.settle.edit_failed(job, row_id, also, exc, clock)
        else:
            await self.settle.edited(row_id, also)
            if self.metrics is not None:
                self.metrics.alerts_sent.labels(kind=JobKind.EDIT.value).inc()
