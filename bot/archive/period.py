"""The period a command over the archive looks at: ``/search``, ``/trend``, ``/export``.

Rules:

* A command's first word may name its period: ``24h``, ``7d`` or ``30d`` (any letter case).
  Any other first word starts the query, so a query cannot begin with one of these three.
* No period word: the command's default (``None`` for every stored article, or a period).
* A period ends now and starts ``span`` before: the articles first seen since then, as
  ``ArchiveSearch`` filters them.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class Period(StrEnum):
    DAY = "24h"
    WEEK = "7d"
    MONTH = "30d"

    @property
    def span(self) -> timedelta:
        return {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}[
            self.value
        ]


def split_period(args: str | None, default: Period | None) -> tuple[Period | None, str]:
    """``(period, query)`` from a command's arguments: ``"7d Akhannouch"`` is
    ``(Period.WEEK, "Akhannouch")``; without a period word, ``default`` and the whole text."""
    words = (args or "").strip().split(maxsplit=1)
    if words:
        try:
            period = Period(words[0].lower())
        except ValueError:
            pass
        else:
            return period, words[1].strip() if len(words) > 1 else ""
    return default, (args or "").strip()
