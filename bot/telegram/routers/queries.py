"""Trying queries and what a crowd meets: /test, the count of recent matches after
/subscribe (cut by its budget, or skipped for the cooldown or a full bot, and saying so), a
query's errors, and the answer to a command the database could not take."""

from __future__ import annotations

import contextlib
import html
import logging

from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandObject
from aiogram.types import ErrorEvent, LinkPreviewOptions, Message

from bot.alerts.format import TITLE_LIMIT, bold_spans, excerpt, shorten
from bot.i18n.bidi import embed
from bot.i18n.counts import plural
from bot.matching import CompiledQuery, QueryError
from bot.services.chats import ChatService
from bot.services.preview import Example, Preview
from bot.services.subscriptions import SubscriptionService
from bot.services.throttle import Throttle, Throttled
from bot.sources.urls import is_web_url
from bot.telegram.manage import is_anonymous_admin
from bot.telegram.query_errors import describe_error
from bot.telegram.texts import pick_language, text

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def quoted(lang: str, value: str, limit: int | None = None) -> str:
    """A user-supplied value for a text: escaped, shortened, isolated in Arabic."""
    shown = shorten(value, limit) if limit else value
    return embed(lang, html.escape(shown, quote=False))


def recent_text(lang: str, preview: Preview) -> str:
    """How many recent articles match: all of them counted, or at least this many."""
    days = f"{preview.days:g}"
    if preview.complete:
        return plural(lang, "recent_count", preview.matched, days=days)
    return plural(
        lang,
        "recent_partial",
        preview.matched,
        scanned=preview.scanned,
        stored=preview.stored,
        days=days,
    )


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


def example_text(lang: str, example: Example) -> str:
    """One stored article that matched; its title is a link only when the link is http(s)
    (stored articles are; older rows may not be)."""
    article = example.article
    title_ranges = [(s.start, s.end) for s in example.spans if s.field == "title"]
    return text(
        lang,
        "test_example" if is_web_url(article.url) else "test_example_unlinked",
        url=html.escape(article.url, quote=True),
        title=embed(lang, bold_spans(article.title[:TITLE_LIMIT], title_ranges)),
        source=quoted(lang, example.source_name),
        excerpt=excerpt(article.body or article.summary, example.spans, limit=200),
    )


def query_error_text(lang: str, query: str, error: QueryError) -> str:
    reason = html.escape(describe_error(error, lang), quote=False)
    if error.position is None:
        return text(lang, "bad_query", reason=reason)
    marked = query[: error.position] + "⟦" + query[error.position :]
    return text(lang, "bad_query_at", reason=reason, marked=html.escape(marked, quote=False))


async def test_query(
    message: Message, command: CommandObject, lang: str, subscriptions: SubscriptionService
) -> None:
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


async def storage_failed(event: ErrorEvent, chats: ChatService) -> None:
    """The database could not take a command (overloaded, locked, unreachable): its
    transaction was rolled back, and the sender is told nothing was saved."""
    log.warning("a command failed on the database: %r", event.exception)
    update = event.update
    message = update.message or (update.callback_query.message if update.callback_query else None)
    sender = update.message.from_user if update.message else None
    if update.callback_query is not None:
        sender = update.callback_query.from_user
    lang = pick_language(sender.language_code if sender else None, chats.default_language)
    with contextlib.suppress(TelegramAPIError):
        if update.callback_query is not None:
            await update.callback_query.answer(text(lang, "not_saved")[:190], show_alert=True)
        elif isinstance(message, Message):
            await message.answer(text(lang, "not_saved"))
