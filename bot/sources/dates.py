"""Publication times in whatever format a site writes them.

Rules:

- ISO 8601 (``2026-11-29T10:00:00+01:00``, ``...Z``, ``2026-11-29 10:00:00``, a bare
  date) and RFC 822 (``Sun, 29 Nov 2026 10:00:00 +0100``) are parsed directly;
  RFC 822 also with odd zones: ``GMT+1``, ``UTC+01:00``, ``+01:00``, ``CET``,
  ``WEST``..., a weekday in another language, or none.
- Anything else (French or Arabic month names, Maghrebi month names such as
  ``نونبر``, ``dimanche 29 novembre 2026 à 10h00``) goes to ``dateparser``, in
  Arabic, French and English and first in the document's declared language
  (``language``: RSS ``<language>``, Atom ``xml:lang``, ``<html lang>``), so
  ``Seg, 24 Set 2018 19:42:40 -0300`` is read in a ``pt-BR`` feed.  A document that
  declares no language still has its RFC 822-shaped dates read (weekday, day, month
  name, year: only the month's language is open there, and the names agree across
  languages), with ``dateparser`` choosing the language; other shapes are not guessed.
  Relative times ("منذ ساعتين", "il y a 2 heures") are refused: they depend on
  when the page was rendered, which we do not know.
- A time without a zone is local time of the site: :func:`parse_date` takes that
  zone (``zone``), and :func:`site_zone` guesses it from the other times of the
  same document.  Without either, UTC.
- Results are aware datetimes in UTC; unparseable or absurd values (before 1990,
  or years ahead) give ``None`` and the caller falls back to first-seen time.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache

__all__ = ["parse_date", "parse_date_naive", "site_zone", "to_utc"]

_MIN_YEAR = 1990
_MAX_YEAR = 2100

# Zone abbreviations that email.utils does not know, and that are not ambiguous.
_NAMED_ZONES = {
    "CET": "+0100",
    "CEST": "+0200",
    "MET": "+0100",
    "MEST": "+0200",
    "WET": "+0000",
    "WEST": "+0100",
    "EET": "+0200",
    "EEST": "+0300",
    "BST": "+0100",
    "MSK": "+0300",
    "GST": "+0400",
}
_OFFSET_ZONE_RE = re.compile(
    r"\s*(?:GMT|UTC|UT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?\s*$", re.IGNORECASE
)
_NAMED_ZONE_RE = re.compile(r"\s+([A-Z]{3,4})\s*$")
_LEADING_WEEKDAY_RE = re.compile(r"^\s*[^\W\d]+\.?,?\s+(?=\d)")
_RFC822_RE = re.compile(
    r"^\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{2,4}\b",
    re.IGNORECASE,
)
_ISO_START_RE = re.compile(r"^\d{4}-?\d{2}-?\d{2}")
_ISO_UTC_SUFFIX_RE = re.compile(r"\s*(?:Z|UTC|GMT)$", re.IGNORECASE)
_ISO_SPACE_OFFSET_RE = re.compile(r"\s+([+-]\d{2}:?\d{2})$")
_ISO_SHORT_OFFSET_RE = re.compile(r"([+-]\d{2})$")

# Moroccan/Algerian month names → the ones dateparser knows.
_MAGHREBI_MONTHS = {
    "يوليوز": "يوليو",
    "غشت": "أغسطس",
    "شتنبر": "سبتمبر",
    "نونبر": "نوفمبر",
    "دجنبر": "ديسمبر",
    "ماي": "مايو",
    "جانفي": "يناير",
    "فيفري": "فبراير",
    "أفريل": "أبريل",
    "جوان": "يونيو",
    "جويلية": "يوليو",
    "أوت": "أغسطس",
}
_MAGHREBI_RE = re.compile(r"(?<!\w)(" + "|".join(_MAGHREBI_MONTHS) + r")(?!\w)")
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_RELATIVE_RE = re.compile(
    r"\b(?:ago|il y a|depuis|yesterday|today|hier|aujourd)|منذ|قبل|أمس|اليوم", re.IGNORECASE
)
_HAS_DIGIT_RE = re.compile(r"\d")
# An RFC 822 date with its month named in some language: "24 Set 2018 19:42:40 -0300".
_FOREIGN_RFC822_RE = re.compile(r"^\d{1,2}\s+[^\W\d]{3,}\.?\s+\d{4}\b")
_KNOWN_LANGUAGES = ("ar", "fr", "en")
_LANGUAGE_RE = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$")


def _sane(value: datetime) -> datetime | None:
    return value if _MIN_YEAR <= value.year <= _MAX_YEAR else None


def _iso(text: str) -> datetime | None:
    text = _ISO_UTC_SUFFIX_RE.sub("+00:00", text)
    text = _ISO_SPACE_OFFSET_RE.sub(r"\1", text)
    text = (
        _ISO_SHORT_OFFSET_RE.sub(r"\1:00", text) if re.search(r"T\d\d.*[+-]\d\d$", text) else text
    )
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _rfc822(text: str) -> datetime | None:
    text = _LEADING_WEEKDAY_RE.sub("", text)
    if not _RFC822_RE.match(text):
        return None
    offset = _OFFSET_ZONE_RE.search(text)
    if offset is not None:
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        text = f"{text[: offset.start()]} {sign}{hours:02d}{minutes:02d}"
    else:
        named = _NAMED_ZONE_RE.search(text)
        if named is not None and named.group(1).upper() in _NAMED_ZONES:
            text = f"{text[: named.start()]} {_NAMED_ZONES[named.group(1).upper()]}"
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


@lru_cache(maxsize=1)
def _every_language() -> tuple[str, ...]:
    """Every language ``dateparser`` knows, the most used first (read once).  Named explicitly: with
    ``languages=None`` it also loads every regional locale (1.5 s in a fresh worker,
    against 0.15 s), in a parse that has a few seconds' budget."""
    # dateparser is slow to import: only when a date needs it.
    from dateparser.data import languages_info  # type: ignore[import-untyped]

    return tuple(languages_info.language_order)


