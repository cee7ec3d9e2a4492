"""Command menus; the texts themselves live in bot.i18n (catalogs in bot/locales)."""

from __future__ import annotations

from bot.i18n import LANGUAGES, duration, pick_language, plural, text
from bot.i18n.formats import format_datetime, format_day_time, format_number, format_time

__all__ = [
    "ADMIN_COMMANDS",
    "LANGUAGES",
    "USER_COMMANDS",
    "duration",
    "format_datetime",
    "format_day_time",
    "format_number",
    "format_time",
    "pick_language",
    "plural",
    "text",
]

USER_COMMANDS = (
    "start",
    "help",
    "subscribe",
    "test",
    "search",
    "trend",
    "export",
    "list",
    "unsubscribe",
    "unmute",
    "pause",
    "resume",
    "language",
    "settings",
)
ADMIN_COMMANDS = (
    "alias",
    "aliases",
    "unalias",
    "addsource",
    "sources",
    "removesource",
    "pausesource",
    "resumesource",
    "interval",
    "allow",
    "deny",
    "stats",
    "importopml",
    "exportopml",
    "fulltext",
    "selector",
)
