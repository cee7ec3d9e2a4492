"""The /stats chart: a valid PNG of the expected size, its panels' titles and the source
states in the chat's language, Arabic shaped and ordered right to left (checked glyph by
glyph against arabic-reshaper and python-bidi)."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO

import pytest
from matplotlib.image import imread

from bot.archive.activity_chart import DailyActivity, activity_figure, render_activity
from bot.archive.charts import HEIGHT_PX, WIDTH_PX
from bot.i18n import text
from bot.i18n.formats import format_day_month, format_number
from tests.support.glyphs import expected_glyphs, laid_out_glyphs, png_size, texts

ARABIC = re.compile("[\u0600-\u06ff]")
FIRST_DAY = date(2026, 11, 1)
STATES = ("healthy", "failing", "unhealthy", "paused", "never_polled")


def activity(language: str, counts: tuple[int, ...] = (180, 3, 1, 2, 0)) -> DailyActivity:
    return DailyActivity(
        FIRST_DAY,
        tuple(1200 + 37 * (day % 7) for day in range(30)),
        tuple(40 + day % 5 for day in range(30)),
        tuple((text(language, f"chart_state_{s}"), n) for s, n in zip(STATES, counts, strict=True)),
    )


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_the_png_is_a_valid_image_of_the_expected_size(language: str) -> None:
    png = render_activity(language, activity(language))
    assert png_size(png) == (WIDTH_PX, HEIGHT_PX)
    pixels = imread(BytesIO(png), format="png")
    assert pixels.shape[:2] == (HEIGHT_PX, WIDTH_PX)
    assert pixels.min() < pixels.max()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_labels_are_in_the_chats_language(language: str) -> None:
    shown = {label.get_text() for label in texts(activity_figure(language, activity(language)))}
    for key in ("chart_new_articles", "chart_alerts_sent", "chart_sources_title"):
        assert text(language, key) in shown
    for state in STATES:
        assert text(language, f"chart_state_{state}") in shown
    assert format_day_month(language, FIRST_DAY) in shown
    assert format_number(language, 180) in shown  # each state's count beside its bar


def test_arabic_labels_are_shaped_right_to_left() -> None:
    figure = activity_figure("ar", activity("ar"))
    arabic = [label for label in texts(figure) if ARABIC.search(label.get_text())]
    shown = {label.get_text() for label in arabic}
    assert text("ar", "chart_sources_title") in shown
    assert text("ar", "chart_state_never_polled") in shown
    assert "1 نوفمبر" in shown
    assert len(arabic) >= 3 + len(STATES) + 4
    for label in arabic:
        glyphs = laid_out_glyphs(label)
        assert ".notdef" not in glyphs
        assert glyphs == expected_glyphs(label), label.get_text()


def test_no_source_and_no_activity_still_draw() -> None:
    empty = DailyActivity(FIRST_DAY, (0,) * 30, (0,) * 30, activity("en", (0,) * 5).sources)
    assert png_size(render_activity("en", empty)) == (WIDTH_PX, HEIGHT_PX)


def test_days_must_match() -> None:
    with pytest.raises(ValueError, match="one count per day"):
        DailyActivity(FIRST_DAY, (1, 2), (1,), ())
