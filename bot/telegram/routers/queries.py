"""Trying queries and what a crowd meets: /test, the count of recent matches after
/subscribe (cut by its budget, or skipped for the cooldown or a full bot, and saying so), and
the answer to a command the database could not take."""

from __future__ import annotations

import contextlib
import html
import logging

from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandObject
from aiogram.types import ErrorEvent, LinkPreviewOptions, Message

from bot.matching import CompiledQuery, QueryError
from bot.services.subscriptions import SubscriptionService
from bot.services.throttle import Throttle, Throttled
from bot.telegram.manage import is_anonymous_admin
from bot.telegram.services import Services
from bot.telegram.texts import pick_language, text
from bot.telegram.views.queries import example_text, query_error_text, recent_text

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def person_of(message: Message) -> int | None:
    """Who sent a command: None for a group admin posting as the group."""
    if message.from_user is None or is_anonymous_admin(message):
        return None
    return message.from_user.id


async def recent_after_subscribe(
    lang: str, subscriptions: SubscriptionService, query: CompiledQuery, person: int
) -> str:
    """The count of recent matches under a new subscription, or why it was skipped (the
    subscription is saved either way)."""
    try:
        preview = await subscriptions.preview(query, person=person, examples=0, quick=True)
    except Throttled as exc:
        if exc.reason is Throttle.COOLDOWN:
            cooldown = subscriptions.previewer.gate.cooldown.total_seconds()
            return text(lang, "recent_cooldown", cooldown=f"{cooldown:g}")
        return text(lang, "recent_busy")
    return recent_text(lang, preview)


async def test_query(
    message: Message, command: CommandObject, lang: str, services: Services
) -> None:
    subscriptions = services.subscriptions
    query = (command.args or "").strip()
    if not query:
        await message.answer(text(lang, "test_usage"))
        return
    try:
        compiled = subscriptions.understand(query)
    except QueryError as exc:
        await message.answer(query_error_text(lang, query, exc))
        return
    person = person_of(message)
    try:
        preview = await subscriptions.preview(
            compiled,
            person=message.chat.id if person is None else person,
            examples=3,
            quick=False,
        )
    except Throttled as exc:
        if exc.reason is Throttle.COOLDOWN:
            await message.answer(
                text(lang, "test_cooldown", seconds=max(1, round(exc.retry_after)))
            )
        else:
            await message.answer(text(lang, "test_busy"))
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


async def storage_failed(event: ErrorEvent, services: Services) -> None:
    """The database could not take a command (overloaded, locked, unreachable): its
    transaction was rolled back, and the sender is told nothing was saved."""
    log.warning("a command failed on the database: %r", event.exception)
    update = event.update
    message = update.message or (update.callback_query.message if update.callback_query else None)
    sender = update.message.from_user if update.message else None
    if update.callback_query is not None:
        sender = update.callback_query.from_user
    language = pick_language(
        sender.language_code if sender else None, services.chats.default_language
    )
    with contextlib.suppress(TelegramAPIError):
        if update.callback_query is not None:
            await update.callback_query.answer(text(language, "not_saved")[:190], show_alert=True)
        elif isinstance(message, Message):
            await message.answer(text(language, "not_saved"))
