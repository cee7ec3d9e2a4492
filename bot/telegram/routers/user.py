"""Commands every allowed user has: subscriptions, pause/resume, language, help."""

from __future__ import annotations

import html
from collections.abc import Sequence

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, LinkPreviewOptions, Message

from bot.alerts.format import TITLE_LIMIT, bold_spans, excerpt, shorten
from bot.matching import QueryError
from bot.services.chats import ChatService
from bot.services.subscriptions import (
    AlreadySubscribed,
    Example,
    Preview,
    SubscriptionLimitReached,
    SubscriptionService,
)
from bot.storage.models import Subscription
from bot.telegram.keyboards import Unsubscribe, subscription_list
from bot.telegram.query_errors import describe_error
from bot.telegram.texts import LANGUAGES, text

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# 50 subscriptions of this length still fit in one Telegram message.
LIST_QUERY_LIMIT = 70


def help_text(lang: str, is_admin: bool) -> str:
    admin = text(lang, "help_admin") if is_admin else ""
    return text(lang, "help") + text(lang, "query_help") + admin


def recent_text(lang: str, preview: Preview) -> str:
    return text(lang, "recent_count", count=preview.matched, days=f"{preview.days:g}")


def example_text(lang: str, example: Example) -> str:
    article = example.article
    title_ranges = [(s.start, s.end) for s in example.spans if s.field == "title"]
    return text(
        lang,
        "test_example",
        url=html.escape(article.url, quote=True),
        title=bold_spans(article.title[:TITLE_LIMIT], title_ranges),
        source=html.escape(example.source_name, quote=False),
        excerpt=excerpt(article.summary, example.spans, limit=200),
    )


def query_error_text(lang: str, query: str, error: QueryError) -> str:
    reason = html.escape(describe_error(error, lang), quote=False)
    if error.position is None:
        return text(lang, "bad_query", reason=reason)
    marked = query[: error.position] + "⟦" + query[error.position :]
    return text(lang, "bad_query_at", reason=reason, marked=html.escape(marked, quote=False))


