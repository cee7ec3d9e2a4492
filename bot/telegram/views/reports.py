"""How ``/trend`` and ``/export`` read: the photo's caption (the chart's own, then the days it
covers), the document's caption (how many articles, and how many the file left out), and the
file's name.

Dates are in the chat's language (``bot.i18n.formats``); the file's name is plain ASCII with
the day it was made in the bot's zone, so it sorts and reads the same on every system.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from bot.i18n import plural
from bot.i18n.formats import format_day_month, format_number
from bot.services.trends import Export
from bot.telegram.texts import text


def trend_caption(lang: str, chart_caption: str, first_day: date, days: int) -> str:
    """The chart's caption (title and each query's total), then the period's first and last
    day."""
    last_day = first_day + timedelta(days=days - 1)
    period = text(
        lang,
        "trend_period",
        first=format_day_month(lang, first_day),
        last=format_day_month(lang, last_day),
    )
    return f"{chart_caption}\n{period}"


def export_caption(lang: str, export: Export) -> str:
    if export.cut:
        shown = format_number(lang, len(export.hits))
        key = "export_cut" if export.complete else "export_cut_at_least"
        return plural(lang, key, export.total, shown=shown)
    return plural(lang, "export_caption", len(export.hits))


def export_filename(now: datetime, zone: tzinfo) -> str:
    """``rasd-export-2026-12-06-1405.csv``: the moment it was made, in ``zone``."""
    return f"rasd-export-{now.astimezone(zone):%Y-%m-%d-%H%M}.csv"
