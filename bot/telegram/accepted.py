"""A request Telegram accepted but whose answer could not be read counts as sent.

An answer ``ok: true`` whose result cannot be decoded means Telegram accepted the message:
it is never resent. The caller gets a stand-in (a ``Message`` with ``message_id`` 0, or
``True``, or an empty list); the Deliverer records the alert as sent with no message id, and
a later edit of it is given up quietly. Any other undecodable answer is raised as it was.
"""

from __future__ import annotations

import logging
import re
import typing
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiogram.exceptions import ClientDecodeError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, Message

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

_OK_TRUE = re.compile(r'\s*\{\s*"ok"\s*:\s*true\b')


async def accepted(
    make_request: Callable[[Bot, TelegramMethod[TelegramType]], Awaitable[Any]],
    bot: Bot,
    method: TelegramMethod[TelegramType],
) -> Any:
    """``make_request``'s answer, or a stand-in when it was accepted but unreadable."""
    try:
        return await make_request(bot, method)
    except ClientDecodeError as exc:
        if not says_ok(exc.data):
            raise
        stand_in = _stand_in(method)
        if stand_in is None:
            raise
        log.warning(
            "%s: Telegram accepted it but its answer could not be read; counted as sent",
            method.__api_method__,
        )
        return stand_in


def says_ok(data: object) -> bool:
    """Whether an answer that could not be decoded still says ``ok: true``."""
    if isinstance(data, dict):
        return data.get("ok") is True
    return isinstance(data, str) and _OK_TRUE.match(data) is not None


def _stand_in(method: TelegramMethod[Any]) -> object | None:
    """What stands for the unreadable result of an accepted request (None: nothing fits)."""
    returning = method.__returning__
    kinds = typing.get_args(returning) or (returning,)
    if Message in kinds:
        chat_id = getattr(method, "chat_id", None)
        chat_id = chat_id if isinstance(chat_id, int) else 0
        chat = Chat.model_construct(id=chat_id, type="supergroup" if chat_id < 0 else "private")
        return Message.model_construct(message_id=0, date=datetime.now(UTC), chat=chat)
    if bool in kinds:
        return True
    if typing.get_origin(returning) is list:
        return []
    return None
