"""What the bot says, in Arabic, French and English. Values are HTML; callers escape inputs.

The texts live in gettext catalogs, one per language (``bot/locales/<language>/LC_MESSAGES/
rasd.po``, read on first use by `bot.i18n.loader`), keyed by the names call sites use:
``text(language, "subscribed", number=3, query=...)``. A key missing from a language (or left
untranslated there) is said in English.

Every string value inserted into a text loses its bidi controls (see `bot.i18n.bidi`): only
the isolates that `bot.i18n.bidi.embed` put around a value stay.

Counts. A text that carries a count is a plural entry; its ``msgid_plural`` names the count's
placeholder, whose value picks the form by the language's rule (Arabic has six: zero, one, two,
few, many, other). So ``text(language, "digest_header", count=4, part="")`` already says
"4 new articles", and ``plural(language, key, n, **values)`` is the same with ``n`` as that
value. A count given as a number is written for the language (``12,345``, ``12 345``); given as
a string it is shown as is and read as a number for the form. Inside a text, a placeholder
with a plural key as its format spec, ``{days:last_days}``, is rendered by that entry
("the last 7 days", "آخر 30 يوما"), for the second count of a sentence.

Every layer may import this package: it depends on nothing else in ``bot``.
"""

from __future__ import annotations

import re
import string
from typing import Any

from bot.i18n.bidi import balanced
from bot.i18n.formats import format_number
from bot.i18n.loader import Catalog, PluralText, load

LANGUAGES = ("ar", "fr", "en")
SOURCE_LANGUAGE = "en"
_UNIT_SPEC = re.compile(r"\{\w+:\w+\}")


def pick_language(code: str | None, default: str) -> str:
    """The bot language for a Telegram language code such as ``fr-FR``."""
    base = (code or "").split("-")[0].lower()
    return base if base in LANGUAGES else default


def catalog(language: str) -> Catalog:
    """The catalog of a bot language (English for any other code)."""
    return load(language if language in LANGUAGES else SOURCE_LANGUAGE)


def _entry(language: str, key: str) -> tuple[str, str | PluralText]:
    """The language the key is found in, and its text or plural forms (KeyError if none)."""
    for candidate in (language, SOURCE_LANGUAGE):
        found = catalog(candidate)
        if key in found.texts:
            return found.language, found.texts[key]
        if key in found.plurals:
            return found.language, found.plurals[key]
    raise KeyError(key)


def is_plural(key: str) -> bool:
    return key in catalog(SOURCE_LANGUAGE).plurals


def as_count(value: object) -> float | None:
    """A count's number: an int or float as is, a string such as ``"7"`` or ``"1,5"`` read."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        for candidate in (value, value.replace(",", ".")):
            try:
                return float(candidate.strip())
            except ValueError:
                continue
    return None


def _form(language: str, forms: PluralText, value: object) -> str:
    count = as_count(value)
    if count is None:
        return forms.forms[-1]  # "other": every language has it, last
    return forms.forms[catalog(language).form_index(count)]


def _shown(language: str, value: object) -> object:
    """A count as the language writes it, when it is a number; a string as given."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(language, value)
    return value


class _Formatter(string.Formatter):
    """``str.format`` plus ``{value:plural_key}``: the value said by a plural entry."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language

    def format_field(self, value: Any, format_spec: str) -> Any:
        if format_spec and is_plural(format_spec):
            return _plural_text(self.language, format_spec, value, {})
        return super().format_field(value, format_spec)


def _fill(language: str, template: str, values: dict[str, Any]) -> str:
    if _UNIT_SPEC.search(template):
        return _Formatter(language).format(template, **values)
    return template.format(**values)


def _plural_text(language: str, key: str, count: object, values: dict[str, Any]) -> str:
    found_in, entry = _entry(language, key)
    if not isinstance(entry, PluralText):
        raise KeyError(f"{key} is not a text with a count")
    template = _form(found_in, entry, count)
    return _fill(found_in, template, {**values, entry.count: _shown(found_in, count)})


def text(language: str, key: str, **values: Any) -> str:
    found_in, entry = _entry(language, key)
    cleaned = {name: balanced(v) if isinstance(v, str) else v for name, v in values.items()}
    if isinstance(entry, PluralText):
        count = cleaned.pop(entry.count)  # KeyError, like any missing placeholder
        return _plural_text(found_in, key, count, cleaned)
    if not values:
        return entry
    return _fill(found_in, entry, cleaned)


def plural(language: str, key: str, count: float | str, **values: Any) -> str:
    """The text ``key`` in the form ``count`` takes; the count fills the placeholder the
    catalog names for it (``{count}`` in most texts)."""
    _, entry = _entry(language, key)
    if not isinstance(entry, PluralText):
        raise KeyError(f"{key} is not a text with a count")
    return text(language, key, **{entry.count: count}, **values)


def duration(language: str, seconds: float) -> str:
    """``15 min``, ``45 s``; in Arabic ``15 دقيقة``, ``دقيقتين``, ``5 دقائق``."""
    if seconds >= 60:
        return plural(language, "minutes", round(seconds / 60, 2))
    return plural(language, "seconds", round(seconds, 2))
