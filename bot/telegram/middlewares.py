"""Every update: keep strangers out of a private bot, then register the chat (and its kind)
and pick its language.

In allowlist mode a stranger is refused in a private chat; in a group only the bot's own
commands and buttons get the refusal (joins, chatter and other bots' commands get nothing),
and nothing is written for them: a chat is registered only once its sender was let in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User

from bot.access import AccessPolicy
from bot.services.chats import ChatService
from bot.telegram.manage import is_anonymous_admin
from bot.telegram.texts import ADMIN_COMMANDS, USER_COMMANDS, pick_language, text

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
# Every command a router answers: the menus and their short forms.
BOT_COMMANDS = frozenset(USER_COMMANDS + ADMIN_COMMANDS + ("sub", "unsub", "lang"))


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
        language = pick_language(user.language_code, self.chats.default_language)
        if not await self._allowed(user, chat, anonymous=anonymous):
            if chat.type == "private" or await addressed_to_bot(event, data.get("bot")):
                known = await self.chats.get(chat.id)
                shown = known.language if known is not None else language
                await _refuse(event, text(shown, "private", user_id=user.id))
            return None
        title = chat.title or chat.full_name or ""
        # A known chat is only read before the handler: on SQLite a write waits its turn
        # behind the poller's and the deliverer's (seconds, at busy moments), and the person
        # would wait with it. Its row is brought up to date (title, kind, reachable again)
        # once the handler has answered. A new chat's row is created first: commands need it.
        known = await self.chats.get(chat.id)
        if known is None:
            known = await self.chats.register(
                chat.id, title=title, language=language, kind=chat.type
            )
            stale = False
        else:
            stale = not self.chats.up_to_date(known, title=title, kind=chat.type)
        data["lang"] = known.language
        data["is_admin"] = self.access.is_admin(user.id)
        result = await handler(event, data)
        if stale:
            await self.chats.register(chat.id, title=title, language=language, kind=chat.type)
        return result

    async def _allowed(self, user: User, chat: Chat, *, anonymous: bool) -> bool:
        """In a private chat the chat is the user; an anonymous admin is judged by the
        group's own place on the allowlist; anyone else in a group by their own."""
        if self.access.mode == "open":
            return True
        if chat.id == user.id or anonymous:
            row = await self.chats.get(chat.id)
            return self.access.allows(chat.id, allowed_in_db=bool(row and row.allowed))
        return await self.chats.may_use(user.id)


async def addressed_to_bot(event: TelegramObject, bot: Bot | None) -> bool:
    """A button of the bot's, or a message starting with one of its commands (``/cmd``, or
    ``/anything@its_name``); not chatter, service messages nor other bots' commands."""
    if isinstance(event, CallbackQuery):
        return True
    if not isinstance(event, Message):
        return False
    body = event.text or event.caption or ""
    entities = event.entities or event.caption_entities or []
    first = entities[0] if entities else None
    if first is None or first.type != "bot_command" or first.offset != 0:
        return False
    name, _, mention = body[1 : first.length].partition("@")
    if mention:
        username = (await bot.me()).username if bot is not None else None
        return username is not None and mention.lower() == username.lower()
    return name.lower() in BOT_COMMANDS


async def _refuse(event: TelegramObject, refusal: str) -> None:
    if isinstance(event, Message):
        await event.answer(refusal)
    elif isinstance(event, CallbackQuery):
        await event.answer(refusal[:190], show_alert=True)
