"""``/stats`` for admins: the numbers collected, answered as ``views.stats`` writes them.

The admin router (included first) already refuses ``/stats`` to anyone else.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.telegram.services import Services
from bot.telegram.views.stats import render_stats


async def show_stats(message: Message, lang: str, is_admin: bool, services: Services) -> None:
    if not is_admin:  # the admin router answers first; this is a second lock
        return
    stats = await services.stats.collect(services.chats.clock())
    for part in render_stats(lang, stats):
        await message.answer(part)


def build_router() -> Router:
    """A fresh router: aiogram attaches a router to one dispatcher only."""
    router = Router(name="stats")
    router.message(Command("stats"))(show_stats)
    return router
