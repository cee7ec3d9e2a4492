"""What a command or button acts on, resolved and checked before its handler runs.

A handler declares what it needs with an aiogram flag; these inner middlewares (they run
once the handler's filters matched) resolve it and hand it over as handler arguments, or
answer the refusal here, in one place, and end the update (nothing else answers it: a
filter that refused would let the command fall through to the next handler).

- ``flags={TARGET: Access.READ}`` on a command: ``target`` (the chat, see
  ``bot.telegram.manage``) and ``rest`` (its other arguments); an unknown or unmanageable
  channel is refused. ``Access.CHANGE`` also requires that the sender may change it.
- ``flags={BUTTON: ButtonScope.SUBSCRIPTION}`` on a button whose data has a
  ``subscription_id``: ``subscription``, still there and the presser's to act on.
- ``flags={BUTTON: ButtonScope.CHAT}`` on a button whose data has a ``chat_id``: the presser
  may change that chat; ``button_message`` is the message the button was on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.flags import get_flag
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.services.chats import ChatService
from bot.services.subscriptions import SubscriptionService
from bot.telegram.manage import TargetError, button_refusal, may_change_target, resolve
from bot.telegram.texts import text

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

TARGET = "target"
BUTTON = "button"
ALERT_LIMIT = 190  # a callback answer shown as an alert is cut to fit


class Access(StrEnum):
    READ = "read"
    CHANGE = "change"


class ButtonScope(StrEnum):
    SUBSCRIPTION = "subscription"
    CHAT = "chat"


class CommandTargetMiddleware(BaseMiddleware):
    """Messages: a command flagged ``TARGET`` gets ``target`` and ``rest``."""

    def __init__(self, chats: ChatService) -> None:
        self.chats = chats

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        access = get_flag(data, TARGET)
        if access is None or not isinstance(event, Message):
            return await handler(event, data)
        command: CommandObject = data["command"]
        lang: str = data["lang"]
        is_admin: bool = data["is_admin"]
        bot: Bot = data["bot"]
        try:
            target, rest = await resolve(
                event, command.args, bot=bot, chats=self.chats, is_admin=is_admin, lang=lang
            )
        except TargetError as exc:
            await event.answer(exc.reply)
            return None
        if Access(access) is Access.CHANGE and not await may_change_target(
            event, target, bot=bot, is_admin=is_admin
        ):
            await event.answer(text(lang, "group_admins_only"))
            return None
        data["target"] = target
        data["rest"] = rest
        return await handler(event, data)


class ButtonOwnerMiddleware(BaseMiddleware):
    """Callback queries: a button flagged ``BUTTON`` acts only where its presser may act: in
    its own chat as ``manage.may_change`` says, or from a bot admin's private chat on a
    channel (``manage.button_refusal``)."""

    def __init__(self, chats: ChatService, subscriptions: SubscriptionService) -> None:
        self.chats = chats
        self.subscriptions = subscriptions

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        scope = get_flag(data, BUTTON)
        if scope is None or not isinstance(event, CallbackQuery):
            return await handler(event, data)
        lang: str = data["lang"]
        message = event.message
        if ButtonScope(scope) is ButtonScope.SUBSCRIPTION:
            if message is None:
                await event.answer()
                return None
            subscription_id: int = data["callback_data"].subscription_id
            subscription = await self.subscriptions.get(subscription_id)
            if subscription is None:
                await event.answer(text(lang, "gone_button"))
                return None
            chat_id = subscription.chat_id
            data["subscription"] = subscription
        else:
            if not isinstance(message, Message):
                await event.answer()
                return None
            chat_id = data["callback_data"].chat_id
            data["button_message"] = message
        refusal = await button_refusal(
            data["bot"],
            self.chats,
            here=message.chat,
            chat_id=chat_id,
            user_id=event.from_user.id,
            is_admin=data["is_admin"],
        )
        if refusal is not None:
            await event.answer(text(lang, refusal)[:ALERT_LIMIT], show_alert=True)
            return None
        return await handler(event, data)
