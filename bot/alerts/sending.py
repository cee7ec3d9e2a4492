"""What the deliverer asks of Telegram (``Sender``), and how a request can fail.

Rules:

- A Sender raises ``SendError`` with its ``SendFailure`` for the answers it recognises;
  any other exception is a ``TRANSIENT`` failure (network faults, 5xx).
- ``failure_of`` is the one place an exception becomes a failure kind: the kind picks how
  the row is settled (``bot.alerts.settle``) and labels the ``rasd_delivery_errors``
  metric. A new kind of Telegram error is a new member here, its recognition in the
  Sender, and its settling.
- The error text kept on a row holds at most ``ERROR_LIMIT`` characters of the error.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from bot.alerts.render import Button

ERROR_LIMIT = 500


class SendFailure(StrEnum):
    """Why a request to Telegram did not succeed (the metric's label)."""

    RETRY_LATER = "retry_later"  # 429: wait ``retry_after``, no attempt used
    CHAT_UNREACHABLE = "chat_unreachable"  # 403, chat not found, kicked
    BAD_MESSAGE = "bad_message"  # 400: Telegram refused this message
    MESSAGE_GONE = "message_gone"  # the message to edit no longer exists (or is too old)
    TRANSIENT = "transient"  # network faults, 5xx, anything not recognised


class SendError(Exception):
    """A request Telegram answered with a recognised error."""

    def __init__(self, failure: SendFailure, message: str, *, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.failure = failure
        self.retry_after = retry_after


def failure_of(exc: BaseException) -> SendFailure:
    return exc.failure if isinstance(exc, SendError) else SendFailure.TRANSIENT


def error_text(exc: BaseException) -> str:
    """The error as kept on a row: Telegram's words, or the exception's type for a
    transient failure."""
    text = (str(exc) or type(exc).__name__)[:ERROR_LIMIT]
    if failure_of(exc) is SendFailure.TRANSIENT:
        return f"{type(exc).__name__}: {text}"
    return text


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
        """Send one message; return its id. Raises ``SendError``; anything else counts as
        a transient (network, 5xx) failure."""
        ...

    async def edit(
        self, chat_id: int, message_id: int, html: str, *, buttons: Sequence[Sequence[Button]] = ()
    ) -> None:
        """Replace a message's text; "not modified" is success."""
        ...
