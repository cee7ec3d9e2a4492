"""What every allowed user has besides subscriptions: /start, /help, /pause and /resume,
/language, the bot joining a chat, a group becoming a supergroup, and the answers to what is
not a command (in a private chat only: in groups the bot stays silent about chatter).

A chat-wide change is checked before its handler runs (``bot.telegram.targets``): a
private chat is its user's, a group's admins change it, a bot admin names a channel first.
This router goes last: its fallbacks answer only what no other router took.
"""

from __future__ import annotations

import contextlib
import html

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import (
    JOIN_TRANSITION,
    ChatMemberUpdatedFilter,
    Command,
    CommandObject,
    CommandStart,
    ExceptionTypeFilter,
)
from aiogram.types import ChatMemberUpdated, Message

from bot.storage.db import STORAGE_FAILURES
from bot.telegram.manage import Target
from bot.telegram.routers.queries import storage_failed
from bot.telegram.services import Services
from bot.telegram.targets import TARGET, Access
from bot.telegram.texts import LANGUAGES, pick_language, text
from bot.telegram.views.queries import quoted
from bot.telegram.views.subscriptions import help_text


async def start(message: Message, lang: str, is_admin: bool) -> None:
    await message.answer(text(lang, "welcome", help=help_text(lang, is_admin)))


async def help_command(message: Message, lang: str, is_admin: bool) -> None:
    await message.answer(help_text(lang, is_admin))


async def pause(
    message: Message, command: CommandObject, target: Target, lang: str, services: Services
) -> None:
    """/pause and /resume."""
    paused = command.command == "pause"
    await services.chats.set_paused(target.chat_id, paused)
    await message.answer(target.heading(lang) + text(lang, "paused" if paused else "resumed"))


async def language(
    message: Message, target: Target, rest: str, lang: str, services: Services
) -> None:
    choice = rest.lower()
    if choice not in LANGUAGES:
        await message.answer(text(lang, "language_usage"))
        return
    await services.chats.set_language(target.chat_id, choice)
    if target.remote:  # the channel's language; the admin's own stays
        await message.answer(target.heading(lang) + text(choice, "language_set"))
    else:
        await message.answer(text(choice, "language_set"))


async def unknown_command(message: Message, lang: str) -> None:
    await message.answer(text(lang, "unknown_command"))


async def plain_text(message: Message, lang: str) -> None:
    sample = html.escape((message.text or "")[:60], quote=False)
    await message.answer(text(lang, "not_a_command", text=sample))


async def added_to_chat(event: ChatMemberUpdated, bot: Bot, services: Services) -> None:
    """The bot joined a group (greet it with how to subscribe) or a channel (record it)."""
    chats = services.chats
    chat = event.chat
    if not await chats.may_use(event.from_user.id):
        return  # allowlist mode, added by a stranger: nothing recorded, nothing said
    language = pick_language(event.from_user.language_code, chats.default_language)
    record = await chats.register(
        chat.id, title=chat.title or "", language=language, kind=chat.type
    )
    if chat.type in ("group", "supergroup"):
        await bot.send_message(chat.id, text(record.language, "group_welcome"))
    elif chat.type == "channel":
        # Nothing is posted in the channel; whoever added the bot learns how to manage it.
        reference = f"@{chat.username}" if chat.username else str(chat.id)
        with contextlib.suppress(TelegramAPIError):  # they never opened a chat with the bot
            await bot.send_message(
                event.from_user.id,
                text(
                    language,
                    "channel_added",
                    chat=quoted(language, chat.title or reference),
                    ref=html.escape(reference, quote=False),
                ),
            )


async def upgraded_to_supergroup(message: Message, services: Services) -> None:
    """A group became a supergroup (a new chat id): its subscriptions and settings follow."""
    if message.migrate_to_chat_id is not None:
        await services.subscriptions.move_chat(message.chat.id, message.migrate_to_chat_id)


def build_router() -> Router:
    """A fresh router: aiogram attaches a router to one dispatcher only."""
    router = Router(name="user")
    router.message(CommandStart())(start)
    router.message(Command("help"))(help_command)
    router.message(Command("pause", "resume"), flags={TARGET: Access.CHANGE})(pause)
    router.message(Command("language", "lang"), flags={TARGET: Access.CHANGE})(language)
    router.my_chat_member(ChatMemberUpdatedFilter(JOIN_TRANSITION))(added_to_chat)
    router.message(F.migrate_to_chat_id)(upgraded_to_supergroup)
    # In groups the bot stays silent about what is not a command of its own.
    private = F.chat.type == "private"
    router.message(private, F.text.startswith("/"))(unknown_command)
    router.message(private, F.text)(plain_text)
    router.errors(ExceptionTypeFilter(*STORAGE_FAILURES))(storage_failed)
    return router
