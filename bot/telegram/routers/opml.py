"""Admin commands on sources in bulk: import an OPML file (sent with the command or replied
to), export every source as one.

Behind the admin gate (``routers.admin``): only bot administrators reach these handlers.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Document, Message

from bot.sources.opml import MAX_OPML_BYTES, OpmlError
from bot.telegram.services import Services
from bot.telegram.texts import text
from bot.telegram.views.sources import MESSAGE_LIMIT, escape


def _attached(message: Message) -> Document | None:
    """The file sent with the command, or the file the command answers."""
    if message.document is not None:
        return message.document
    replied = message.reply_to_message
    return replied.document if replied is not None else None


MAX_FAILURES_SHOWN = 10


async def import_opml(message: Message, lang: str, services: Services) -> None:
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
        outlines = await services.sources.read_opml(data)  # parsed in the parse pool
    except OpmlError as exc:
        await message.answer(text(lang, "importopml_bad", reason=escape(str(exc))))
        return
    await message.answer(text(lang, "importopml_started", count=len(outlines)))
    report = await services.sources.import_outlines(outlines)
    reply = text(
        lang,
        "importopml_done",
        added=report.added,
        existing=report.existing,
        failed=len(report.failed),
    )
    for url, reason in report.failed[:MAX_FAILURES_SHOWN]:
        reply += text(lang, "importopml_failure", url=escape(url), reason=escape(reason))
    if len(report.failed) > MAX_FAILURES_SHOWN:
        reply += "\n…"
    await message.answer(reply[:MESSAGE_LIMIT])


async def export_opml(message: Message, lang: str, services: Services) -> None:
    data, count = await services.sources.export_opml()
    if not count:
        await message.answer(text(lang, "sources_empty"))
        return
    await message.answer_document(
        BufferedInputFile(data, filename="rasd-sources.opml"),
        caption=text(lang, "exportopml_caption", count=count),
    )


def build_router() -> Router:
    """A fresh router: aiogram attaches a router to one dispatcher only."""
    router = Router(name="opml")
    router.message(Command("importopml"))(import_opml)
    router.message(Command("exportopml"))(export_opml)
    return router
