"""A chat's subscriptions by command: /subscribe, /test, /list, /unsubscribe, /unmute.

Who may change what is decided before a handler runs (``bot.telegram.targets``, rules in
``bot.telegram.manage``): a private chat is its user's, a group's subscriptions are changed
by its admins (anyone may list them), a channel is managed by a bot admin from a private
chat (``/subscribe @channel QUERY``). In a forum topic the subscriptions are the topic's.
"""

from __future__ import annotations

import contextlib
import html

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import InlineKeyboardMarkup, Message

from bot.i18n import plural
from bot.matching import QueryError
from bot.services.subscriptions import AlreadySubscribed, LimitKind, SubscriptionLimitReached
from bot.telegram.manage import Target
from bot.telegram.routers.queries import person_of, recent_after_subscribe, test_query
from bot.telegram.services import Services
from bot.telegram.targets import TARGET, Access
from bot.telegram.texts import text
from bot.telegram.views.queries import query_error_text, quoted
from bot.telegram.views.subscriptions import list_view


async def subscribe(
    message: Message, target: Target, rest: str, lang: str, services: Services
) -> None:
    query = rest
    if not query:
        await message.answer(text(lang, "subscribe_usage"))
        return
    subscriptions = services.subscriptions
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


async def list_of(
    lang: str, chat_id: int, thread_id: int, heading: str, services: Services
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The /list message of a chat (or forum topic) as it stands now."""
    chat = await services.chats.get(chat_id)
    return list_view(
        lang,
        await services.subscriptions.list(chat_id, thread_id),
        bool(chat and chat.paused),
        zone=services.zone,
        now=services.subscriptions.clock(),
        heading=heading,
    )


async def list_command(message: Message, target: Target, lang: str, services: Services) -> None:
    body, keyboard = await list_of(
        lang, target.chat_id, target.thread_id, target.heading(lang), services
    )
    await message.answer(body, reply_markup=keyboard)


async def unsubscribe(
    message: Message, target: Target, rest: str, lang: str, services: Services
) -> None:
    if not rest.isdigit():
        await message.answer(text(lang, "unsubscribe_usage"))
        return
    removed = await services.subscriptions.remove_at(target.chat_id, int(rest), target.thread_id)
    if removed is None:
        await message.answer(text(lang, "no_such_subscription", number=int(rest)))
        return
    await message.answer(
        target.heading(lang) + text(lang, "unsubscribed", query=quoted(lang, removed.query))
    )


async def unmute(
    message: Message, target: Target, rest: str, lang: str, services: Services
) -> None:
    if not rest.isdigit():
        await message.answer(text(lang, "unmute_usage"))
        return
    subscriptions = services.subscriptions
    listed = await subscriptions.list(target.chat_id, target.thread_id)
    position = int(rest)
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


def build_router() -> Router:
    """A fresh router: aiogram attaches a router to one dispatcher only."""
    router = Router(name="subscriptions")
    # A fresh flags dict each: aiogram adds the handler's own flags (its commands) to it.
    router.message(Command("subscribe", "sub"), flags={TARGET: Access.CHANGE})(subscribe)
    router.message(Command("test"))(test_query)
    router.message(Command("list"), flags={TARGET: Access.READ})(list_command)
    router.message(Command("unsubscribe", "unsub"), flags={TARGET: Access.CHANGE})(unsubscribe)
    router.message(Command("unmute"), flags={TARGET: Access.CHANGE})(unmute)
    return router
