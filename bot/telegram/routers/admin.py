"""Admin commands: sources and the allowlist. Anyone else gets a polite refusal."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import BufferedInputFile, Document, Message

from bot.matching import AliasError
from bot.services.aliases import AliasService
from bot.services.chats import ChatService
from bot.services.sources import IntervalTooShort, NotAListing, SourceExists, SourceService
from bot.sources.errors import SourceError
from bot.sources.opml import MAX_OPML_BYTES, OpmlError
from bot.sources.read import SOURCE_KINDS
from bot.storage.models import Source
from bot.storage.sources import SourceStats
from bot.telegram.routers.user import query_error_text
from bot.telegram.texts import ADMIN_COMMANDS, duration, text

MESSAGE_LIMIT = 4000

log = logging.getLogger(__name__)


class NotAdmin(Filter):
    async def __call__(self, message: Message, is_admin: bool) -> bool:
        return not is_admin


async def refuse(message: Message, lang: str) -> None:
    await message.answer(text(lang, "admin_only"))


def _escape(value: str) -> str:
    return html.escape(value, quote=False)


def _when(moment: datetime | None, zone: ZoneInfo, lang: str) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else text(lang, "never")


def _health(source: Source) -> str:
    """✅ polled fine · ⚠️ failing lately · ⛔ unhealthy (admins told) · ⏸ paused · ⏳ not yet"""
    if source.paused:
        return "⏸"
    if source.unhealthy_since is not None:
        return "⛔"
    if source.error_count:
        return "⚠️"
    return "✅" if source.last_success_at else "⏳"


def source_line(stats: SourceStats, lang: str, zone: ZoneInfo) -> str:
    source = stats.source
    error = ""
    if source.unhealthy_since is not None:
        error += text(lang, "source_unhealthy", since=_when(source.unhealthy_since, zone, lang))
    if source.last_error:
        error += text(
            lang, "source_error", error=_escape(source.last_error), errors=source.error_count
        )
    if source.selector:
        error += text(lang, "source_selector", selector=_escape(source.selector))
    return text(
        lang,
        "source_line",
        health=_health(source),
        id=source.id,
        name=_escape(source.name),
        kind=_kind(lang, source.kind),
        fulltext=text(lang, "source_fulltext_mark") if source.full_text else "",
        interval=duration(lang, source.interval_seconds),
        last_ok=_when(source.last_success_at, zone, lang),
        next="-" if source.paused else _when(source.next_poll_at, zone, lang),
        count=stats.article_count,
        error=error,
    )


def _kind(lang: str, kind: str) -> str:
    return text(lang, f"kind_{kind}") if kind in SOURCE_KINDS else _escape(kind)


def chunks(header: str, lines: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split lines into messages under Telegram's size limit."""
    messages = [header]
    for line in lines:
        if len(messages[-1]) + len(line) + 2 > limit:
            messages.append(line)
        else:
            messages[-1] += "\n\n" + line
    return messages


async def _answer_listing(message: Message, lang: str, kind: str, lines: list[str]) -> None:
    """Answer with ``lines`` under the ``<kind>_header`` text, or ``<kind>_empty``."""
    if not lines:
        await message.answer(text(lang, f"{kind}_empty"))
        return
    for chunk in chunks(text(lang, f"{kind}_header"), lines):
        await message.answer(chunk)


async def _remove_by_id(
    message: Message,
    command: CommandObject,
    lang: str,
    remove: Callable[[int], Awaitable[bool]],
    done: str,
    missing: str,
) -> None:
    item_id = _id_argument(command)
    if item_id is None:
        await message.answer(text(lang, "id_usage", command=command.command))
    elif await remove(item_id):
        await message.answer(text(lang, done, id=item_id))
    else:
        await message.answer(text(lang, missing, id=item_id))


async def _say(message: Message, reply: str) -> Message:
    return await message.answer(reply)


async def _settled(progress: asyncio.Task[Message]) -> None:
    """Wait for a progress message; one that could not be sent is logged, not raised."""
    try:
        await progress
    except Exception as exc:
        log.warning("a progress message could not be sent: %s", exc)


def _id_argument(command: CommandObject) -> int | None:
    argument = (command.args or "").strip()
    return int(argument) if argument.isdigit() else None


