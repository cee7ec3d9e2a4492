"""The ``/stats`` chart: new articles and alerts sent per day, and the sources by state.

Rules:

* Pure, like ``bot.archive.charts``: `render_activity` takes the figures and the chat's
  language and returns PNG bytes (a `matplotlib.figure.Figure` on the Agg canvas, never
  ``pyplot``); `activity_figure` is the chart before it is saved, for tests to read its texts.
* Three panels: articles per day above alerts per day (bars, one per day, the same days),
  and at the side one bar per source state with its count. The state labels come in the
  chat's language from the caller (``bot.telegram.views.stats``), so this module knows no
  state names.
* Labels, days and numbers in the chat's language, with the trend chart's font and axes
  (Arabic shaped by matplotlib itself, see ``bot.archive.charts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.archive.charts import COLORS, DPI, FONT, HEIGHT_PX, WIDTH_PX, draw_counts, draw_days
from bot.i18n import text
from bot.i18n.formats import format_number

STATE_COLORS = ("#2ca02c", "#ff7f0e", "#d62728", "#7f7f7f", "#1f77b4")
DAY_TICKS = 6  # the daily panels are narrower than the trend chart


@dataclass(frozen=True, slots=True)
class DailyActivity:
    """Per day from ``first_day`` on (oldest first, both of the same length), and the
    sources' states as ``(label, count)`` in the order to show."""

    first_day: date
    articles: tuple[int, ...]
    alerts: tuple[int, ...]
    sources: tuple[tuple[str, int], ...]

    def __post_init__(self) -> None:
        if len(self.articles) != len(self.alerts):
            raise ValueError("articles and alerts need one count per day each")


def _daily(language: str, axes: Axes, first_day: date, counts: Sequence[int], color: str) -> None:
    days = len(counts)
    axes.bar(range(days), counts, color=color)
    draw_days(language, axes, first_day, days, DAY_TICKS)
    draw_counts(language, axes)
    axes.grid(axis="y", alpha=0.3)


def _sources(language: str, axes: Axes, sources: Sequence[tuple[str, int]]) -> None:
    axes.set_title(text(language, "chart_sources_title"), fontfamily=FONT)
    positions = list(range(len(sources)))[::-1]  # the first state on top
    counts = [count for _, count in sources]
    axes.barh(positions, counts, color=STATE_COLORS[: len(sources)])
    axes.set_yticks(positions, [label for label, _ in sources], fontfamily=FONT)
    axes.set_xticks([])
    for spine in ("top", "right", "bottom"):
        axes.spines[spine].set_visible(False)
    most = max(counts, default=0) or 1
    axes.set_xlim(0, most * 1.3)
    for position, count in zip(positions, counts, strict=True):
        axes.text(
            count + most * 0.03,
            position,
            format_number(language, count),
            va="center",
            fontfamily=FONT,
        )


def activity_figure(language: str, activity: DailyActivity) -> Figure:
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(2, 2, width_ratios=(3, 1.2))
    articles = figure.add_subplot(grid[0, 0])
    alerts = figure.add_subplot(grid[1, 0], sharex=articles)
    articles.set_title(text(language, "chart_new_articles"), fontfamily=FONT)
    alerts.set_title(text(language, "chart_alerts_sent"), fontfamily=FONT)
    _daily(language, articles, activity.first_day, activity.articles, COLORS[0])
    _daily(language, alerts, activity.first_day, activity.alerts, COLORS[1])
    articles.tick_params(labelbottom=False)
    _sources(language, figure.add_subplot(grid[:, 1]), activity.sources)
    return figure


def render_activity(language: str, activity: DailyActivity) -> bytes:
    """The PNG, ``WIDTH_PX`` x ``HEIGHT_PX``."""
    buffer = BytesIO()
    activity_figure(language, activity).savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
