"""How a chat's alert settings read: its mode, quiet hours and the bot's zone, with the
buttons that change them (``keyboards.settings_keyboard``)."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup

from bot.i18n.bidi import embed
from bot.storage.models import Chat
from bot.telegram.keyboards import settings_keyboard
from bot.telegram.texts import text


def settings_view(
    lang: str, chat: Chat, zone: ZoneInfo, heading: str = ""
) -> tuple[str, InlineKeyboardMarkup]:
    if chat.mode == "daily":
        mode = text(lang, "mode_daily", time=embed(lang, chat.digest_time))
    else:
        mode = text(lang, "mode_hourly" if chat.mode == "hourly" else "mode_immediate")
    if chat.quiet_start and chat.quiet_end:
        quiet = embed(lang, f"{chat.quiet_start}–{chat.quiet_end}")
    else:
        quiet = text(lang, "quiet_none")
    body = heading + text(
        lang,
        "settings_view",
        mode=mode,
        quiet=quiet,
        zone=embed(lang, html.escape(str(zone.key), quote=False)),
    )
    return body, settings_keyboard(lang, chat)
