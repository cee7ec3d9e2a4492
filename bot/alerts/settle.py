"""Settling: each outcome of a request written on its rows, nothing retried forever, nothing
dropped silently.

Rules, by ``SendFailure``:

- ``RETRY_LATER`` (429 ``retry_after``): the chat waits exactly that long (``Outbound``;
  429s for several chats at once pause everything); the rows stay ``pending`` until then
  and no attempt is used.
- ``CHAT_UNREACHABLE`` (403, chat not found, kicked): the chat is marked ``blocked``; these
  rows and the chat's other pending rows are ``dropped`` (reason in ``last_error``): news is
  stale by the time a user comes back. ``/start`` clears ``blocked``.
- ``BAD_MESSAGE`` / ``MESSAGE_GONE`` (400): sent once more as plain text, then ``parked``.
- ``TRANSIENT`` (network, 5xx): retried with exponential backoff until
  ``delivery.max_attempts`` attempts, then ``failed``.
- Success: ``sent`` with Telegram's message id (a digest also sets ``last_digest_at``). An
  answer ``ok: true`` whose result cannot be decoded is a success too (``Outbound`` gives
  message id 0): ``sent`` with no message id, never resent; a later edit is given up.

An edit's outcomes: done ("not modified" included), put off for a 429, retried for a
transient error (given up past ``max_attempts``), given up quietly otherwise (the message
vanished or is refused; an unreachable chat is also marked as above).
Each failure counts in ``rasd_delivery_errors{kind}``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.alerts.leases import Transaction
from bot.alerts.plan import Job, JobKind
from bot.alerts.sending import ERROR_LIMIT, SendError, SendFailure, error_text, failure_of
from bot.config import DeliveryConfig
from bot.metrics import Metrics
from bot.storage.chats import ChatRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.outbox_transitions import OutboxTransitions
from bot.telegram.outbound import Outbound

log = logging.getLogger(__name__)

MAX_BACKOFF = 900.0


def backoff(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failed ones."""
    return min(float(2 ** (attempts + 1)), MAX_BACKOFF)


def _retry_after(exc: BaseException) -> float:
    return exc.retry_after if isinstance(exc, SendError) else 0.0


class Settle:
    """Writes outcomes, one short transaction each (``transaction``: the deliverer's)."""

    def __init__(
        self,
        transaction: Transaction,
        outbound: Outbound,
        config: DeliveryConfig,
        metrics: Metrics | None,
    ) -> None:
        self.transaction = transaction
        self.outbound = outbound
        self.config = config
        self.metrics = metrics

    async def _failure(self, job: Job, exc: BaseException) -> tuple[SendFailure, str, float]:
        """What went wrong with a message or an edit: its kind (counted), its text, and for a
        429 the seconds Telegram asked for, which the Outbound is told at once (``0`` else)."""
        failure = failure_of(exc)
        if self.metrics is not None:
            self.metrics.delivery_errors.labels(kind=failure.value).inc()
        seconds = 0.0
        if failure is SendFailure.RETRY_LATER:
            seconds = _retry_after(exc)
            await self.outbound.too_many(job.chat_id, seconds)
        return failure, error_text(exc), seconds

    # -- messages ----------------------------------------------------------------------------

    async def sent(self, job: Job, row_ids: Sequence[int], message_id: int, now: datetime) -> None:
        async with self.transaction() as session:
            if job.kind is JobKind.DIGEST:  # the chat row first, as everywhere (lock order)
                chat = await ChatRepository(session).get(job.chat_id)
                if chat is not None:
                    chat.last_digest_at = now
            await OutboxTransitions(session).mark_sent(row_ids, message_id, now)

    async def released(self, row_ids: Sequence[int]) -> None:
        """Another deliverer holds the chat now: it sends these rows (a digest whose first
        parts went out is sent again whole, as after a crash between parts)."""
        async with self.transaction() as session:
            await OutboxTransitions(session).release(row_ids)

    async def failed(
        self, job: Job, row_ids: Sequence[int], exc: BaseException, now: datetime
    ) -> None:
        failure, error, seconds = await self._failure(job, exc)
        match failure:
            case SendFailure.RETRY_LATER:
                async with self.transaction() as session:
                    await OutboxTransitions(session).retry_at(
                        row_ids, now + timedelta(seconds=seconds), f"429: retry after {seconds:g}s"
                    )
            case SendFailure.CHAT_UNREACHABLE:
                await self._unreachable(job.chat_id, row_ids, error)
            case SendFailure.BAD_MESSAGE | SendFailure.MESSAGE_GONE:
                async with self.transaction() as session:
                    parked = await OutboxTransitions(session).retry_as_plain(row_ids, error, now)
                for row_id in parked:
                    log.warning("outbox row %d parked: %s", row_id, error)
            case SendFailure.TRANSIENT:
                async with self.transaction() as session:
                    failed = await OutboxTransitions(session).retry_or_fail(
                        row_ids,
                        error,
                        now,
                        max_attempts=self.config.max_attempts,
                        backoff=backoff,
                    )
                for row_id in failed:
                    log.warning("outbox row %d failed for good: %s", row_id, error)

    async def _unreachable(self, chat_id: int, row_ids: Sequence[int], reason: str) -> None:
        async with self.transaction() as session:
            chat = await ChatRepository(session).get(chat_id)
            if chat is not None:
                chat.blocked = True
            await OutboxTransitions(session).drop(row_ids, f"chat unreachable: {reason}")
            await OutboxRepository(session).drop_pending_for_chat(
                chat_id, f"chat unreachable: {reason}"[:ERROR_LIMIT]
            )
        log.info("chat %d is unreachable (%s); its pending alerts are dropped", chat_id, reason)

    # -- edits -------------------------------------------------------------------------------

    async def edited(self, row_id: int, also: Sequence[str]) -> None:
        async with self.transaction() as session:
            await OutboxTransitions(session).edit_done(row_id, also, None)

    async def edit_given_up(self, row_id: int, also: Sequence[str], problem: str) -> None:
        async with self.transaction() as session:
            await OutboxTransitions(session).edit_done(row_id, also, f"edit given up: {problem}")

    async def edit_failed(
        self,
        job: Job,
        row_id: int,
        also: Sequence[str],
        exc: BaseException,
        clock: Callable[[], datetime],
    ) -> None:
        failure, error, seconds = await self._failure(job, exc)
        match failure:
            case SendFailure.RETRY_LATER:
                async with self.transaction() as session:
                    await OutboxTransitions(session).edit_later(
                        row_id, clock() + timedelta(seconds=seconds)
                    )
            case SendFailure.CHAT_UNREACHABLE:
                await self.edit_given_up(row_id, also, error)
                await self._unreachable(job.chat_id, [], error)
            case SendFailure.BAD_MESSAGE | SendFailure.MESSAGE_GONE:
                log.info("edit of outbox row %d given up: %s", row_id, exc)
                await self.edit_given_up(row_id, also, error)
            case SendFailure.TRANSIENT:
                async with self.transaction() as session:
                    gave_up = await OutboxTransitions(session).edit_retry_or_give_up(
                        row_id,
                        error,
                        clock(),
                        max_attempts=self.config.max_attempts,
                        backoff=backoff,
                    )
                if gave_up:
                    log.warning("edit of outbox row %d given up: %s", row_id, error)
