"""The CLDR plural category of a count (texts with a count: ``bot.i18n.plural``).

The texts themselves are plural entries of the catalogs (``bot/locales``). Forms follow each
catalog's ``Plural-Forms``: English one/other; French one (0 and 1)/other; Arabic zero, one,
two, few (3-10), many (11-99), other (100-102, …), the same split as CLDR's.
"""

from __future__ import annotations

from babel import Locale

__all__ = ["plural_form"]


def plural_form(language: str, count: float) -> str:
    """The CLDR plural category of ``count`` in ``language`` (``one``, ``few``, …)."""
    return str(Locale.parse(language).plural_form(count))
