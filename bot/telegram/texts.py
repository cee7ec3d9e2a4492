"""Command menus; the texts themselves live in bot.i18n."""

from __future__ import annotations

from bot.i18n import LANGUAGES, duration, pick_language, text

__all__ = ["ADMIN_COMMANDS", "LANGUAGES", "USER_COMMANDS", "duration", "pick_language", "text"]

USER_COMMANDS = (
    "start",
    "help",
    "subscribe",
    "test",
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
