"""The deliverer's small parts on their own: how a failed request is classified and kept,
the retry backoff, the outbox status column, and the lease bookkeeping between refills."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest.mock import MagicMock

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import SendMessage
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from bot.alerts.leases import ChatLeases
from bot.alerts.sending import ERROR_LIMIT, SendError, SendFailure, error_text, failure_of
from bot.alerts.settle import MAX_BACKOFF, backoff
from bot.storage.models import OutboxStatus
from bot.storage.types import StrEnumColumn
from bot.telegram.sender import _translate

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
METHOD = SendMessage(chat_id=1, text="x")


def test_a_recognised_error_keeps_its_kind_and_anything_else_is_transient() -> None:
    gone = SendError(SendFailure.CHAT_UNREACHABLE, "Forbidden: bot was blocked by the user")
    assert failure_of(gone) is SendFailure.CHAT_UNREACHABLE
    assert error_text(gone) == "Forbidden: bot was blocked by the user"
    assert failure_of(TimeoutError()) is SendFailure.TRANSIENT
    assert error_text(TimeoutError()) == "TimeoutError: TimeoutError"
    assert error_text(ConnectionError("reset")) == "ConnectionError: reset"
    long = SendError(SendFailure.BAD_MESSAGE, "y" * 2000)
    assert error_text(long) == "y" * ERROR_LIMIT


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (TelegramRetryAfter(METHOD, "Too Many Requests", 7), SendFailure.RETRY_LATER),
        (
            TelegramForbiddenError(METHOD, "Forbidden: bot was blocked"),
            SendFailure.CHAT_UNREACHABLE,
        ),
        (TelegramBadRequest(METHOD, "chat not found"), SendFailure.CHAT_UNREACHABLE),
        (TelegramBadRequest(METHOD, "message to edit not found"), SendFailure.MESSAGE_GONE),
        (TelegramBadRequest(METHOD, "can't parse entities"), SendFailure.BAD_MESSAGE),
    ],
)
def test_telegram_answers_become_send_failures(error: Exception, failure: SendFailure) -> None:
    translated = _translate(error)
    assert failure_of(translated) is failure
    if failure is SendFailure.RETRY_LATER:
        assert isinstance(translated, SendError) and translated.retry_after == 7


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [backoff(n) for n in (0, 1, 2, 3)] == [2.0, 4.0, 8.0, 16.0]
    assert backoff(30) == MAX_BACKOFF


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_the_status_column_stores_the_spelling_and_gives_the_member_back(dialect: Dialect) -> None:
    column = StrEnumColumn(OutboxStatus, 16)
    assert column.process_bind_param(OutboxStatus.PARKED, dialect) == "parked"
    assert column.process_bind_param("sent", dialect) == "sent"
    assert column.process_result_value("sending", dialect) is OutboxStatus.SENDING
    with pytest.raises(ValueError):
        column.process_bind_param("sendng", dialect)


def test_leases_due_for_renewal_and_forgotten_once_lapsed() -> None:
    leases = ChatLeases("w1", lease_seconds=60.0, chat_window=65.0)
    # Just claimed (a full lease ahead), a third of lease_seconds old, and lapsed.
    leases.held = {
        1: NOW + leases.length,
        2: NOW + leases.length - timedelta(seconds=21),
        3: NOW - timedelta(seconds=1),
    }
    assert leases.stale([1, 2, 4], NOW) == {2}
    assert 3 in leases
    leases.forget_lapsed(NOW)
    assert 3 not in leases and 1 in leases and 2 in leases


async def test_a_lease_with_less_than_the_chat_window_left_is_checked_before_a_request() -> None:
    leases = ChatLeases("w1", lease_seconds=60.0, chat_window=65.0)
    transaction = MagicMock(side_effect=AssertionError("no database round trip expected"))
    leases.held = {1: NOW + timedelta(seconds=66)}
    await leases.admit(transaction, 1, NOW)  # 66 s left: no round trip
    leases.held = {1: NOW + timedelta(seconds=64)}
    with pytest.raises(AssertionError, match="no database round trip"):
        await leases.admit(transaction, 1, NOW)
