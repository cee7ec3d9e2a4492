"""Where Telegram updates come from: long polling (one process) or a webhook.

Long polling: one process calls getUpdates; it first deletes any webhook (Telegram refuses
getUpdates while one is set), so starting a process in long-polling mode is how a
deployment leaves webhook mode.

Webhook (``telegram.webhook_url`` set): an aiohttp server on ``webhook_listen:webhook_port``
serves only the URL's path, through aiogram's ``SimpleRequestHandler``; a POST without the
right ``X-Telegram-Bot-Api-Secret-Token`` header is answered 401 and reaches no handler.
Every process behind the load balancer calls setWebhook when it starts (the same URL and
secret each time, so it does not matter which is last) and none deletes the webhook when it
stops, since the others still serve it. Telegram gets its answer as soon as the update is
read; the update is handled in the background, and ``stop`` lets updates under way finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

from bot.cluster import LongPollingLock
from bot.config import ConfigError, TelegramConfig

log = logging.getLogger(__name__)

STANDBY_EVERY = 5.0  # seconds between a standby process's tries to take over long polling
STOP_GRACE = 30.0  # seconds stop() waits for updates being handled before cancelling them
_ANSWER_GRACE = 5.0  # seconds stop() waits for webhook requests being answered


class _WebhookHandler(SimpleRequestHandler):
    """aiogram's handler, with errors of background updates kept out of asyncio's
    "exception never retrieved", and the updates under way exposed to ``Updates.stop``."""

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        # compare_digest raises TypeError on a non-ASCII str: such a header (never the secret,
        # which Telegram limits to A-Z, a-z, 0-9, _ and -) is a 401, not a 500.
        if telegram_secret_token.isascii() and super().verify_secret(telegram_secret_token, bot):
            return True
        log.warning("webhook: refused a request without the right secret token")
        return False

    async def _background_feed_update(self, bot: Bot, update: dict[str, Any]) -> None:
        try:
            await super()._background_feed_update(bot, update)
        except ValidationError as exc:
            log.warning(
                "webhook: ignored a body that is not an update (%d errors)", exc.error_count()
            )
        except Exception:  # aiogram has logged it, with its traceback
            pass

    def under_way(self) -> set[asyncio.Task[Any]]:
        return set(self._background_feed_update_tasks)

    async def close(self) -> None:
        """Nothing: aiogram's closes the bot's session, which the application owns."""


class Updates:
    """Updates flowing into the dispatcher until ``stop``."""

    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        config: TelegramConfig,
        *,
        grace: float = STOP_GRACE,
        polling_lock: LongPollingLock | None = None,
        standby_every: float = STANDBY_EVERY,
    ) -> None:
        """``polling_lock``: several processes may be started in long-polling mode (on
        PostgreSQL); the one holding the lock polls, the others stand by."""
        self.bot = bot
        self.dispatcher = dispatcher
        self.config = config
        self.grace = grace
        self.polling_lock = polling_lock
        self.standby_every = standby_every
        self._standby: asyncio.Task[None] | None = None
        self._polling: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._handler: _WebhookHandler | None = None

    async def start(self) -> None:
        if self.config.webhook_url is None:
            await self._start_polling()
        else:
            await self._start_webhook(self.config.webhook_url)

    @property
    def standing_by(self) -> bool:
        return self._standby is not None and not self._standby.done()

    async def _start_polling(self) -> None:
        if self.polling_lock is not None and not await self.polling_lock.try_acquire():
            log.info(
                "another process takes Telegram updates by long polling; this one stands by "
                "and takes over when that one stops"
            )
            self._standby = asyncio.create_task(self._stand_by(), name="telegram-standby")
            return
        await self._poll()

    async def _stand_by(self) -> None:
        assert self.polling_lock is not None
        while True:
            await asyncio.sleep(self.standby_every)
            try:
                if await self.polling_lock.try_acquire():
                    break
            except Exception as exc:  # the database is away: try again later
                log.warning("long polling standby: could not ask for the lock: %s", exc)
        log.info("taking over Telegram updates by long polling")
        await self._poll()

    async def _poll(self) -> None:
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

    async def _start_webhook(self, url: str) -> None:
        secret = self.config.webhook_secret.get_secret_value() if self.config.webhook_secret else ""
        if not secret:  # the config refuses this; without a secret anyone could post updates
            raise ConfigError("telegram.webhook_url needs telegram.webhook_secret")
        self._handler = _WebhookHandler(
            self.dispatcher, self.bot, handle_in_background=True, secret_token=secret
        )
        app = web.Application()
        # Not handler.register(): its shutdown hook would close the bot's session.
        app.router.add_post(urlsplit(url).path or "/", self._handler.handle)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=_ANSWER_GRACE
        )
        await self._runner.setup()
        listen, port = self.config.webhook_listen, self.config.webhook_port
        try:
            await self._listen(self._runner, listen, port)
            # Serving before setWebhook: Telegram may post as soon as it is set.
            await self.bot.set_webhook(
                url,
                secret_token=secret,
                allowed_updates=self.dispatcher.resolve_used_update_types(),
                drop_pending_updates=False,
            )
        except BaseException:
            await self._runner.cleanup()
            self._runner = None
            raise
        log.info("webhook: serving %s on %s:%d", url, listen, port)

    @staticmethod
    async def _listen(runner: web.AppRunner, listen: str, port: int) -> None:
        try:
            await web.TCPSite(runner, listen, port).start()
        except OSError as exc:
            raise ConfigError(
                f"telegram.webhook_listen, webhook_port: cannot listen on {listen}:{port}: "
                f"{exc.strerror or exc}"
            ) from exc

    async def stop(self) -> None:
        """Take no more updates, then wait for those being handled (at most ``grace``
        seconds; any still running then are cancelled)."""
        if self._runner is not None:
            await self._runner.cleanup()  # stops listening, answers the requests under way
            self._runner = None
        if self._standby is not None:
            self._standby.cancel()
            await asyncio.gather(self._standby, return_exceptions=True)
            self._standby = None
        if self._polling is not None:
            with contextlib.suppress(RuntimeError):  # polling had already ended
                await self.dispatcher.stop_polling()
            await asyncio.gather(self._polling, return_exceptions=True)
            self._polling = None
        await self._finish(self._under_way())
        if self.polling_lock is not None:
            with contextlib.suppress(Exception):  # a lost connection released it anyway
                await self.polling_lock.release()

    def _under_way(self) -> set[asyncio.Task[Any]]:
        if self._handler is not None:
            return self._handler.under_way()
        # Long polling handles each update in a task of the dispatcher's.
        return set(self.dispatcher._handle_update_tasks)

    async def _finish(self, tasks: set[asyncio.Task[Any]]) -> None:
        if not tasks:
            return
        log.info("waiting for %d update(s) being handled", len(tasks))
        _, pending = await asyncio.wait(tasks, timeout=self.grace)
        if pending:
            log.warning(
                "%d update(s) still being handled after %gs: cancelled", len(pending), self.grace
            )
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
