"""Where Telegram updates come from: long polling (one process) or a webhook."""

from __future__ import annotations

import asyncio
import contextlib

from aiogram import Bot, Dispatcher

from bot.config import TelegramConfig


class Updates:
    """Updates flowing into the dispatcher until ``stop``."""

    def __init__(self, bot: Bot, dispatcher: Dispatcher, config: TelegramConfig) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.config = config
        self._polling: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.bot.delete_webhook(drop_pending_updates=False)
        self._polling = asyncio.create_task(
            self.dispatcher.start_polling(
                self.bot,
                handle_signals=False,
                close_bot_session=False,
                polling_timeout=self.config.polling_timeout,
            ),
            name="telegram-polling",
        )

    async def stop(self) -> None:
        if self._polling is not None:
            with contextlib.suppress(RuntimeError):  # polling had already ended
                await self.dispatcher.stop_polling()
            await asyncio.gather(self._polling, return_exceptions=True)
