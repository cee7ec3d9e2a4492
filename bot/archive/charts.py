"""Matching articles per day as a PNG line chart: one line per query (at most four).

Rules:

* Pure: `render_trend` takes the counts and the chat's language and returns the PNG bytes and
  a caption, touching no global state (a `matplotlib.figure.Figure` drawn on the Agg canvas,
  never ``pyplot``), so a caller can run it in a worker thread or process with a time budget.
  `trend_figure` is the same chart before it is saved, for tests to read its texts.
* Every label is in the chat's language: texts from the catalogs (``chart_*`` keys), days and
  numbers from `bot.i18n.formats`. The legend and the caption give each query's total; a
  query is cut to ``QUERY_SHOWN`` characters and inserted isolated (`bot.i18n.bidi.embed`),
  so a Latin query in an Arabic label keeps the label right to left.
* Arabic is passed to matplotlib in logical order and shaped by matplotlib itself: since 3.11
  it lays text out with libraqm (HarfBuzz shaping, SheenBidi ordering). Pre-shaping with
  ``arabic-reshaper`` and ``python-bidi``, as older versions needed, would now be reordered a
  second time and come out mirrored; the tests use those two packages as the reference for
  the shaped glyphs instead. The font is DejaVu Sans, shipped inside matplotlib, which has the
  Arabic letters and their presentation forms.
* The time axis runs left to right in every language (as Arabic news sites draw it).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.i18n import plural, text
from bot.i18n.bidi import embed
from bot.i18n.formats import format_day_month, format_number

MAX_SERIES = 4
WIDTH_PX = 1280
HEIGHT_PX = 720
DPI = 160
FONT = "DejaVu Sans"  # shipped with matplotlib; has Arabic (letters and presentation forms)
MAX_DAY_TICKS = 8
QUERY_SHOWN = 60  # characters of a query in the legend and caption (4 x 300 would not fit)
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e")  # distinct in print and for most CVD


@dataclass(frozen=True, slots=True)
class Series:
    """One query's matching articles per day, oldest day first."""

    query: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True, slots=True)
class TrendChart:
    png: bytes
    caption: str  # HTML for the photo's caption: queries escaped, one total per line


def _check(series: Sequence[Series]) -> int:
    """The number of days the chart covers (0 when there is no series)."""
    if len(series) > MAX_SERIES:
        raise ValueError(f"at most {MAX_SERIES} series, got {len(series)}")
    lengths = {len(one.counts) for one in series}
    if len(lengths) > 1:
        raise ValueError(f"every series needs one count per day, got lengths {sorted(lengths)}")
    if any(count < 0 for one in series for count in one.counts):
        raise ValueError("a count is negative")
    return lengths.pop() if lengths else 0


def shown_query(query: str) -> str:
    """The query, cut to ``QUERY_SHOWN`` characters with an ellipsis when longer."""
    if len(query) <= QUERY_SHOWN:
        return query
    return query[: QUERY_SHOWN - 1].rstrip() + "…"


def series_label(language: str, one: Series) -> str:
    """The legend's entry: the query and its total (``Akhannouch: 12 articles``)."""
    query = embed(language, shown_query(one.query))
    return plural(language, "chart_series", one.total, query=query)


def _day_ticks(days: int, most: int) -> list[int]:
    if days <= most:
        return list(range(days))
    step = -(-(days - 1) // (most - 1))  # ceiling: at most ``most`` ticks
    ticks = list(range(0, days, step))
    if days - 1 - ticks[-1] >= step / 2:
        ticks.append(days - 1)  # the last day labelled when it is not crowded
    return ticks


def draw_days(
    language: str, axes: Axes, first_day: date, days: int, most: int = MAX_DAY_TICKS
) -> None:
    """Day labels under the axis: at most about ``most`` of them (fewer in a narrow panel)."""
    ticks = _day_ticks(days, most)
    labels = [format_day_month(language, first_day + timedelta(days=index)) for index in ticks]
    axes.set_xticks(ticks, labels, fontfamily=FONT)
    axes.set_xlim(-0.5, max(days - 0.5, 0.5))


def draw_counts(language: str, axes: Axes) -> None:
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: format_number(language, value)))
    for label in axes.get_yticklabels():
        label.set_fontfamily(FONT)


def trend_figure(language: str, first_day: date, series: Sequence[Series]) -> Figure:
    """The chart, not yet saved: title, axis labels, one line per query, a legend."""
    days = _check(series)
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(text(language, "chart_trend_title"), fontfamily=FONT)
    axes.set_xlabel(text(language, "chart_axis_day"), fontfamily=FONT)
    axes.set_ylabel(text(language, "chart_axis_articles"), fontfamily=FONT)
    axes.grid(axis="y", alpha=0.3)
    for index, one in enumerate(series):
        axes.plot(
            range(days),
            one.counts,
            color=COLORS[index],
            marker="o" if days <= 31 else None,
            markersize=3,
            linewidth=1.8,
            label=series_label(language, one),
        )
    draw_days(language, axes, first_day, days)
    draw_counts(language, axes)
    if not any(one.total for one in series):
        axes.text(
            0.5,
            0.5,
            text(language, "chart_no_articles"),
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontfamily=FONT,
            color="#666666",
        )
        axes.set_ylim(0, 1)
    if series:
        axes.legend(loc="upper left", prop={"family": FONT})
    return figure


def trend_caption(language: str, series: Sequence[Series]) -> str:
    """The photo's caption (HTML): the chart's title, then each query's total. Queries are
    cut to ``QUERY_SHOWN`` characters, so four fit in Telegram's 1,024-character caption."""
    lines = [text(language, "chart_trend_title")]
    lines += [
        plural(
            language,
            "chart_series",
            one.total,
            query=embed(language, html.escape(shown_query(one.query), quote=False)),
        )
        for one in series
    ]
    return "\n".join(lines)


def render_trend(language: str, first_day: date, series: Sequence[Series]) -> TrendChart:
    """The PNG (``WIDTH_PX`` x ``HEIGHT_PX``) and its caption. ``series`` hold one count per day
    from ``first_day`` on, all of the same length; none, or only zeros, draw an empty chart
    that says so."""
    figure = trend_figure(language, first_day, series)
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return TrendChart(png=buffer.getvalue(), caption=trend_caption(language, series))
