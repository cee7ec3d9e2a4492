"""``/stats`` for admins: the delivery queue, what went out, and what Telegram refused.

The admin router (included first) already refuses ``/stats`` to anyone else.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.i18n import text
from bot.services.chats import ChatService
from bot.services.stats import DeliveryStats, Problem, StatsService

ERROR_SHOWN = 200


def _problems(lang: str, title_key: str, items: Sequence[Problem]) -> list[str]:
    if not items:
        return []
    lines = ["", text(lang, title_key)]
    for item in items:
        error = html.escape(item.error[:ERROR_SHOWN], quote=False)
        lines.append(text(lang, "stats_parked_line", id=item.id, chat=item.chat_id, error=error))
    return lines


def render_stats(lang: str, stats: DeliveryStats) -> str:
    lines = [
        text(lang, "stats_title"),
        text(lang, "stats_queue", pending=stats.pending, held=stats.held),
        text(
            lang,
            "stats_sent",
            hour=stats.sent_hour,
            day=stats.sent_day,
            total=stats.sent_total,
        ),
        text(
            lang,
            "stats_problems",
            parked=stats.parked,
            failed=stats.failed,
            dropped=stats.dropped,
        ),
        text(lang, "stats_chats", chats=stats.chats, blocked=stats.blocked_chats),
    ]
    lines += _problems(lang, "stats_parked_title", stats.parked_items)
    lines += _problems(lang, "stats_failed_title", stats.failed_items)
    return "\n".join(lines)


async def show_stats(message: Message, lang: str, is_admin: bool, chats: ChatService) -> None:
    if not is_admin:  # the admin router answers first; this is a second lock
        return
    stats = await StatsService(chats.sessions, chats.clock).delivery()
    await message.answer(render_stats(lang, stats))


def build_router() -> Router:
    """A fresh router: aiogram attaches a router to one dispatcher only."""
    router = Router(name="stats")
    router.message(Command("stats"))(show_stats)
    return router
