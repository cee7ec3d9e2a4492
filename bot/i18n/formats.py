"""Numbers, dates and times as a chat's language writes them (Babel, CLDR data).

Locales: Arabic ``ar`` (month names such as نوفمبر, Latin digits as Moroccan and most Arabic
news sites print them), French ``fr``, English ``en_GB`` (day before month, 24-hour clock,
like the bot's other two languages). Times are always 24-hour.

Every function takes the bot language (``ar``, ``fr``, ``en``); an unknown one is English.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_decimal

LOCALES = {"ar": "ar", "fr": "fr", "en": "en_GB"}


def locale_of(language: str) -> str:
    return LOCALES.get(language, LOCALES["en"])


def format_number(language: str, value: float) -> str:
    """``12,345`` / ``12 345`` (narrow no-break space) / ``1.5`` / ``1,5``; at most three
    decimals, none shown for a whole number."""
    return format_decimal(value, locale=locale_of(language))


def _local(moment: datetime, zone: tzinfo) -> datetime:
    return moment.astimezone(zone)


def format_datetime(language: str, moment: datetime, zone: tzinfo) -> str:
    """Date with the month's name, and time: ``29 Nov 2026, 14:05``, ``29 nov. 2026, 14:05``,
    ``29 نوفمبر 2026، 14:05`` (in ``zone``)."""
    local = _local(moment, zone)
    locale = locale_of(language)
    day = format_skeleton("yMMMd", local, locale=locale)
    time = format_skeleton("Hm", local, locale=locale)
    pattern = str(Locale.parse(locale).datetime_formats["medium"])
    return pattern.replace("{1}", day).replace("{0}", time)


def format_time(language: str, moment: datetime, zone: tzinfo) -> str:
    """``14:05`` in ``zone``."""
    return format_skeleton("Hm", _local(moment, zone), locale=locale_of(language))


def format_day_time(language: str, moment: datetime, zone: tzinfo) -> str:
    """Short day and time for lists: ``29/11 14:05`` (the day in numbers, in the locale's
    order; Arabic keeps its right-to-left mark between them)."""
    local = _local(moment, zone)
    locale = locale_of(language)
    return f"{format_skeleton('Md', local, locale=locale)} {format_skeleton('Hm', local, locale=locale)}"


def format_day_month(language: str, day: date) -> str:
    """Day and short month name, for a chart's axis: ``29 Nov``, ``29 nov.``, ``29 نوفمبر``."""
    return format_skeleton("MMMd", day, locale=locale_of(language))
