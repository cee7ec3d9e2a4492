"""Admin commands on sources: add (checked first), list, remove, pause and resume, poll
interval, full text, the CSS selector of a listing page.

Behind the admin gate (``routers.admin``): only bot administrators reach these handlers.
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.services.sources import IntervalTooShort, NotAListing, SourceExists
from bot.sources.errors import SourceError
from bot.telegram.routers.replies import answer_listing, id_argument, remove_by_id
from bot.telegram.services import Services
from bot.telegram.texts import duration, text
from bot.telegram.views.sources import escape, kind_name, source_line

log = logging.getLogger(__name__)


async def _say(message: Message, reply: str) -> Message:
    return await message.answer(reply)


async def _settled(progress: asyncio.Task[Message]) -> None:
    """Wait for a progress message; one that could not be sent is logged, not raised."""
    try:
        await progress
    except Exception as exc:
        log.warning("a progress message could not be sent: %s", exc)


async def add_source(
    message: Message, command: CommandObject, lang: str, services: Services
) -> None:
    parts = (command.args or "").split(maxsplit=1)
    if parts and parts[0].lower().startswith("t.me/"):
        parts[0] = "https://" + parts[0]  # a Telegram channel as people write it
    if not parts or not parts[0].startswith(("http://", "https://")):
        await message.answer(text(lang, "addsource_usage"))
        return
    url = parts[0]
    name = parts[1].strip() if len(parts) > 1 else None
    # The progress message goes out while the source is checked and added: the add never
    # waits for it, and never depends on it (a message that cannot be sent is only logged).
    progress = asyncio.create_task(_say(message, text(lang, "addsource_checking", url=escape(url))))
    try:
        added = await services.sources.add(url, name)
    except SourceExists as exc:
        await _settled(progress)
        await message.answer(text(lang, "source_exists", id=exc.source_id, name=escape(exc.name)))
        return
    except SourceError as exc:
        await _settled(progress)
        await message.answer(
            text(lang, "addsource_failed", url=escape(url), reason=escape(str(exc)))
        )
        return
    except BaseException:
        progress.cancel()
        raise
    await _settled(progress)  # the result comes after it, not before
    source = added.source
    discovered = (
        text(lang, "addsource_discovered", feed=escape(source.feed_url)) if added.discovered else ""
    )
    await message.answer(
        text(
            lang,
            "addsource_ok",
            id=source.id,
            name=escape(source.name),
            kind=kind_name(lang, source.kind),
            count=added.item_count,
            discovered=discovered,
            interval=duration(lang, source.interval_seconds),
            fulltext=text(lang, "addsource_fulltext") if source.full_text else "",
        )
    )


async def list_sources(message: Message, lang: str, services: Services) -> None:
    lines = [source_line(s, lang, services.zone) for s in await services.sources.list()]
    await answer_listing(message, lang, "sources", lines)


async def remove_source(
    message: Message, command: CommandObject, lang: str, services: Services
) -> None:
    await remove_by_id(
        message, command, lang, services.sources.remove, "source_removed", "no_such_source"
    )


async def pause_source(
    message: Message, command: CommandObject, lang: str, services: Services
) -> None:
    source_id = id_argument(command)
    if source_id is None:
        await message.answer(text(lang, "id_usage", command=command.command))
        return
    paused = command.command == "pausesource"
    source = await services.sources.set_paused(source_id, paused)
    if source is None:
        await message.answer(text(lang, "no_such_source", id=source_id))
        return
    key = "source_paused" if paused else "source_resumed"
    await message.answer(text(lang, key, id=source.id, name=escape(source.name)))


async def set_interval(
    message: Message, command: CommandObject, lang: str, services: Services
) -> None:
    parts = (command.args or "").split()
    try:
        source_id, minutes = int(parts[0]), float(parts[1].replace(",", "."))
    except (IndexError, ValueError):
        await message.answer(text(lang, "interval_usage"))
        return
    if len(parts) != 2 or not minutes > 0:
        await message.answer(text(lang, "interval_usage"))
        return
    try:
        source = await services.sources.set_interval(source_id, minutes * 60)
    except IntervalTooShort as exc:
        await message.answer(text(lang, "interval_too_short", minimum=duration(lang, exc.minimum)))
        return
    if source is None:
        await message.answer(text(lang, "no_such_source", id=source_id))
        return
    await message.answer(
        text(
            lang,
            "interval_set",
            id=source.id,
            name=escape(source.name),
            interval=duration(lang, source.interval_seconds),
        )
    )


async def set_full_text(
    message: Message, command: CommandObject, lang: str, services: Services
) -> None:
    parts = (command.args or "").split()
    if len(parts) != 2 or not parts[0].isdigit() or parts[1].lower() not in ("on", "off"):
        await message.answer(text(lang, "fulltext_usage"))
        return
    on = parts[1].lower() == "on"
    source = await services.sources.set_full_text(int(parts[0]), on)
    if source is None:
        await message.answer(text(lang, "no_such_source", id=int(parts[0])))
        return
    key = "fulltext_on" if on else "fulltext_off"
    await message.answer(text(lang, key, id=source.id, name=escape(source.name)))


async def set_selector(
    message: Message, command: CommandObject, lang: str, services: Services
) -> None:
    parts = (command.args or "").split(maxsplit=1)
    if len(parts) != 2 or not parts[0].isdigit():
        await message.answer(text(lang, "selector_usage"))
        return
    source_id, css = int(parts[0]), parts[1].strip()
    selector = None if css == "-" else css
    try:
        result = await services.sources.set_selector(source_id, selector)
    except NotAListing as exc:
        kind = kind_name(lang, exc.kind)
        await message.answer(text(lang, "selector_not_html", id=exc.source_id, kind=kind))
        return
    except SourceError as exc:
        await message.answer(text(lang, "selector_failed", reason=escape(str(exc))))
        return
    if result is None:
        await message.answer(text(lang, "no_such_source", id=source_id))
        return
    key = "selector_set" if selector else "selector_cleared"
    source = result.source
    await message.answer(
        text(lang, key, id=source.id, name=escape(source.name), count=result.link_count)
    )


def build_router() -> Router:
    """A fresh router: aiogram attaches a router to one dispatcher only."""
    router = Router(name="sources")
    router.message(Command("addsource"))(add_source)
    router.message(Command("sources"))(list_sources)
    router.message(Command("removesource"))(remove_source)
    router.message(Command("pausesource", "resumesource"))(pause_source)
    router.message(Command("interval"))(set_interval)
    router.message(Command("fulltext"))(set_full_text)
    router.message(Command("selector"))(set_selector)
    return router
