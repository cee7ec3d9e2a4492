"""How a chat's subscriptions read: /help, and the /list message with its buttons.

Queries are shortened in the list so that 50 of them, muted, still fit in one message; a
muted one is marked with the time it speaks again (in the bot's zone)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup

from bot.i18n.bidi import embed
from bot.i18n.formats import format_day_time
from bot.services.subscriptions import MUTED_FOREVER
from bot.storage.models import Subscription
from bot.telegram.keyboards import subscription_list
from bot.telegram.texts import text
from bot.telegram.views.queries import quoted

LIST_QUERY_LIMIT = 70
LIST_BUDGET = 3700
UTC_ZONE = ZoneInfo("UTC")


def help_text(lang: str, is_admin: bool) -> str:
    admin = text(lang, "help_admin") + text(lang, "help_channels") if is_admin else ""
    return text(lang, "help") + text(lang, "query_help") + admin


def muted_mark(lang: str, until: datetime | None, now: datetime | None, zone: ZoneInfo) -> str:
    if until is None or (now is not None and until <= now):
        return ""
    if until >= MUTED_FOREVER:
        return text(lang, "list_muted_forever")
    shown = format_day_time(lang, until, zone)
    return text(lang, "list_muted_until", until=embed(lang, shown))


def list_view(
    lang: str,
    subscriptions: Sequence[Subscription],
    paused: bool,
    *,
    zone: ZoneInfo = UTC_ZONE,
    now: datetime | None = None,
    heading: str = "",
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The /list message: numbered queries, muted ones marked, ❌ and 🔔 buttons."""
    if not subscriptions:
        return heading + text(lang, "list_empty"), None
    header = text(lang, "list_header", paused=text(lang, "list_paused") if paused else "")
    lines = []
    muted: set[int] = set()
    limit = max(20, min(LIST_QUERY_LIMIT, LIST_BUDGET // len(subscriptions) - 25))
    for number, subscription in enumerate(subscriptions, start=1):
        mark = muted_mark(lang, subscription.muted_until, now, zone)
        if mark:
            muted.add(subscription.id)
        lines.append(f"{number}. {quoted(lang, subscription.query, limit)}{mark}")
    body = heading + header + "\n" + "\n".join(lines)
    if muted:
        body += "\n\n" + text(lang, "list_unmute_hint")
    return body, subscription_list(subscriptions, muted)
