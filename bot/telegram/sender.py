"""Senders for the delivery worker: Telegram itself, or the console for dry runs."""

from __future__ import annotations

import html
import re
from typing import TextIO

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import LinkPreviewOptions

from bot.alerts.deliver import ChatUnreachable, RetryLater

_GONE = ("chat not found", "user is deactivated", "bot was kicked", "group chat was deleted")


class TelegramSender:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, html_text: str) -> int:
        try:
            message = await self.bot.send_message(
                chat_id,
                html_text,
                parse_mode="HTML",
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except TelegramRetryAfter as exc:
            raise RetryLater(exc.retry_after) from exc
        except (TelegramForbiddenError, TelegramNotFound) as exc:
            raise ChatUnreachable(exc.message) from exc
        except TelegramBadRequest as exc:
            if any(reason in exc.message.lower() for reason in _GONE):
                raise ChatUnreachable(exc.message) from exc
            raise
        return message.message_id


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

    async def send(self, chat_id: int, html_text: str) -> int:
        self._count += 1
        print(f"──── alert {self._count} (chat {chat_id}) ────", file=self.out)
        print(html_to_console(html_text), file=self.out, flush=True)
        return self._count
