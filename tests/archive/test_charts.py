"""The trend chart: a valid PNG of the expected size, labels in the chat's language, Arabic
shaped and ordered right to left (checked glyph by glyph against arabic-reshaper and
python-bidi, not by eye).

Time, measured with time.perf_counter around render_trend on the shared 2-core dev machine and
not asserted (shared CPU): 90 days x 4 series, 0.17-0.22 s a chart in ar, fr and en once warm;
in a fresh process, importing bot.archive.charts (matplotlib) takes about 0.4 s and the first
chart 0.22 s (with matplotlib's font cache already built).
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from arabic_reshaper import reshape
from bidi import get_display
from matplotlib.font_manager import FontProperties
from matplotlib.image import imread
from matplotlib.text import Text

from bot.archive.charts import (
    FONT,
    HEIGHT_PX,
    MAX_SERIES,
    QUERY_SHOWN,
    WIDTH_PX,
    Series,
    render_trend,
    series_label,
    trend_caption,
    trend_figure,
)
from bot.i18n import text
from bot.i18n.bidi import FSI, PDI
from bot.i18n.formats import format_day_month
from tests.support.glyphs import expected_glyphs, laid_out_glyphs, png_size, texts

ARABIC = re.compile("[\u0600-\u06ff]")
FIRST_DAY = date(2026, 9, 1)


def ninety_days(*queries: str) -> list[Series]:
    return [
        Series(query, tuple((day * (index + 1)) % 9 for day in range(90)))
        for index, query in enumerate(queries)
    ]


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_the_png_is_a_valid_image_of_the_expected_size(language: str) -> None:
    chart = render_trend(language, FIRST_DAY, ninety_days("أخنوش", "Benkirane", "a", "b"))
    assert png_size(chart.png) == (WIDTH_PX, HEIGHT_PX)
    pixels = imread(BytesIO(chart.png), format="png")
    assert pixels.shape[:2] == (HEIGHT_PX, WIDTH_PX)
    assert pixels.min() < pixels.max()  # something is drawn


def test_arabic_labels_are_shaped_right_to_left() -> None:
    figure = trend_figure("ar", FIRST_DAY, ninety_days("أخنوش", "Benkirane 2", "بنكيران"))
    arabic = [label for label in texts(figure) if ARABIC.search(label.get_text())]
    assert len(arabic) >= 11  # title, 2 axis labels, 3 legend entries, day ticks
    shown = {label.get_text() for label in arabic}
    assert text("ar", "chart_trend_title") in shown
    assert text("ar", "chart_axis_day") in shown
    assert text("ar", "chart_axis_articles") in shown
    assert format_day_month("ar", FIRST_DAY) == "1 سبتمبر"
    assert "1 سبتمبر" in shown
    assert any(label.startswith(f"{FSI}أخنوش{PDI}: ") for label in shown)  # legend, isolated
    for label in arabic:
        glyphs = laid_out_glyphs(label)
        assert ".notdef" not in glyphs  # the font has every letter
        assert glyphs == expected_glyphs(label), label.get_text()


def test_brackets_in_an_arabic_label_are_mirrored() -> None:
    """python-bidi 0.6 reorders without mirroring (rule L4), so brackets are checked apart:
    "(بنكيران)" read right to left has its opening bracket on the right, drawn as ")"."""
    label = Text(text="(بنكيران)")
    label.set_fontproperties(FontProperties(family=FONT))
    glyphs = laid_out_glyphs(label)
    assert glyphs[0] == "parenleft"
    assert glyphs[-1] == "parenright"
    assert glyphs[1:-1] == expected_glyphs(label)[1:-1]


def test_a_preshaped_label_would_come_out_mirrored() -> None:
    """Why labels are given in logical order: matplotlib shapes and reorders them itself, so
    pre-shaping (as with matplotlib < 3.11) would reverse them a second time."""
    figure = trend_figure("ar", FIRST_DAY, [])
    title = next(t for t in texts(figure) if t.get_text() == text("ar", "chart_trend_title"))
    preshaped = Text(text=get_display(reshape(title.get_text())))
    preshaped.set_fontproperties(title.get_fontproperties())
    assert laid_out_glyphs(preshaped) != expected_glyphs(title)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_french_and_english_labels_are_unchanged(language: str) -> None:
    series = ninety_days("Akhannouch", "Benkirane")
    figure = trend_figure(language, FIRST_DAY, series)
    shown = {label.get_text() for label in texts(figure)}
    assert text(language, "chart_trend_title") in shown
    assert text(language, "chart_axis_day") in shown
    assert text(language, "chart_axis_articles") in shown
    assert format_day_month(language, FIRST_DAY) in shown
    total = series[0].total
    legend = "Akhannouch : " if language == "fr" else "Akhannouch: "
    assert f"{legend}{total} articles" in shown
    for label in texts(figure):
        assert not ARABIC.search(label.get_text())


def test_the_caption_gives_each_total_with_the_plural_form() -> None:
    series = [Series("<b>x</b>", (1, 0, 1)), Series("بنكيران", (1, 0, 0)), Series("y", (0, 0, 0))]
    assert trend_caption("ar", series).splitlines() == [
        "عدد المقالات المطابقة في اليوم",
        f"{FSI}&lt;b&gt;x&lt;/b&gt;{PDI}: مقالان",
        f"{FSI}بنكيران{PDI}: مقال واحد",
        f"{FSI}y{PDI}: لا مقال",
    ]
    assert trend_caption("en", series[:1]).splitlines()[1] == "&lt;b&gt;x&lt;/b&gt;: 2 articles"


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_four_longest_queries_fit_in_a_caption(language: str) -> None:
    series = [Series("&" * 300, (10**6,)) for _ in range(MAX_SERIES)]
    caption = trend_caption(language, series)
    assert len(html.unescape(caption)) <= 1024  # Telegram's caption limit, in visible text
    assert "&amp;" * (QUERY_SHOWN - 1) + "…" in caption
    assert series_label(language, series[0]).count("&") == QUERY_SHOWN - 1


@pytest.mark.parametrize(
    "series", [[], [Series("x", ())], [Series("x", (0, 0, 0)), Series("y", (0, 0, 0))]]
)
def test_empty_series_draw_a_chart_that_says_so(series: list[Series]) -> None:
    chart = render_trend("fr", FIRST_DAY, series)
    assert png_size(chart.png) == (WIDTH_PX, HEIGHT_PX)
    shown = {label.get_text() for label in texts(trend_figure("fr", FIRST_DAY, series))}
    assert text("fr", "chart_no_articles") in shown


def test_one_day_and_a_few_days_label_every_day() -> None:
    figure = trend_figure("en", FIRST_DAY, [Series("x", (3, 1, 4))])
    shown = {label.get_text() for label in texts(figure)}
    days = [format_day_month("en", FIRST_DAY + timedelta(days=index)) for index in range(3)]
    assert set(days) <= shown
    assert png_size(render_trend("en", FIRST_DAY, [Series("x", (5,))]).png) == (1280, 720)


def test_bad_series_are_refused() -> None:
    with pytest.raises(ValueError, match="at most"):
        trend_figure("en", FIRST_DAY, ninety_days(*"abcde")[: MAX_SERIES + 1])
    with pytest.raises(ValueError, match="one count per day"):
        trend_figure("en", FIRST_DAY, [Series("a", (1, 2)), Series("b", (1,))])
    with pytest.raises(ValueError, match="negative"):
        trend_figure("en", FIRST_DAY, [Series("a", (1, -2))])
