"""Commands every allowed user has: subscriptions, muting, pause/resume, language, help.

Who may change what is decided in ``bot.telegram.manage``: a private chat is its user's, a
group's subscriptions are changed by its admins (anyone may read them), a channel is managed
by a bot admin from a private chat (``/subscribe @channel QUERY``). In a forum topic the
subscriptions are the topic's. Buttons carry everything they need (``keyboards``), so they
work after a restart; a button acts only on a subscription of the chat it was pressed in
(a bot admin's private chat also reaches the channels it manages).
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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
from aiogram.types import (
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardMarkup,
    Message,
)

from bot.alerts.format import shorten
from bot.i18n.bidi import embed
from bot.i18n.counts import plural
from bot.matching import QueryError
from bot.services.chats import ChatService
from bot.services.subscriptions import (
    MUTED_FOREVER,
    AlreadySubscribed,
    LimitKind,
    SubscriptionLimitReached,
    SubscriptionService,
)
from bot.storage.db import STORAGE_FAILURES
from bot.storage.models import Subscription
from bot.telegram.keyboards import AlertUnsubscribe, Mute, Unmute, Unsubscribe, subscription_list
from bot.telegram.manage import (
    Target,
    button_refusal,
    command_target,
    managing_heading,
)
from bot.telegram.routers.queries import (
    person_of,
    quoted,
    recent_after_subscribe,
    storage_failed,
    test_query,
)
from bot.telegram.routers.queries import (
    query_error_text as query_error_text,  # admin's too
)
from bot.telegram.texts import LANGUAGES, pick_language, text

# Queries are shortened in /list so that 50 of them, muted, still fit in one message.
LIST_QUERY_LIMIT = 70
LIST_BUDGET = 3700
MUTE_DAY = timedelta(hours=24)
UTC_ZONE = ZoneInfo("UTC")


def help_text(lang: str, is_admin: bool) -> str:
    admin = text(lang, "help_admin") + text(lang, "help_channels") if is_admin else ""
    return text(lang, "help") + text(lang, "query_help") + admin


def muted_mark(lang: str, until: datetime | None, now: datetime | None, zone: ZoneInfo) -> str:
    if until is None or (now is not None and until <= now):
        return ""
    if until >= MUTED_FOREVER:
        return text(lang, "list_muted_forever")
    shown = until.astimezone(zone).strftime("%d/%m %H:%M")
    return text(lang, "list_muted_until", until=embed(lang, shown))


def list_view(
    lang: str,
    subscriptions: Sequence[Subscription],
    paused: bool,
    *,
    zone: ZoneInfo = UTC_ZONE,
    now: datetime | None = None,
    heading: str = "",
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The /list message: numbered queries, muted ones marked, ❌ and 🔔 buttons."""
    if not subscriptions:
        return heading + text(lang, "list_empty"), None
    header = text(lang, "list_header", paused=text(lang, "list_paused") if paused else "")
    lines = []
    muted: set[int] = set()
    limit = max(20, min(LIST_QUERY_LIMIT, LIST_BUDGET // len(subscriptions) - 25))
    for number, subscription in enumerate(subscriptions, start=1):
        mark = muted_mark(lang, subscription.muted_until, now, zone)
        if mark:
            muted.add(subscription.id)
        lines.append(f"{number}. {quoted(lang, subscription.query, limit)}{mark}")
    body = heading + header + "\n" + "\n".join(lines)
    if muted:
        body += "\n\n" + text(lang, "list_unmute_hint")
    return body, subscription_list(subscriptions, muted)


async def _target(
    message: Message,
    command: CommandObject,
    *,
    bot: Bot,
    chats: ChatService,
    is_admin: bool,
    lang: str,
    change: bool,
) -> tuple[Target, str] | None:
    """``manage.command_target`` for a command's arguments."""
    return await command_target(
        message, command.args, bot=bot, chats=chats, is_admin=is_admin, lang=lang, change=change
    )


async def start(message: Message, lang: str, is_admin: bool) -> None:
    await message.answer(text(lang, "welcome", help=help_text(lang, is_admin)))


async def help_command(message: Message, lang: str, is_admin: bool) -> None:
    await message.answer(help_text(lang, is_admin))


async def subscribe(
    message: Message,
    command: CommandObject,
    lang: str,
    is_admin: bool,
    bot: Bot,
    chats: ChatService,
    subscriptions: SubscriptionService,
) -> None:
    found = await _target(
        message, command, bot=bot, chats=chats, is_admin=is_admin, lang=lang, change=True
    )
    if found is None:
        return
    target, query = found
    if not query:
        await message.answer(text(lang, "subscribe_usage"))
        return
    person = person_of(message)
    try:
        result = await subscriptions.subscribe(
            target.chat_id, query, thread_id=target.thread_id, created_by=person
        )
    except QueryError as exc:
        await message.answer(query_error_text(lang, query, exc))
        return
    except AlreadySubscribed as exc:
        await message.answer(
            target.heading(lang) + text(lang, "already_subscribed", query=quoted(lang, exc.query))
        )
        return
    except SubscriptionLimitReached as exc:
        if exc.kind is LimitKind.CHAT:
            refusal = text(lang, "too_many", limit=exc.limit)
        else:
            refusal = plural(lang, "too_many_person", exc.limit)
        await message.answer(target.heading(lang) + refusal)
        return

    # Saved: answer at once, then count recent matches (which may take up to its budget,
    # be cut or be skipped) and edit the count into the answer.
    def answer(recent: str) -> str:
        return target.heading(lang) + text(
            lang,
            "subscribed",
            number=result.position,
            query=quoted(lang, result.subscription.query),
            understood=html.escape(result.query.describe(), quote=False),
            recent=recent,
        )

    sent = await message.answer(answer(text(lang, "recent_counting")))
    recent = await recent_after_subscribe(
        lang, subscriptions, result.query, target.chat_id if person is None else person
    )
    with contextlib.suppress(TelegramAPIError):
        await sent.edit_text(answer(recent))


async def _list_of(
    lang: str,
    chat_id: int,
    thread_id: int,
    heading: str,
    subscriptions: SubscriptionService,
    chats: ChatService,
    zone: ZoneInfo,
) -> tuple[str, InlineKeyboardMarkup | None]:
    chat = await chats.get(chat_id)
    return list_view(
        lang,
        await subscriptions.list(chat_id, thread_id),
        bool(chat and chat.paused),
        zone=zone,
        now=subscriptions.clock(),
        heading=heading,
    )


async def list_command(
    message: Message,
    command: CommandObject,
    lang: str,
    is_admin: bool,
    bot: Bot,
    subscriptions: SubscriptionService,
    chats: ChatService,
    zone: ZoneInfo,
) -> None:
    found = await _target(
        message, command, bot=bot, chats=chats, is_admin=is_admin, lang=lang, change=False
    )
    if found is None:
        return
    target, _ = found
    body, keyboard = await _list_of(
        lang, target.chat_id, target.thread_id, target.heading(lang), subscriptions, chats, zone
    )
    await message.answer(body, reply_markup=keyboard)


async def unsubscribe(
    message: Message,
    command: CommandObject,
    lang: str,
    is_admin: bool,
    bot: Bot,
    chats: ChatService,
    subscriptions: SubscriptionService,
) -> None:
    found = await _target(
        message, command, bot=bot, chats=chats, is_admin=is_admin, lang=lang, change=True
    )
    if found is None:
        return
    target, argument = found
    if not argument.isdigit():
        await message.answer(text(lang, "unsubscribe_usage"))
        return
    removed = await subscriptions.remove_at(target.chat_id, int(argument), target.thread_id)
    if removed is None:
        await message.answer(text(lang, "no_such_subscription", number=int(argument)))
        return
    await message.answer(
        target.heading(lang) + text(lang, "unsubscribed", query=quoted(lang, removed.query))
    )


async def unmute(
    message: Message,
    command: CommandObject,
    lang: str,
    is_admin: bool,
    bot: Bot,
    chats: ChatService,
    subscriptions: SubscriptionService,
) -> None:
    found = await _target(
        message, command, bot=bot, chats=chats, is_admin=is_admin, lang=lang, change=True
    )
    if found is None:
        return
    target, argument = found
    if not argument.isdigit():
        await message.answer(text(lang, "unmute_usage"))
        return
    listed = await subscriptions.list(target.chat_id, target.thread_id)
    position = int(argument)
    if not 1 <= position <= len(listed):
        await message.answer(text(lang, "no_such_subscription", number=position))
        return
    subscription = listed[position - 1]
    query = quoted(lang, subscription.query)
    if not subscriptions.is_muted(subscription):
        await message.answer(target.heading(lang) + text(lang, "not_muted", query=query))
        return
    await subscriptions.unmute(target.chat_id, subscription.id)
    await message.answer(target.heading(lang) + text(lang, "unmuted", query=query))


# -- buttons ---------------------------------------------------------------------------------


async def _owned(
    callback: CallbackQuery,
    subscription_id: int,
    *,
    lang: str,
    is_admin: bool,
    bot: Bot,
    chats: ChatService,
    subscriptions: SubscriptionService,
) -> Subscription | None:
    """The subscription a button acts on, if the presser may act on it; else None after
    answering the callback (already removed, another chat's, or not a group admin)."""
    message = callback.message
    if message is None:
        await callback.answer()
        return None
    subscription = await subscriptions.get(subscription_id)
    if subscription is None:
        await callback.answer(text(lang, "gone_button"))
        return None
    refusal = await button_refusal(
        bot,
        chats,
        here=message.chat,
        chat_id=subscription.chat_id,
        user_id=callback.from_user.id,
        is_admin=is_admin,
    )
    if refusal is not None:
        await callback.answer(text(lang, refusal)[:190], show_alert=True)
        return None
    return subscription


async def _refresh_list(
    callback: CallbackQuery,
    subscription: Subscription,
    lang: str,
    subscriptions: SubscriptionService,
    chats: ChatService,
    zone: ZoneInfo,
) -> None:
    """Show the list again in the /list message the button was on."""
    message = callback.message
    if not isinstance(message, Message):
        return
    heading = ""
    if message.chat.id != subscription.chat_id:
        owner = await chats.get(subscription.chat_id)
        heading = managing_heading(lang, owner.title if owner else str(subscription.chat_id))
    body, keyboard = await _list_of(
        lang, subscription.chat_id, subscription.thread_id, heading, subscriptions, chats, zone
    )
    await message.edit_text(body, reply_markup=keyboard)


async def unsubscribe_button(
    callback: CallbackQuery,
    callback_data: Unsubscribe,
    lang: str,
    is_admin: bool,
    bot: Bot,
    subscriptions: SubscriptionService,
    chats: ChatService,
    zone: ZoneInfo,
) -> None:
    subscription = await _owned(
        callback,
        callback_data.subscription_id,
        lang=lang,
        is_admin=is_admin,
        bot=bot,
        chats=chats,
        subscriptions=subscriptions,
    )
    if subscription is None:
        return
    removed = await subscriptions.remove(subscription.chat_id, subscription.id)
    await callback.answer(text(lang, "removed_button" if removed else "gone_button"))
    if removed:
        await _refresh_list(callback, removed, lang, subscriptions, chats, zone)


async def unmute_button(
    callback: CallbackQuery,
    callback_data: Unmute,
    lang: str,
    is_admin: bool,
    bot: Bot,
    subscriptions: SubscriptionService,
    chats: ChatService,
    zone: ZoneInfo,
) -> None:
    subscription = await _owned(
        callback,
        callback_data.subscription_id,
        lang=lang,
        is_admin=is_admin,
        bot=bot,
        chats=chats,
        subscriptions=subscriptions,
    )
    if subscription is None:
        return
    was_muted = subscriptions.is_muted(subscription)
    await subscriptions.unmute(subscription.chat_id, subscription.id)
    await callback.answer(text(lang, "unmuted_button"))
    if was_muted:
        await _refresh_list(callback, subscription, lang, subscriptions, chats, zone)


async def mute_button(
    callback: CallbackQuery,
    callback_data: Mute,
    lang: str,
    is_admin: bool,
    bot: Bot,
    subscriptions: SubscriptionService,
    chats: ChatService,
) -> None:
    subscription = await _owned(
        callback,
        callback_data.subscription_id,
        lang=lang,
        is_admin=is_admin,
        bot=bot,
        chats=chats,
        subscriptions=subscriptions,
    )
    if subscription is None:
        return
    if callback_data.span not in ("day", "ever"):  # not a button we make
        await callback.answer()
        return
    forever = callback_data.span == "ever"
    until = MUTED_FOREVER if forever else subscriptions.clock() + MUTE_DAY
    await subscriptions.mute(subscription.chat_id, subscription.id, until)
    key = "muted_forever_button" if forever else "muted_day_button"
    await callback.answer(text(lang, key, query=embed(lang, shorten(subscription.query, 60))))


async def alert_unsubscribe_button(
    callback: CallbackQuery,
    callback_data: AlertUnsubscribe,
    lang: str,
    is_admin: bool,
    bot: Bot,
    subscriptions: SubscriptionService,
    chats: ChatService,
) -> None:
    subscription = await _owned(
        callback,
        callback_data.subscription_id,
        lang=lang,
        is_admin=is_admin,
        bot=bot,
        chats=chats,
        subscriptions=subscriptions,
    )
    if subscription is None:
        return
    removed = await subscriptions.remove(subscription.chat_id, subscription.id)
    if removed is None:
        await callback.answer(text(lang, "gone_button"))
        return
    await callback.answer(
        text(lang, "unsubscribed_button", query=embed(lang, shorten(removed.query, 60)))
    )


# -- chat-wide -------------------------------------------------------------------------------


async def pause(
    message: Message,
    command: CommandObject,
    lang: str,
    is_admin: bool,
    bot: Bot,
    chats: ChatService,
) -> None:
    """/pause and /resume."""
    found = await _target(
        message, command, bot=bot, chats=chats, is_admin=is_admin, lang=lang, change=True
    )
    if found is None:
        return
    target, _ = found
    paused = command.command == "pause"
    await chats.set_paused(target.chat_id, paused)
    await message.answer(target.heading(lang) + text(lang, "paused" if paused else "resumed"))


async def language(
    message: Message,
    command: CommandObject,
    lang: str,
    is_admin: bool,
    bot: Bot,
    chats: ChatService,
) -> None:
    found = await _target(
        message, command, bot=bot, chats=chats, is_admin=is_admin, lang=lang, change=True
    )
    if found is None:
        return
    target, argument = found
    choice = argument.lower()
    if choice not in LANGUAGES:
        await message.answer(text(lang, "language_usage"))
        return
    await chats.set_language(target.chat_id, choice)
    if target.remote:  # the channel's language; the admin's own stays
        await message.answer(target.heading(lang) + text(choice, "language_set"))
    else:
        await message.answer(text(choice, "language_set"))


async def unknown_command(message: Message, lang: str) -> None:
    await message.answer(text(lang, "unknown_command"))


async def plain_text(message: Message, lang: str) -> None:
    sample = html.escape((message.text or "")[:60], quote=False)
    await message.answer(text(lang, "not_a_command", text=sample))


async def added_to_chat(event: ChatMemberUpdated, bot: Bot, chats: ChatService) -> None:
    """The bot joined a group (greet it with how to subscribe) or a channel (record it)."""
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


async def upgraded_to_supergroup(message: Message, subscriptions: SubscriptionService) -> None:
    """A group became a supergroup (a new chat id): its subscriptions and settings follow."""
    if message.migrate_to_chat_id is not None:
        await subscriptions.move_chat(message.chat.id, message.migrate_to_chat_id)


def build_router() -> Router:
    """A fresh router: aiogram attaches a router to one dispatcher only."""
    router = Router(name="user")
    router.message(CommandStart())(start)
    router.message(Command("help"))(help_command)
    router.message(Command("subscribe", "sub"))(subscribe)
    router.message(Command("test"))(test_query)
    router.message(Command("list"))(list_command)
    router.message(Command("unsubscribe", "unsub"))(unsubscribe)
    router.message(Command("unmute"))(unmute)
    router.callback_query(Unsubscribe.filter())(unsubscribe_button)
    router.callback_query(Unmute.filter())(unmute_button)
    router.callback_query(Mute.filter())(mute_button)
    router.callback_query(AlertUnsubscribe.filter())(alert_unsubscribe_button)
    router.message(Command("pause", "resume"))(pause)
    router.message(Command("language", "lang"))(language)
    router.my_chat_member(ChatMemberUpdatedFilter(JOIN_TRANSITION))(added_to_chat)
    router.message(F.migrate_to_chat_id)(upgraded_to_supergroup)
    # In groups the bot stays silent about what is not a command of its own.
    private = F.chat.type == "private"
    router.message(private, F.text.startswith("/"))(unknown_command)
    router.message(private, F.text)(plain_text)
    router.errors(ExceptionTypeFilter(*STORAGE_FAILURES))(storage_failed)
    return router
