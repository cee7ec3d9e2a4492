"""Every update: register the chat (and its kind), pick its language, keep strangers out of a
private bot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User

from bot.access import AccessPolicy
from bot.services.chats import ChatService
from bot.telegram.manage import is_anonymous_admin
from bot.telegram.texts import pick_language, text

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class ChatContextMiddleware(BaseMiddleware):
    def __init__(self, chats: ChatService, access: AccessPolicy) -> None:
        self.chats = chats
        self.access = access

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        if user is None or chat is None:
            return None
        # A group admin posting anonymously arrives "from" a bot, sent as the group itself.
        anonymous = isinstance(event, Message) and is_anonymous_admin(event)
        if user.is_bot and not anonymous:
            return None
        record = await self.chats.register(
            chat.id,
            title=chat.title or chat.full_name or "",
            language=pick_language(user.language_code, self.chats.default_language),
            kind=chat.type,
        )
        data["lang"] = record.language
        data["is_admin"] = self.access.is_admin(user.id)
        # In a private chat the chat is the user: no need to read the row again. An
        # anonymous admin is judged by the group's own place on the allowlist.
        if chat.id == user.id:
            allowed = self.access.allows(user.id, allowed_in_db=record.allowed)
        elif anonymous:
            allowed = self.access.allows(chat.id, allowed_in_db=record.allowed)
        else:
            allowed = await self.chats.may_use(user.id)
        if not allowed:
            refusal = text(record.language, "private", user_id=user.id)
            if isinstance(event, Message):
                await event.answer(refusal)
            elif isinstance(event, CallbackQuery):
                await event.answer(refusal[:190], show_alert=True)
            return None
        return await handler(event, data)
