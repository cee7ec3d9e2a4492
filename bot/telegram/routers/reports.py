"""The archive as a chart and a file: ``/trend`` (matching articles per day, sent as a photo)
and ``/export`` (the matching articles, sent as a CSV document).

Rules:

* Anyone may run them, in a private chat, a group or a channel's discussion: they read the
  archive and change nothing (no target, like ``/test``). Labels are in the chat's language.
* Queries are understood as ``/subscribe`` understands them (the bot's aliases and query
  limits); a query that cannot be understood gets the same answer as there.
* They take their turn with ``/search`` (the search service's gate): one at a time per
  person, and a limit in the whole bot; a refusal, or a database too busy to read, is
  answered as such.
* Each command has a time budget (``TREND_SECONDS``, ``EXPORT_SECONDS``) over its reading and
  drawing, from when it got its turn: past it the answer says it took too long, never a
  silent wait. Charts and files are drawn in a worker thread
  (``bot.services.trends.off_loop``).
* The photo and the document go out like every reply, through the bot's session and so its
  paced outbound path (``bot.telegram.outbound``: sendPhoto and sendDocument are messages).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from bot.archive.charts import MAX_SERIES, render_trend
from bot.archive.period import Period, split_period
from bot.archive.query_list import split_queries
from bot.matching import CompiledQuery, QueryError
from bot.services.throttle import Throttle, Throttled
from bot.services.trends import RENDER_SECONDS, export_file, export_hits, off_loop, trend
from bot.storage.db import STORAGE_FAILURES
from bot.telegram.routers.queries import person_of
from bot.telegram.services import Services
from bot.telegram.texts import plural, text
from bot.telegram.views.queries import query_error_text, quoted
from bot.telegram.views.reports import export_caption, export_filename, trend_caption

TREND_SECONDS = 20.0  # the whole /trend: counting every query, then drawing
EXPORT_SECONDS = 20.0  # the whole /export: reading the matches, then writing the file
EXPORT_LIMIT = 5_000  # rows in one file; the caption says when there were more
EXPORT_COUNT_SECONDS = 5.0  # counting the matches past the file's, at most
TREND_PERIOD = Period.MONTH  # without a period word


@contextlib.asynccontextmanager
async def _turn(message: Message, services: Services) -> AsyncIterator[None]:
    """The sender's turn at the archive, shared with /search; raises Throttled, also when the
    database is too busy to read."""
    person = person_of(message)
    async with services.search.gate.enter(message.chat.id if person is None else person):
        try:
            yield
        except STORAGE_FAILURES:
            raise Throttled(Throttle.BUSY, 0) from None


def refusal(lang: str, exc: Throttled) -> str:
    return text(lang, "reports_wait" if exc.reason is Throttle.COOLDOWN else "reports_busy")


def _compiled(services: Services, query: str) -> CompiledQuery | QueryError:
    try:
        return services.subscriptions.understand(query)
    except QueryError as exc:
        return exc


async def trend_command(
    message: Message, command: CommandObject, lang: str, services: Services
) -> None:
    period, rest = split_period(command.args, TREND_PERIOD)
    queries = split_queries(rest)
    if not rest or not all(queries):
        await message.answer(text(lang, "trend_usage"))
        return
    if len(queries) > MAX_SERIES:
        await message.answer(plural(lang, "trend_too_many", MAX_SERIES))
        return
    compiled: list[tuple[str, CompiledQuery]] = []
    for query in queries:
        understood = _compiled(services, query)
        if isinstance(understood, QueryError):
            await message.answer(query_error_text(lang, query, understood))
            return
        compiled.append((query, understood))
    span, now, zone = (period or TREND_PERIOD).span, services.chats.clock(), services.zone
    try:
        async with _turn(message, services), asyncio.timeout(TREND_SECONDS):
            found = await trend(services.archive, compiled, span=span, now=now, zone=zone)
            chart = await off_loop(
                RENDER_SECONDS, render_trend, lang, found.first_day, found.series
            )
    except Throttled as exc:
        await message.answer(refusal(lang, exc))
        return
    except TimeoutError:
        await message.answer(text(lang, "archive_too_slow"))
        return
    days = len(found.series[0].counts)
    await message.answer_photo(
        BufferedInputFile(chart.png, filename="rasd-trend.png"),
        caption=trend_caption(lang, chart.caption, found.first_day, days),
    )


async def export_command(
    message: Message, command: CommandObject, lang: str, services: Services
) -> None:
    period, query = split_period(command.args, None)
    if not query:
        await message.answer(text(lang, "export_usage"))
        return
    understood = _compiled(services, query)
    if isinstance(understood, QueryError):
        await message.answer(query_error_text(lang, query, understood))
        return
    now = services.chats.clock()
    since = None if period is None else now - period.span
    try:
        async with _turn(message, services), asyncio.timeout(EXPORT_SECONDS):
            export = await export_hits(
                services.archive,
                understood,
                since,
                limit=EXPORT_LIMIT,
                count_seconds=EXPORT_COUNT_SECONDS,
            )
            data = None
            if export.total:
                data = await off_loop(RENDER_SECONDS, export_file, lang, export.hits, services.zone)
    except Throttled as exc:
        await message.answer(refusal(lang, exc))
        return
    except TimeoutError:
        await message.answer(text(lang, "archive_too_slow"))
        return
    if data is None:
        await message.answer(text(lang, "export_none", query=quoted(lang, query, 100)))
        return
    await message.answer_document(
        BufferedInputFile(data, filename=export_filename(now, services.zone)),
        caption=export_caption(lang, export),
    )


def build_router() -> Router:
    """A fresh router: aiogram attaches a router to one dispatcher only."""
    router = Router(name="reports")
    router.message(Command("trend"))(trend_command)
    router.message(Command("export"))(export_command)
    return router
