"""The /export CSV: UTF-8 with a BOM, a header in the chat's language, one row per article,
times in the chat's zone, awkward titles intact, formulas defused."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.archive.export import ExportRow, export_csv, header, safe_cell
from bot.i18n import text

CASABLANCA = ZoneInfo("Africa/Casablanca")
WHEN = datetime(2026, 11, 29, 13, 5, tzinfo=UTC)


def read(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def row(**changes: object) -> ExportRow:
    values: dict[str, object] = {
        "published": WHEN,
        "outlet": "Hespress",
        "title": "أخنوش يترأس اجتماعا",
        "url": "https://example.ma/a?x=1&y=2",
        "excerpt": "… رئيس الحكومة عزيز أخنوش …",
    }
    values.update(changes)
    return ExportRow(**values)  # type: ignore[arg-type]


def test_round_trips_with_a_bom_a_header_and_one_row_per_article() -> None:
    rows = [row(), row(outlet="Le360", title='Akhannouch, «chef» du "gouvernement"')]
    data = export_csv("ar", rows, CASABLANCA)
    assert data.startswith(b"\xef\xbb\xbf")
    read_back = read(data)
    assert len(read_back) == 1 + len(rows)
    assert (
        read_back[0]
        == header("ar")
        == [
            text("ar", "export_published"),
            "الوسيلة الإعلامية",
            "العنوان",
            "الرابط",
            "المقطع المطابق",
        ]
    )
    assert read_back[1] == [
        "2026-11-29 14:05",  # Casablanca is UTC+1
        "Hespress",
        "أخنوش يترأس اجتماعا",
        "https://example.ma/a?x=1&y=2",
        "… رئيس الحكومة عزيز أخنوش …",
    ]
    assert read_back[2][2] == 'Akhannouch, «chef» du "gouvernement"'


def test_commas_quotes_and_line_breaks_survive() -> None:
    titles = ['a, "b"', "line one\nline two", "cr\r\nlf", 'only "quotes"', ""]
    data = export_csv("en", [row(title=title) for title in titles], UTC)
    read_back = read(data)
    assert len(read_back) == 1 + len(titles)
    assert [cells[2] for cells in read_back[1:]] == titles


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_the_header_is_in_the_chat_language(language: str) -> None:
    assert read(export_csv(language, [], UTC)) == [header(language)]
    assert header(language)[0] == text(language, "export_published")


def test_a_naive_time_is_utc() -> None:
    naive = datetime(2026, 11, 29, 23, 30)
    assert read(export_csv("fr", [row(published=naive)], CASABLANCA))[1][0] == "2026-11-30 00:30"


@pytest.mark.parametrize(
    ("value", "exported"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+212 600", "'+212 600"),
        ("-5% pour le dirham", "'-5% pour le dirham"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("a = b", "a = b"),
        ("أخنوش", "أخنوش"),
    ],
)
def test_cells_that_could_be_formulas_get_an_apostrophe(value: str, exported: str) -> None:
    assert safe_cell(value) == exported
    data = export_csv("en", [row(outlet=value, title=value, excerpt=value)], UTC)
    cells = read(data)[1]
    assert cells[1] == cells[2] == cells[4] == exported


def test_five_thousand_rows() -> None:
    data = export_csv("ar", [row(title=f"عنوان {index}") for index in range(5000)], CASABLANCA)
    read_back = read(data)
    assert len(read_back) == 5001
    assert read_back[-1][2] == "عنوان 4999"
