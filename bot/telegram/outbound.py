"""One outbound path for everything the bot sends to Telegram, paced by one set of limits.

Alerts and notices (the Deliverer), command replies, progress messages, edits, callback
answers and files (handlers) all reach the Bot API through ``Outbound``: the Deliverer asks
for a ``slot`` around each of its requests, and every other request of the bot passes
through ``Outbound.middleware``, an aiogram session middleware, so no handler can bypass
it. What each kind of request gets:

- *Messages* (sends and edits, ``MESSAGE_METHODS``) wait for a send slot of the one
  ``Pacer`` of the process: Telegram's global rate, one message at a time per chat, the
  interval per chat and the per-minute count per group. A reply to a person waiting in
  front of the bot (``Priority.REPLY``) is served before queued alerts (``Priority.ALERT``):
  the global slot goes to the first waiting reply whose chat may send, and alerts to a chat
  whose update is being handled (``conversation``) wait until the handler is done, so the
  reply is not pushed back by the chat's own interval.
- *Other methods* (callback answers, chat actions, getChatMember, deleting a message, ...)
  are not messages: Telegram's message limits do not count them, so they are not paced.
- Long polling and webhook methods (``UNTOUCHED``) pass as aiogram makes them.

**429.** A handler's request answered 429 waits ``retry_after`` (recorded in the Pacer, so
alerts to that chat wait too, and 429s for several chats at once pause everything) and is
sent again, as many times as Telegram asks: a handler never sees a 429, and the effect of a
command, committed before its reply, never depends on the reply. The Deliverer's own
requests keep its semantics (the row stays pending, no attempt used): their 429 reaches it.

**Accepted but unreadable.** An answer ``ok: true`` whose result cannot be decoded counts
as sent, never resent (``bot.telegram.accepted``).

**Several processes** (PostgreSQL): every message, replies included, also reserves the next
slot of the global rate shared in the database (``SharedPace``), after the local Pacer
granted it. Replies thus keep the bot's global rate in every process; their priority holds
within a process, and across processes they wait at most for the slots other deliverers
reserved already (a few, one per request in flight). When the database cannot be reached a
reply goes on with the local limits alone rather than being lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import enum
import itertools
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from aiogram import BaseMiddleware
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update

from bot.alerts.limits import Pacer, is_group
from bot.alerts.pace import SharedPace
from bot.config import DeliveryConfig
from bot.metrics import Metrics
from bot.storage.db import SessionFactory
from bot.telegram.accepted import accepted
from bot.topology import Topology

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

# Requests that are messages for Telegram's limits: sends and edits.
MESSAGE_METHODS = frozenset(
    {
        "sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup", "sendAudio", "sendVideo",
        "sendAnimation", "sendVoice", "sendVideoNote", "sendSticker", "sendLocation",
        "sendVenue", "sendContact", "sendPoll", "sendDice", "copyMessage", "copyMessages",
        "forwardMessage", "forwardMessages", "editMessageText", "editMessageCaption",
        "editMessageMedia", "editMessageReplyMarkup", "editMessageLiveLocation",
    }
)  # fmt: skip
# Long polling and the webhook: aiogram's own loops handle their errors.
UNTOUCHED = frozenset(
    {"getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo", "logOut", "close"}
)
# How soon the Deliverer looks again at a chat held for a conversation (seconds).
HELD_STEP = 0.1

# Set while the Deliverer holds a slot: its request is paced already, and its errors are its.
_PACED: contextvars.ContextVar[bool] = contextvars.ContextVar("rasd_paced", default=False)


class Priority(enum.IntEnum):
    """Who waits for a send slot; lower goes first."""

    REPLY = 0  # a person waiting in front of the bot
    ALERT = 1  # queued work: alerts, notices, digests, their edits


@dataclass(eq=False, slots=True)
class _Waiter:
    priority: Priority
    order: int
    chat_id: int | None
    group: bool
    granted: asyncio.Future[None] = field(repr=False)

    @property
    def key(self) -> tuple[int, int]:
        return (self.priority, self.order)


class Outbound:
    """The process's one Pacer, and the way every request to Telegram goes through it."""

    def __init__(
        self,
        pacer: Pacer,
        *,
        shared: SharedPace | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.pacer = pacer
        self.shared = shared
        self.metrics = metrics
        self.middleware = _RequestMiddleware(self)
        self.updates_middleware = _ConversationMiddleware(self)
        self._waiters: list[_Waiter] = []
        self._order = itertools.count()
        self._busy: Counter[int] = Counter()  # chats with a request under way
        self._talking: Counter[int] = Counter()  # chats whose update is being handled
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = float("inf")

    @classmethod
    def of(
        cls,
        config: DeliveryConfig,
        topology: Topology,
        *,
        sessions: SessionFactory | None,
        metrics: Metrics | None,
        pacer: Pacer | None = None,
    ) -> Outbound:
        """The Outbound for ``[delivery]``'s limits. Sharing the database with other
        processes, the global rate is shared with them through ``sessions``; alone, the
        process's own Pacer is the whole rate. ``pacer``: tests shorten windows."""
        pacer = pacer or Pacer(
            config.messages_per_second,
            config.per_chat_interval,
            config.group_per_minute,
            group_window=config.group_window,
        )
        shared: SharedPace | None = None
        if topology.shared:
            if sessions is None:
                raise ValueError("a shared send rate needs the database's sessions")
            shared = SharedPace(sessions, config.messages_per_second)
        return cls(pacer, shared=shared, metrics=metrics)

    # -- slots -------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def slot(
        self, chat_id: int | None, group: bool, priority: Priority
    ) -> AsyncIterator[None]:
        """Wait until a message to this chat may start, then hold the slot while it is sent
        (one request inside); its answer is recorded when the block ends."""
        await self._acquire(chat_id, group, priority)
        token = _PACED.set(True)
        try:
            if self.shared is not None:
                await self._shared_slot(priority)
            yield
        finally:
            _PACED.reset(token)
            self._release(chat_id, group)

    async def _shared_slot(self, priority: Priority) -> None:
        assert self.shared is not None
        try:
            wait = await self.shared.reserve()
        except Exception as exc:
            if priority is Priority.ALERT:
                raise  # the Deliverer retries the row later
            log.warning("shared send rate unavailable, replying within local limits: %s", exc)
            return
        if wait > 0:
            await asyncio.sleep(wait)

    async def _acquire(self, chat_id: int | None, group: bool, priority: Priority) -> None:
        waiter = _Waiter(
            priority, next(self._order), chat_id, group, asyncio.get_running_loop().create_future()
        )
        self._waiters.append(waiter)
        self._schedule()
        try:
            await waiter.granted
        except asyncio.CancelledError:
            if waiter.granted.done() and not waiter.granted.cancelled():
                self._release(chat_id, group)  # granted, then cancelled before it was used
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
                self._schedule()
            raise

    def _release(self, chat_id: int | None, group: bool) -> None:
        self.pacer.answered(chat_id, group)
        if chat_id is not None:
            self._busy[chat_id] -= 1
            if self._busy[chat_id] <= 0:
                del self._busy[chat_id]
        self._schedule()

    def _chat_ready_at(self, waiter: _Waiter) -> float:
        if waiter.chat_id is None:
            return self.pacer.paused_until
        if waiter.chat_id in self._busy:
            return float("inf")  # woken when that request is answered
        if waiter.priority is Priority.ALERT and waiter.chat_id in self._talking:
            return float("inf")  # woken when the conversation ends
        return self.pacer.chat_ready_at(waiter.chat_id, waiter.group)

    def _schedule(self) -> None:
        """Grant the global slot to the first waiter (replies first, then in order of
        arrival) whose chat may send; set a timer for when the next one may."""
        now = self.pacer.monotonic()
        wake = float("inf")
        for waiter in sorted(self._waiters, key=lambda w: w.key):
            chat_at = self._chat_ready_at(waiter)
            if chat_at > now:
                wake = min(wake, chat_at)
                continue
            global_at = self.pacer.global_ready_at()
            if global_at > now:
                wake = min(wake, global_at)
                break  # nobody behind this waiter may take the slot before it
            self._waiters.remove(waiter)
            self.pacer.take()
            if waiter.chat_id is not None:
                self._busy[waiter.chat_id] += 1
            waiter.granted.set_result(None)
        self._wake_at(wake, now)

    def _wake_at(self, wake: float, now: float) -> None:
        if wake == float("inf") or not self._waiters:
            return
        if self._timer is not None:
            if self._timer_at <= wake:
                return
            self._timer.cancel()
        self._timer_at = wake
        self._timer = asyncio.get_running_loop().call_later(max(0.0, wake - now), self._tick)

    def _tick(self) -> None:
        self._timer, self._timer_at = None, float("inf")
        self._schedule()

    def alert_ready_at(self, chat_id: int, group: bool) -> float:
        """When the Deliverer may next start a message to this chat: the Pacer's answer, a
        moment from now while a person's update from that chat is handled or a request to it
        is under way."""
        ready = self.pacer.chat_ready_at(chat_id, group)
        if chat_id in self._talking or chat_id in self._busy:
            ready = max(ready, self.pacer.monotonic() + HELD_STEP)
        return ready

    @contextlib.contextmanager
    def conversation(self, chat_id: int) -> Iterator[None]:
        """An update from this chat is being handled: its replies go before its alerts."""
        self._talking[chat_id] += 1
        try:
            yield
        finally:
            self._talking[chat_id] -= 1
            if self._talking[chat_id] <= 0:
                del self._talking[chat_id]
                if self._waiters:
                    self._schedule()

    async def too_many(self, chat_id: int | None, seconds: float) -> None:
        """Telegram answered 429: the chat waits ``seconds``; 429s for several chats at once
        pause every sender (in every process, with a shared rate)."""
        if self.metrics is not None:
            self.metrics.telegram_429.inc()
        if chat_id is None:
            return
        if self.pacer.retry_after(chat_id, seconds):
            log.warning("Telegram flood control: all sending paused for %gs", seconds)
            if self.shared is not None:
                await self.shared.pause(seconds)
        self._schedule()

    # -- requests from aiogram ---------------------------------------------------------------

    async def request(
        self,
        make_request: Callable[[Bot, TelegramMethod[TelegramType]], Awaitable[Any]],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        name = method.__api_method__
        if name in UNTOUCHED:
            return await make_request(bot, method)
        if _PACED.get():  # the Deliverer's request, inside its slot
            return await accepted(make_request, bot, method)
        chat_id = _chat_of(method)
        paced = name in MESSAGE_METHODS
        while True:
            try:
                if not paced:
                    return await accepted(make_request, bot, method)
                group = is_group(chat_id, None) if chat_id is not None else True
                async with self.slot(chat_id, group, Priority.REPLY):
                    return await accepted(make_request, bot, method)
            except TelegramRetryAfter as exc:
                wait = max(1, exc.retry_after)  # Telegram's are whole seconds, at least 1
                log.info("%s to chat %s: 429, sent again in %ds", name, chat_id, wait)
                await self.too_many(chat_id if paced else None, wait)
                if not paced or chat_id is None:  # nothing in the Pacer holds it: wait here
                    await asyncio.sleep(wait)


class _RequestMiddleware(BaseRequestMiddleware):
    """Every request of the bot's session, through ``Outbound.request``."""

    def __init__(self, outbound: Outbound) -> None:
        self.outbound = outbound

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        result = await self.outbound.request(make_request, bot, method)
        return cast(Response[TelegramType], result)


class _ConversationMiddleware(BaseMiddleware):
    """An outer middleware on updates: while one from a chat is handled, that chat's
    replies go before its alerts (``Outbound.conversation``)."""

    def __init__(self, outbound: Outbound) -> None:
        self.outbound = outbound

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat_id = _update_chat(event) if isinstance(event, Update) else None
        if chat_id is None:
            return await handler(event, data)
        with self.outbound.conversation(chat_id):
            return await handler(event, data)


def _update_chat(update: Update) -> int | None:
    if update.callback_query is not None:
        message = update.callback_query.message
        return message.chat.id if message is not None else None
    for candidate in (update.message, update.edited_message, update.my_chat_member):
        if candidate is not None:
            return candidate.chat.id
    return None


def _chat_of(method: TelegramMethod[Any]) -> int | None:
    chat_id = getattr(method, "chat_id", None)
    return chat_id if isinstance(chat_id, int) else None
