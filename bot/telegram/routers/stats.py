"""``/stats`` for admins: the numbers collected, answered as ``views.stats`` writes them,
then a chart of the last days (drawn in a worker thread within ``RENDER_SECONDS``).

The admin router (included first) already refuses ``/stats`` to anyone else.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message

from bot.archive.activity_chart import render_activity
from bot.services.stats import CHART_DAYS
from bot.services.trends import RENDER_SECONDS, off_loop
from bot.telegram.services import Services
from bot.telegram.texts import text
from bot.telegram.views.stats import chart_data, render_stats


async def show_stats(message: Message, lang: str, is_admin: bool, services: Services) -> None:
    if not is_admin:  # the admin router answers first; this is a second lock
        return
    now = services.chats.clock()
    stats = await services.stats.collect(now)
    for part in render_stats(lang, stats):
        await message.answer(part)
    daily = await services.stats.daily(now, services.zone)
    try:
        png = await off_loop(
            RENDER_SECONDS, render_activity, lang, chart_data(lang, daily, stats.sources)
        )
    except TimeoutError:
        await message.answer(text(lang, "archive_too_slow"))
        return
    await message.answer_photo(
        BufferedInputFile(png, filename="rasd-stats.png"),
        caption=text(lang, "stats_chart_caption", window=CHART_DAYS),
    )


def build_router() -> Router:
    """A fresh router: aiogram attaches a router to one dispatcher only."""
    router = Router(name="stats")
    router.message(Command("stats"))(show_stats)
    return router
