"""Texts with a count: ``plural`` (from `bot.i18n`) and the CLDR category of a count.

The texts themselves are plural entries of the catalogs (``bot/locales``). Forms follow each
catalog's ``Plural-Forms``: English one/other; French one (0 and 1)/other; Arabic zero, one,
two, few (3-10), many (11-99), other (100-102, …), the same split as CLDR's.
"""

from __future__ import annotations

import re

from babel import Locale

from bot.i18n import LANGUAGES, catalog, plural

__all__ = ["plural", "plural_form"]

_CATEGORIES = {"en": ("one", "other"), "fr": ("one", "other")}
_ARABIC = ("zero", "one", "two", "few", "many", "other")
_UNIT = re.compile(r"\{(\w+):\w+\}")


def plural_form(language: str, count: float) -> str:
    """The CLDR plural category of ``count`` in ``language`` (``one``, ``few``, …)."""
    return str(Locale.parse(language).plural_form(count))


def __getattr__(name: str) -> object:
    """``PLURALS``: the older dict view (key -> language -> category -> template) of the
    plural entries that counted ``{count}``, built from the catalogs when first asked for.
    Kept for the tests written against it; new code uses ``plural`` and ``catalog``."""
    if name != "PLURALS":
        raise AttributeError(name)
    view: dict[str, dict[str, dict[str, str]]] = {}
    for key in ("recent_partial", "too_many_person", "recent_count"):
        view[key] = {}
        for language in LANGUAGES:
            forms = catalog(language).plurals[key].forms
            names = _ARABIC if language == "ar" else _CATEGORIES[language]
            view[key][language] = {
                category: _UNIT.sub(r"{\1}", form)
                for category, form in zip(names, forms, strict=True)
            }
    return view