def list_view(
    lang: str, subscriptions: Sequence[Subscription], paused: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not subscriptions:
        return text(lang, "list_empty"), None
    header = text(lang, "list_header", paused=text(lang, "list_paused") if paused else "")
    lines = [
        f"{number}. {html.escape(shorten(s.query, LIST_QUERY_LIMIT), quote=False)}"
        for number, s in enumerate(subscriptions, start=1)
    ]
    return header + "\n" + "\n".join(lines), subscription_list(subscriptions)


async def start(message: Message, lang: str, is_admin: bool) -> None:
    await message.answer(text(lang, "welcome", help=help_text(lang, is_admin)))


async def help_command(message: Message, lang: str, is_admin: bool) -> None:
    await message.answer(help_text(lang, is_admin))


async def subscribe(
    message: Message, command: CommandObject, lang: str, subscriptions: SubscriptionService
) -> None:
    query = (command.args or "").strip()
    if not query:
        await message.answer(text(lang, "subscribe_usage"))
        return
    try:
        result = await subscriptions.subscribe(message.chat.id, query)
    except QueryError as exc:
        await message.answer(query_error_text(lang, query, exc))
        return
    except AlreadySubscribed as exc:
        escaped = html.escape(exc.query, quote=False)
        await message.answer(text(lang, "already_subscribed", query=escaped))
        return
    except SubscriptionLimitReached as exc:
        await message.answer(text(lang, "too_many", limit=exc.limit))
        return
    number = len(await subscriptions.list(message.chat.id))
    await message.answer(
        text(
            lang,
            "subscribed",
            number=number,
            query=html.escape(result.subscription.query, quote=False),
            understood=html.escape(result.preview.query.describe(), quote=False),
            recent=recent_text(lang, result.preview),
        )
    )


async def test_query(
    message: Message, command: CommandObject, lang: str, subscriptions: SubscriptionService
) -> None:
    query = (command.args or "").strip()
    if not query:
        await message.answer(text(lang, "test_usage"))
        return
    try:
        preview = await subscriptions.preview(query)
    except QueryError as exc:
        await message.answer(query_error_text(lang, query, exc))
        return
    lines = [
        text(
            lang,
            "test_result",
            understood=html.escape(preview.query.describe(), quote=False),
            recent=recent_text(lang, preview),
        )
    ]
    lines += [example_text(lang, example) for example in preview.examples]
    await message.answer("\n\n".join(lines), link_preview_options=NO_PREVIEW)


async def list_command(
    message: Message, lang: str, subscriptions: SubscriptionService, chats: ChatService
) -> None:
    chat = await chats.get(message.chat.id)
    body, keyboard = list_view(
        lang, await subscriptions.list(message.chat.id), bool(chat and chat.paused)
    )
    await message.answer(body, reply_markup=keyboard)


async def unsubscribe(
    message: Message, command: CommandObject, lang: str, subscriptions: SubscriptionService
) -> None:
    argument = (command.args or "").strip()
    if not argument.isdigit():
        await message.answer(text(lang, "unsubscribe_usage"))
        return
    removed = await subscriptions.remove_at(message.chat.id, int(argument))
    if removed is None:
        await message.answer(text(lang, "no_such_subscription", number=int(argument)))
        return
    await message.answer(text(lang, "unsubscribed", query=html.escape(removed.query, quote=False)))


async def unsubscribe_button(
    callback: CallbackQuery,
    callback_data: Unsubscribe,
    lang: str,
    subscriptions: SubscriptionService,
    chats: ChatService,
) -> None:
    if callback.message is None:
        await callback.answer()
        return
    chat_id = callback.message.chat.id
    removed = await subscriptions.remove(chat_id, callback_data.subscription_id)
    await callback.answer(text(lang, "removed_button" if removed else "gone_button"))
    if removed and isinstance(callback.message, Message):
        chat = await chats.get(chat_id)
        body, keyboard = list_view(
            lang, await subscriptions.list(chat_id), bool(chat and chat.paused)
        )
        await callback.message.edit_text(body, reply_markup=keyboard)


async def pause(message: Message, lang: str, chats: ChatService) -> None:
    await chats.set_paused(message.chat.id, True)
    await message.answer(text(lang, "paused"))


async def resume(message: Message, lang: str, chats: ChatService) -> None:
    await chats.set_paused(message.chat.id, False)
    await message.answer(text(lang, "resumed"))


async def language(message: Message, command: CommandObject, lang: str, chats: ChatService) -> None:
    choice = (command.args or "").strip().lower()
    if choice not in LANGUAGES:
        await message.answer(text(lang, "language_usage"))
        return
    await chats.set_language(message.chat.id, choice)
    await message.answer(text(choice, "language_set"))


async def unknown_command(message: Message, lang: str) -> None:
    await message.answer(text(lang, "unknown_command"))


async def plain_text(message: Message, lang: str) -> None:
    sample = html.escape((message.text or "")[:60], quote=False)
    await message.answer(text(lang, "not_a_command", text=sample))


def build_router() -> Router:
    """A fresh router: aiogram attaches a router to one dispatcher only."""
    router = Router(name="user")
    router.message(CommandStart())(start)
    router.message(Command("help"))(help_command)
    router.message(Command("subscribe", "sub"))(subscribe)
    router.message(Command("test"))(test_query)
    router.message(Command("list"))(list_command)
    router.message(Command("unsubscribe", "unsub"))(unsubscribe)
    router.callback_query(Unsubscribe.filter())(unsubscribe_button)
    router.message(Command("pause"))(pause)
    router.message(Command("resume"))(resume)
    router.message(Command("language", "lang"))(language)
    router.message(F.text.startswith("/"))(unknown_command)
    router.message(F.text)(plain_text)
    return router
