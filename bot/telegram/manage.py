"""Which chat a command is about, and whether its sender may change that chat.

Rules:

- A private chat is its user's: they change it.
- A group or supergroup: everyone may read (/list, /settings shown), only its admins
  (getChatMember status creator or administrator; an anonymous admin posting as the group)
  and the bot's administrators may change its subscriptions and settings.
- A channel is managed by a bot administrator from a private chat, naming it first:
  ``/subscribe @channel QUERY`` (or its numeric id ``-100…``). The bot must be an
  administrator of the channel allowed to post there; the chat is then recorded as a channel.
- In a forum topic (a message with ``is_topic_message``), subscriptions are the topic's:
  made, listed and alerted there.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Chat, Message

from bot.i18n.bidi import embed
from bot.services.chats import ChatService
from bot.telegram.texts import text

ADMIN_STATUSES = frozenset({"creator", "administrator"})
_CHANNEL_REF = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|-100\d{5,})$")


@dataclass(frozen=True, slots=True)
class Target:
    chat_id: int
    thread_id: int
    kind: str  # private | group | supergroup | channel
    title: str
    remote: bool = False  # a channel managed from a bot admin's private chat

    def heading(self, language: str) -> str:
        """A first line naming the chat when it is not the one the command was sent in."""
        return managing_heading(language, self.title) if self.remote else ""


def managing_heading(language: str, title: str) -> str:
    """The first line of a reply about another chat: "Managing TITLE"."""
    name = embed(language, html.escape(title, quote=False))
    return text(language, "managing_chat", chat=name) + "\n"


class TargetError(Exception):
    """A command named a chat it cannot manage; ``reply`` says why, in the user's language."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


def local_target(message: Message) -> Target:
    chat = message.chat
    thread = message.message_thread_id if message.is_topic_message else None
    title = chat.title or chat.full_name or ""
    return Target(chat.id, thread or 0, chat.type, title)


def split_reference(message: Message, args: str | None) -> tuple[str | None, str]:
    """``"@channel rest"`` in a private chat → ("@channel", "rest"); else (None, args)."""
    rest = (args or "").strip()
    if message.chat.type != "private" or not rest:
        return None, rest
    first, _, remainder = rest.partition(" ")
    if _CHANNEL_REF.match(first):
        return first, remainder.strip()
    return None, rest


async def resolve(
    message: Message,
    args: str | None,
    *,
    bot: Bot,
    chats: ChatService,
    is_admin: bool,
    lang: str,
) -> tuple[Target, str]:
    """The chat a command is about and the rest of its arguments. Raises TargetError."""
    reference, rest = split_reference(message, args)
    if reference is None:
        return local_target(message), rest
    if not is_admin:
        raise TargetError(text(lang, "channel_admins_only"))
    return await channel_target(reference, bot=bot, chats=chats, lang=lang), rest


async def channel_target(reference: str, *, bot: Bot, chats: ChatService, lang: str) -> Target:
    shown = embed(lang, html.escape(reference, quote=False))
    chat_id: int | str = int(reference) if reference.lstrip("-").isdigit() else reference
    try:
        chat = await bot.get_chat(chat_id)
    except TelegramAPIError:
        raise TargetError(text(lang, "channel_not_found", chat=shown)) from None
    if chat.type != "channel":
        raise TargetError(text(lang, "not_a_channel", chat=shown))
    try:
        member = await bot.get_chat_member(chat.id, bot.id)
    except TelegramAPIError:
        raise TargetError(text(lang, "bot_not_channel_admin", chat=shown)) from None
    can_post = getattr(member, "can_post_messages", None)
    if member.status != "administrator" or can_post is False:
        raise TargetError(text(lang, "bot_not_channel_admin", chat=shown))
    title = chat.title or reference
    await chats.register_channel(chat.id, title=title)
    return Target(chat.id, 0, "channel", title, remote=True)


async def is_chat_admin(bot: Bot, chat_id: int, user_id: int) -> bool:
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramAPIError:
        return False
    return member.status in ADMIN_STATUSES


async def may_change(
    bot: Bot, *, chat_id: int, kind: str, user_id: int, is_admin: bool, anonymous: bool = False
) -> bool:
    """Whether ``user_id`` may change chat ``chat_id``'s subscriptions and settings, asked
    from inside that chat (``anonymous``: an admin posting as the group)."""
    if kind == "private":
        return chat_id == user_id
    if is_admin or anonymous:
        return True
    return await is_chat_admin(bot, chat_id, user_id)


def is_anonymous_admin(message: Message) -> bool:
    """A group admin who posts as the group itself."""
    return message.sender_chat is not None and message.sender_chat.id == message.chat.id


async def may_change_target(message: Message, target: Target, *, bot: Bot, is_admin: bool) -> bool:
    """Whether the sender of ``message`` may change ``target`` (as ``resolve`` returned it)."""
    if target.remote:
        return True  # resolve() only lets bot admins name a channel
    return await may_change(
        bot,
        chat_id=target.chat_id,
        kind=target.kind,
        user_id=message.from_user.id if message.from_user else 0,
        is_admin=is_admin,
        anonymous=is_anonymous_admin(message),
    )


async def button_refusal(
    bot: Bot, chats: ChatService, *, here: Chat, chat_id: int, user_id: int, is_admin: bool
) -> str | None:
    """Why a button pressed in ``here`` may not change chat ``chat_id`` (a text key), or None
    when it may: in the chat itself as ``may_change`` says; elsewhere only a bot admin's
    private chat reaching a channel."""
    if chat_id == here.id:
        allowed = await may_change(
            bot, chat_id=here.id, kind=here.type, user_id=user_id, is_admin=is_admin
        )
        return None if allowed else "group_admins_only"
    if here.type == "private" and is_admin:
        owner = await chats.get(chat_id)
        if owner is not None and owner.kind == "channel":
            return None
    return "not_your_button"