def _languages(declared: str | None) -> list[str]:
    """The languages ``dateparser`` tries: the declared one (its primary subtag, if
    ``dateparser`` knows it) first, then Arabic, French and English."""
    match = _LANGUAGE_RE.match(declared or "")
    primary = match.group(1).lower() if match else ""
    first = [primary] if primary in _every_language() else []
    return first + [code for code in _KNOWN_LANGUAGES if code != primary]


def _dateparser(text: str, language: str | None) -> datetime | None:
    if _RELATIVE_RE.search(text) or not _HAS_DIGIT_RE.search(text):
        return None
    text = _MAGHREBI_RE.sub(lambda m: _MAGHREBI_MONTHS[m.group(1)], text)
    result = _dateparser_in(text, _languages(language))
    if result is None and not (language or "").strip():
        undated = _LEADING_WEEKDAY_RE.sub("", text)
        if _FOREIGN_RFC822_RE.match(undated):
            result = _dateparser_in(undated, list(_every_language()))
    return result


def _dateparser_in(text: str, languages: list[str]) -> datetime | None:
    """``dateparser``'s absolute reading of ``text``, trying ``languages`` in order."""
    import dateparser  # type: ignore[import-untyped]  # slow to import: only when needed

    try:
        result = dateparser.parse(
            text,
            languages=languages,
            settings={
                "DATE_ORDER": "DMY",
                "PARSERS": ["timestamp", "custom-formats", "absolute-time"],
                "REQUIRE_PARTS": ["day", "month", "year"],
            },
        )
    except (ValueError, TypeError, OverflowError, LookupError):
        return None
    return result if isinstance(result, datetime) else None


def parse_date_naive(
    value: object, *, slow: bool = True, language: str | None = None
) -> datetime | None:
    """``value`` as a datetime, aware if it names a zone or offset, naive if not.

    ``slow=False`` tries only the fast formats (ISO 8601, RFC 822, timestamps),
    not ``dateparser`` (milliseconds per call).  ``language``: the document's
    declared language (``pt-BR``), if any."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.translate(_ARABIC_DIGITS).split())
    if not text or len(text) > 100:
        return None
    if text.isdigit() and len(text) in (10, 13):  # a Unix timestamp (seconds or ms)
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        try:
            return _sane(datetime.fromtimestamp(seconds, UTC))
        except (OverflowError, OSError, ValueError):
            return None
    result = _iso(text) if _ISO_START_RE.match(text) else _rfc822(text)
    if result is None and slow:
        result = _dateparser(text, language)
    return _sane(result) if result is not None else None


def to_utc(value: datetime, zone: tzinfo | None = None) -> datetime:
    """An aware ``value`` in UTC; a naive one is taken as local time in ``zone`` (UTC)."""
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=zone or UTC)
    return value.astimezone(UTC)


def parse_date(
    value: object, zone: tzinfo | None = None, *, language: str | None = None
) -> datetime | None:
    """``value`` parsed (see the module rules) and converted to UTC, or ``None``."""
    parsed = parse_date_naive(value, language=language)
    return to_utc(parsed, zone) if parsed is not None else None


def site_zone(values: Iterable[datetime | None]) -> tzinfo | None:
    """The UTC offset most of the aware ``values`` use (a site writes all its times
    in one zone), or ``None`` when none of them names one."""
    offsets: Counter[timedelta] = Counter()
    for value in values:
        if value is not None and value.tzinfo is not None:
            offset = value.utcoffset()
            if offset is not None:
                offsets[offset] += 1
    if not offsets:
        return None
    offset = offsets.most_common(1)[0][0]
    return UTC if not offset else timezone(offset)