async def add_source(
    message: Message, command: CommandObject, lang: str, sources: SourceService
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
    progress = asyncio.create_task(
        _say(message, text(lang, "addsource_checking", url=_escape(url)))
    )
    try:
        added = await sources.add(url, name)
    except SourceExists as exc:
        await _settled(progress)
        await message.answer(text(lang, "source_exists", id=exc.source_id, name=_escape(exc.name)))
        return
    except SourceError as exc:
        await _settled(progress)
        await message.answer(
            text(lang, "addsource_failed", url=_escape(url), reason=_escape(str(exc)))
        )
        return
    except BaseException:
        progress.cancel()
        raise
    await _settled(progress)  # the result comes after it, not before
    source = added.source
    discovered = (
        text(lang, "addsource_discovered", feed=_escape(source.feed_url))
        if added.discovered
        else ""
    )
    await message.answer(
        text(
            lang,
            "addsource_ok",
            id=source.id,
            name=_escape(source.name),
            kind=_kind(lang, source.kind),
            count=added.item_count,
            discovered=discovered,
            interval=duration(lang, source.interval_seconds),
            fulltext=text(lang, "addsource_fulltext") if source.full_text else "",
        )
    )


async def list_sources(message: Message, lang: str, sources: SourceService, zone: ZoneInfo) -> None:
    lines = [source_line(s, lang, zone) for s in await sources.list()]
    await _answer_listing(message, lang, "sources", lines)


async def remove_source(
    message: Message, command: CommandObject, lang: str, sources: SourceService
) -> None:
    await _remove_by_id(message, command, lang, sources.remove, "source_removed", "no_such_source")


async def pause_source(
    message: Message, command: CommandObject, lang: str, sources: SourceService
) -> None:
    source_id = _id_argument(command)
    if source_id is None:
        await message.answer(text(lang, "id_usage", command=command.command))
        return
    paused = command.command == "pausesource"
    source = await sources.set_paused(source_id, paused)
    if source is None:
        await message.answer(text(lang, "no_such_source", id=source_id))
        return
    key = "source_paused" if paused else "source_resumed"
    await message.answer(text(lang, key, id=source.id, name=_escape(source.name)))


async def set_interval(
    message: Message, command: CommandObject, lang: str, sources: SourceService
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
        source = await sources.set_interval(source_id, minutes * 60)
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
            name=_escape(source.name),
            interval=duration(lang, source.interval_seconds),
        )
    )


async def allow(message: Message, command: CommandObject, lang: str, chats: ChatService) -> None:
    argument = (command.args or "").strip()
    if not argument.lstrip("-").isdigit():
        await message.answer(text(lang, "user_usage", command=command.command))
        return
    allowed = command.command == "allow"
    await chats.set_allowed(int(argument), allowed)
    await message.answer(text(lang, "allowed" if allowed else "denied", user_id=int(argument)))


async def add_alias(
    message: Message, command: CommandObject, lang: str, aliases: AliasService
) -> None:
    argument = command.args or ""
    if not argument.strip():
        await message.answer(text(lang, "alias_usage"))
        return
    user = message.from_user
    try:
        alias = await aliases.add(argument, user.id if user else 0)
    except AliasError as exc:
        await message.answer(query_error_text(lang, argument, exc))
        return
    entries = " = ".join(f"<b>{_escape(e)}</b>" for e in alias.entries)
    await message.answer(text(lang, "alias_added", id=alias.id, entries=entries))


async def list_aliases(message: Message, lang: str, aliases: AliasService) -> None:
    lines = [f"#{a.id}: " + " = ".join(_escape(e) for e in a.entries) for a in await aliases.list()]
    await _answer_listing(message, lang, "aliases", lines)


async def remove_alias(
    message: Message, command: CommandObject, lang: str, aliases: AliasService
) -> None:
    await _remove_by_id(message, command, lang, aliases.remove, "alias_removed", "no_such_alias")


