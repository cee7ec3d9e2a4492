"""How a /search page reads: a header with the count (or "at least" when the time budget
cut it), then the page's articles, newest first: the headline (a link only when the link is
http(s)), the outlet and the date in the chat's language and the bot's zone; ◀ ▶ buttons
when there is more than one page.

Every stored value (headline, outlet, the user's query) is escaped for HTML and isolated in
Arabic (``bot.i18n.bidi``)."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup

from bot.alerts.format import bold_spans
from bot.archive.period import Period
from bot.i18n import plural
from bot.i18n.bidi import embed
from bot.i18n.formats import format_datetime
from bot.services.archive import Hit
from bot.services.search import PAGE, SearchPage
from bot.sources.urls import is_web_url
from bot.telegram.keyboards import search_paging
from bot.telegram.texts import text
from bot.telegram.views.queries import quoted

QUERY_LIMIT = 80  # characters of the query repeated in the header
TITLE_LIMIT = 200  # characters of a headline: ten of them fit in one message


def period_text(lang: str, period: Period | None) -> str:
    return text(lang, "search_period_all" if period is None else f"search_period_{period.value}")


def header_text(lang: str, page: SearchPage) -> str:
    query = quoted(lang, page.query.text, QUERY_LIMIT)
    period = period_text(lang, page.period)
    if page.total == 0 and page.complete:
        understood = html.escape(page.query.describe(), quote=False)
        return text(lang, "search_none", query=query, period=period, understood=understood)
    key = "search_found" if page.complete else "search_found_partial"
    return plural(lang, key, page.total, query=query, period=period)


def hit_text(lang: str, number: int, hit: Hit, zone: ZoneInfo) -> str:
    article = hit.article
    title_ranges = [(s.start, s.end) for s in hit.spans if s.field == "title"]
    return text(
        lang,
        "search_hit" if is_web_url(article.url) else "search_hit_unlinked",
        number=number,
        url=html.escape(article.url, quote=True),
        title=embed(lang, bold_spans(article.title[:TITLE_LIMIT], title_ranges)),
        source=quoted(lang, article.source_name),
        when=embed(lang, format_datetime(lang, article.published_at, zone)),
    )


def search_view(
    lang: str, page: SearchPage, zone: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The message of one page, and its buttons (None: a single page)."""
    first = page.page * PAGE + 1
    lines = [header_text(lang, page)]
    lines += [hit_text(lang, first + n, hit, zone) for n, hit in enumerate(page.hits)]
    if page.search_id is None:
        return "\n\n".join(lines), None
    if page.complete:
        lines.append(text(lang, "search_page_of", page=page.page + 1, pages=page.pages))
    else:
        lines.append(text(lang, "search_page", page=page.page + 1))
    return "\n\n".join(lines), search_paging(page.search_id, page.page, has_next=page.has_next)
