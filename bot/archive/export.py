"""Matching articles as a CSV file for ``/export``.

Rules:

* Pure: `export_csv` takes the rows and returns the file's bytes; no database, no Telegram.
* UTF-8 with a byte order mark, so that Excel opens Arabic right (without it Excel guesses a
  legacy code page); rows end with CRLF as RFC 4180 says; quoting is the csv module's (a
  field with a comma, a quote or a line break is quoted, quotes doubled).
* A header row in the chat's language (``export_*`` keys), then one row per article:
  published time in the given zone as ``YYYY-MM-DD HH:MM`` (sorts as text, and spreadsheets
  read it as a date), outlet, title, URL, the matched excerpt.
* Guarded against CSV (formula) injection: a cell that starts with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return, which a spreadsheet may run as a formula, gets an apostrophe in
  front (OWASP's advice, the common safe practice). The title ``-5% pour le dirham`` is
  exported as ``'-5% pour le dirham``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from io import StringIO

from bot.i18n import text

ENCODING = "utf-8-sig"  # UTF-8 with the byte order mark
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TIME_FORMAT = "%Y-%m-%d %H:%M"
COLUMNS = ("export_published", "export_outlet", "export_title", "export_url", "export_excerpt")


@dataclass(frozen=True, slots=True)
class ExportRow:
    published: datetime  # naive means UTC, as the database stores it
    outlet: str
    title: str
    url: str
    excerpt: str


def safe_cell(value: str) -> str:
    """``value``, with an apostrophe in front when a spreadsheet could take it for a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def local_time(moment: datetime, zone: tzinfo) -> str:
    """``2026-11-29 14:05`` in ``zone``."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).strftime(TIME_FORMAT)


def header(language: str) -> list[str]:
    return [text(language, key) for key in COLUMNS]


def export_csv(language: str, rows: Iterable[ExportRow], zone: tzinfo) -> bytes:
    """The CSV file: header row in ``language``, then ``rows`` in the order given."""
    buffer = StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header(language)])
    for row in rows:
        cells = (local_time(row.published, zone), row.outlet, row.title, row.url, row.excerpt)
        writer.writerow([safe_cell(cell) for cell in cells])
    return buffer.getvalue().encode(ENCODING)
