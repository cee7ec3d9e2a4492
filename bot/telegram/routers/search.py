"""/search [24h|7d|30d] QUERY, and its ◀ ▶ page buttons.

Anyone the bot serves may search, in a private chat or a group (it changes nothing); the
results are the chat's own message, and a page button is honoured only in the chat its
search was made in. A page button of a search retention pruned says the search is gone.
"""

from __future__ import annotations

import contextlib

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.archive.period import split_period
from bot.matching import QueryError
from bot.services.throttle import Throttle, Throttled
from bot.telegram.keyboards import SearchPaging
from bot.telegram.routers.queries import NO_PREVIEW, person_of
from bot.telegram.services import Services
from bot.telegram.targets import ALERT_LIMIT
from bot.telegram.texts import text
from bot.telegram.views.queries import query_error_text
from bot.telegram.views.search import search_view


def refusal(lang: str, exc: Throttled) -> str:
    return text(lang, "search_wait" if exc.reason is Throttle.COOLDOWN else "search_busy")


async def search_command(
    message: Message, command: CommandObject, lang: str, services: Services
) -> None:
    period, query = split_period(command.args, None)
    if not query:
        await message.answer(text(lang, "search_usage"))
        return
    person = person_of(message)
    try:
        page = await services.search.search(
            message.chat.id,
            query,
            period,
            person=message.chat.id if person is None else person,
        )
    except QueryError as exc:
        await message.answer(query_error_text(lang, query, exc))
        return
    except Throttled as exc:
        await message.answer(refusal(lang, exc))
        return
    body, keyboard = search_view(lang, page, services.zone)
    await message.answer(body, reply_markup=keyboard, link_preview_options=NO_PREVIEW)


async def page_button(
    callback: CallbackQuery, callback_data: SearchPaging, lang: str, services: Services
) -> None:
    message = callback.message
    if not isinstance(message, Message):  # too old for Telegram to show
        await callback.answer()
        return
    try:
        page = await services.search.page(
            callback_data.search_id,
            callback_data.page,
            chat_id=message.chat.id,
            person=callback.from_user.id,
        )
    except Throttled as exc:
        await callback.answer(refusal(lang, exc)[:ALERT_LIMIT])
        return
    if page is None:
        await callback.answer(text(lang, "search_gone")[:ALERT_LIMIT], show_alert=True)
        return
    await callback.answer()
    body, keyboard = search_view(lang, page, services.zone)
    with contextlib.suppress(TelegramBadRequest):  # unchanged (pressed twice), or deleted
        await message.edit_text(body, reply_markup=keyboard, link_preview_options=NO_PREVIEW)


def build_router() -> Router:
    """A fresh router: aiogram attaches a router to one dispatcher only."""
    router = Router(name="search")
    router.message(Command("search"))(search_command)
    router.callback_query(SearchPaging.filter())(page_button)
    return router
