"""Senders for the delivery worker: Telegram itself, or the console for dry runs."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TextIO

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot.alerts.format import html_to_plain
from bot.alerts.render import Button
from bot.alerts.sending import SendError, SendFailure

# 400 answers that mean the chat itself is gone, not that the message is wrong.
_GONE = (
    "chat not found",
    "user is deactivated",
    "bot was kicked",
    "group chat was deleted",
    "bot is not a member",
    "need administrator rights",
    "have no rights to send",
    "not enough rights to send",
)
_NOT_MODIFIED = "message is not modified"
_MESSAGE_GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")
# What _translate knows; anything else propagates as it is (transient).
_TELEGRAM_ERRORS = (
    TelegramRetryAfter,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramBadRequest,
)
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def _markup(buttons: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.text, callback_data=b.callback_data) for b in row]
            for row in buttons
        ]
    )


def _translate(exc: Exception) -> Exception:
    """aiogram's error as the Deliverer's vocabulary (``SendFailure``; others are
    transient)."""
    if isinstance(exc, TelegramRetryAfter):
        return SendError(
            SendFailure.RETRY_LATER,
            f"rate limited, retry after {exc.retry_after:g}s",
            retry_after=exc.retry_after,
        )
    if isinstance(exc, (TelegramForbiddenError, TelegramNotFound)):
        return SendError(SendFailure.CHAT_UNREACHABLE, exc.message)
    if isinstance(exc, TelegramBadRequest):
        lowered = exc.message.lower()
        if any(reason in lowered for reason in _GONE):
            return SendError(SendFailure.CHAT_UNREACHABLE, exc.message)
        if any(reason in lowered for reason in _MESSAGE_GONE):
            return SendError(SendFailure.MESSAGE_GONE, exc.message)
        return SendError(SendFailure.BAD_MESSAGE, exc.message)
    return exc


class TelegramSender:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(
        self,
        chat_id: int,
        html_text: str,
        *,
        thread_id: int = 0,
        buttons: Sequence[Sequence[Button]] = (),
        plain: bool = False,
    ) -> int:
        try:
            message = await self.bot.send_message(
                chat_id,
                html_to_plain(html_text) if plain else html_text,
                parse_mode=None if plain else "HTML",
                message_thread_id=thread_id or None,
                reply_markup=_markup(buttons),
                link_preview_options=_NO_PREVIEW,
            )
        except _TELEGRAM_ERRORS as exc:
            raise _translate(exc) from exc
        return message.message_id

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        html_text: str,
        *,
        buttons: Sequence[Sequence[Button]] = (),
    ) -> None:
        try:
            await self.bot.edit_message_text(
                text=html_text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode="HTML",
                reply_markup=_markup(buttons),
                link_preview_options=_NO_PREVIEW,
            )
        except _TELEGRAM_ERRORS as exc:
            if isinstance(exc, TelegramBadRequest) and _NOT_MODIFIED in exc.message.lower():
                return
            raise _translate(exc) from exc


_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL)
_BOLD = re.compile(r"</?b>")
_TAG = re.compile(r"<[^>]+>")


def html_to_console(html_text: str) -> str:
    """Our own alert HTML as plain text: a link becomes its text then the URL on a line of
    its own, bold becomes *...*."""
    plain = _BOLD.sub("*", html_text)
    plain = _LINK.sub(lambda m: f"{m.group(2)}\n🔗 {m.group(1)}", plain)
    return html.unescape(_TAG.sub("", plain))


class ConsoleSender:
    """Prints alerts instead of sending them (``run --dry-run``)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._count = 0

    async def send(
        self,
        chat_id: int,
        html_text: str,
        *,
        thread_id: int = 0,
        buttons: Sequence[Sequence[Button]] = (),
        plain: bool = False,
    ) -> int:
        self._count += 1
        print(f"──── alert {self._count} (chat {chat_id}) ────", file=self.out)
        print(html_to_console(html_text), file=self.out, flush=True)
        return self._count

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        html_text: str,
        *,
        buttons: Sequence[Sequence[Button]] = (),
    ) -> None:
        print(f"──── alert {message_id} updated (chat {chat_id}) ────", file=self.out)
        print(html_to_console(html_text), file=self.out, flush=True)