async def set_full_text(
    message: Message, command: CommandObject, lang: str, sources: SourceService
) -> None:
    parts = (command.args or "").split()
    if len(parts) != 2 or not parts[0].isdigit() or parts[1].lower() not in ("on", "off"):
        await message.answer(text(lang, "fulltext_usage"))
        return
    on = parts[1].lower() == "on"
    source = await sources.set_full_text(int(parts[0]), on)
    if source is None:
        await message.answer(text(lang, "no_such_source", id=int(parts[0])))
        return
    key = "fulltext_on" if on else "fulltext_off"
    await message.answer(text(lang, key, id=source.id, name=_escape(source.name)))


async def set_selector(
    message: Message, command: CommandObject, lang: str, sources: SourceService
) -> None:
    parts = (command.args or "").split(maxsplit=1)
    if len(parts) != 2 or not parts[0].isdigit():
        await message.answer(text(lang, "selector_usage"))
        return
    source_id, css = int(parts[0]), parts[1].strip()
    selector = None if css == "-" else css
    try:
        result = await sources.set_selector(source_id, selector)
    except NotAListing as exc:
        kind = _kind(lang, exc.kind)
        await message.answer(text(lang, "selector_not_html", id=exc.source_id, kind=kind))
        return
    except SourceError as exc:
        await message.answer(text(lang, "selector_failed", reason=_escape(str(exc))))
        return
    if result is None:
        await message.answer(text(lang, "no_such_source", id=source_id))
        return
    key = "selector_set" if selector else "selector_cleared"
    source = result.source
    await message.answer(
        text(lang, key, id=source.id, name=_escape(source.name), count=result.link_count)
    )


def _attached(message: Message) -> Document | None:
    """The file sent with the command, or the file the command answers."""
    if message.document is not None:
        return message.document
    replied = message.reply_to_message
    return replied.document if replied is not None else None


MAX_FAILURES_SHOWN = 10


async def import_opml(message: Message, lang: str, sources: SourceService) -> None:
    document = _attached(message)
    if document is None or message.bot is None:
        await message.answer(text(lang, "importopml_usage"))
        return
    if document.file_size is not None and document.file_size > MAX_OPML_BYTES:
        reason = f"file larger than {MAX_OPML_BYTES // 1_000_000} MB"
        await message.answer(text(lang, "importopml_bad", reason=reason))
        return
    downloaded = await message.bot.download(document)
    data = downloaded.read() if downloaded is not None else b""
    try:
        outlines = await sources.read_opml(data)  # parsed in the parse pool
    except OpmlError as exc:
        await message.answer(text(lang, "importopml_bad", reason=_escape(str(exc))))
        return
    await message.answer(text(lang, "importopml_started", count=len(outlines)))
    report = await sources.import_outlines(outlines)
    reply = text(
        lang,
        "importopml_done",
        added=report.added,
        existing=report.existing,
        failed=len(report.failed),
    )
    for url, reason in report.failed[:MAX_FAILURES_SHOWN]:
        reply += text(lang, "importopml_failure", url=_escape(url), reason=_escape(reason))
    if len(report.failed) > MAX_FAILURES_SHOWN:
        reply += "\n…"
    await message.answer(reply[:MESSAGE_LIMIT])


async def export_opml(message: Message, lang: str, sources: SourceService) -> None:
    data, count = await sources.export_opml()
    if not count:
        await message.answer(text(lang, "sources_empty"))
        return
    await message.answer_document(
        BufferedInputFile(data, filename="rasd-sources.opml"),
        caption=text(lang, "exportopml_caption", count=count),
    )


def build_router() -> Router:
    """A fresh router: aiogram attaches a router to one dispatcher only."""
    router = Router(name="admin")
    router.message(Command(*ADMIN_COMMANDS), NotAdmin())(refuse)
    router.message(Command("addsource"))(add_source)
    router.message(Command("sources"))(list_sources)
    router.message(Command("removesource"))(remove_source)
    router.message(Command("pausesource", "resumesource"))(pause_source)
    router.message(Command("interval"))(set_interval)
    router.message(Command("fulltext"))(set_full_text)
    router.message(Command("selector"))(set_selector)
    router.message(Command("importopml"))(import_opml)
    router.message(Command("exportopml"))(export_opml)
    router.message(Command("allow", "deny"))(allow)
    router.message(Command("alias"))(add_alias)
    router.message(Command("aliases"))(list_aliases)
    router.message(Command("unalias"))(remove_alias)
    return router
