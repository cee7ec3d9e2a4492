"""How queries and what they matched read in a reply: a user's value quoted, the count of
recent matches, an example article, a query's error with its place marked.

Every user-supplied value is escaped for HTML and isolated in Arabic (``bot.i18n.bidi``)."""

from __future__ import annotations

import html

from bot.alerts.format import TITLE_LIMIT, bold_spans, excerpt, shorten
from bot.i18n import plural
from bot.i18n.bidi import embed
from bot.matching import QueryError
from bot.services.preview import Example, Preview
from bot.sources.urls import is_web_url
from bot.telegram.query_errors import describe_error
from bot.telegram.texts import text


def quoted(lang: str, value: str, limit: int | None = None) -> str:
    """A user-supplied value for a text: escaped, shortened, isolated in Arabic."""
    shown = shorten(value, limit) if limit else value
    return embed(lang, html.escape(shown, quote=False))


def recent_text(lang: str, preview: Preview) -> str:
    """How many recent articles match: all of them counted, or at least this many."""
    days = f"{preview.days:g}"
    if preview.complete:
        return plural(lang, "recent_count", preview.matched, days=days)
    return plural(
        lang,
        "recent_partial",
        preview.matched,
        scanned=preview.scanned,
        stored=preview.stored,
        days=days,
    )


def example_text(lang: str, example: Example) -> str:
    """One stored article that matched; its title is a link only when the link is http(s)
    (stored articles are; older rows may not be)."""
    article = example.article
    title_ranges = [(s.start, s.end) for s in example.spans if s.field == "title"]
    return text(
        lang,
        "test_example" if is_web_url(article.url) else "test_example_unlinked",
        url=html.escape(article.url, quote=True),
        title=embed(lang, bold_spans(article.title[:TITLE_LIMIT], title_ranges)),
        source=quoted(lang, example.source_name),
        excerpt=excerpt(article.body or article.summary, example.spans, limit=200),
    )


def query_error_text(lang: str, query: str, error: QueryError) -> str:
    reason = html.escape(describe_error(error, lang), quote=False)
    if error.position is None:
        return text(lang, "bad_query", reason=reason)
    marked = query[: error.position] + "⟦" + query[error.position :]
    return text(lang, "bad_query_at", reason=reason, marked=html.escape(marked, quote=False))
