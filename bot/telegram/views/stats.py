"""How ``/stats`` reads: users, sources, articles and alerts, delivery, processes.

The answer is one message, or several when the lists of parked and failed alerts make it too
long: whole sections are kept together, and only a section longer than a message is split.
Numbers are grouped by thousands the way the reader's language writes them. A chart follows
(`chart_data` gives it its figures, the source states named in the reader's language).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import timedelta

from bot.alerts.split import split_html, visible_length
from bot.archive.activity_chart import DailyActivity
from bot.i18n import text
from bot.i18n.bidi import embed
from bot.i18n.formats import format_number
from bot.services.stats import WORKER_ALIVE, DailyFigures, Lag, Problem, SourceCounts, Stats

ERROR_SHOWN = 200
MESSAGE_LIMIT = 4096
ROLES = ("all", "poller", "deliverer", "telegram")


def number(lang: str, value: int) -> str:
    """Digits grouped by thousands as the chat's language writes them: 12,345 (12 345 in
    French, with a narrow no-break space)."""
    return format_number(lang, value)


def span(lang: str, value: timedelta) -> str:
    """A duration in the unit that reads best: 0.4 s, 42 s, 12 min, 3.5 h."""
    seconds = value.total_seconds()
    amount: float
    if seconds < 10:
        key, amount = "stats_seconds", round(seconds, 1)
    elif seconds < 90:
        key, amount = "stats_seconds", round(seconds)
    elif seconds < 90 * 60:
        key, amount = "stats_minutes", round(seconds / 60)
    else:
        key, amount = "stats_hours", round(seconds / 3600, 1)
    return text(lang, key, n=amount)  # written, and its plural form picked, per language


def _problems(lang: str, title_key: str, items: Sequence[Problem]) -> list[str]:
    if not items:
        return []
    lines = [text(lang, title_key)]
    for item in items:
        error = html.escape(item.error[:ERROR_SHOWN], quote=False)
        lines.append(
            text(
                lang,
                "stats_parked_line",
                id=item.id,
                chat=embed(lang, str(item.chat_id)),
                error=embed(lang, error),
            )
        )
    return lines


def _lag(lang: str, lag: Lag) -> str:
    if lag.median is None or lag.p95 is None:
        return text(lang, "stats_lag_none")
    return text(lang, "stats_lag", median=span(lang, lag.median), p95=span(lang, lag.p95))


def _workers(lang: str, workers: Mapping[str, int] | None) -> str:
    if workers is None:
        return text(lang, "stats_workers_none")
    roles = "".join(
        " · "
        + text(
            lang,
            "stats_worker_role",
            role=text(lang, f"stats_role_{role}")
            if role in ROLES
            else embed(lang, html.escape(role, quote=False)),
            count=number(lang, count),
        )
        for role, count in workers.items()
    )
    return text(
        lang,
        "stats_workers",
        window=span(lang, WORKER_ALIVE),
        count=number(lang, sum(workers.values())),
        roles=roles,
    )


def render_sections(lang: str, stats: Stats) -> list[str]:
    """The answer's sections, each a block of lines."""

    def n(value: int) -> str:
        return number(lang, value)

    users, sources, activity, delivery = stats.users, stats.sources, stats.activity, stats.delivery
    lines_users = [
        text(lang, "stats_users_title"),
        text(lang, "stats_chats", chats=n(users.chats)),
        text(
            lang,
            "stats_chat_kinds",
            private=n(users.private),
            groups=n(users.groups),
            channels=n(users.channels),
        ),
        text(
            lang,
            "stats_chat_states",
            active=n(users.active),
            paused=n(users.paused),
            blocked=n(users.blocked),
        ),
        text(lang, "stats_subscriptions", total=n(users.subscriptions), muted=n(users.muted)),
    ]
    lines_sources = [
        text(lang, "stats_sources_title", total=n(sources.total)),
        text(
            lang,
            "stats_sources",
            healthy=n(sources.healthy),
            failing=n(sources.failing),
            unhealthy=n(sources.unhealthy),
            paused=n(sources.paused),
            never=n(sources.never_polled),
        ),
    ]
    lines_activity = [
        text(lang, "stats_activity_title"),
        text(
            lang,
            "stats_articles",
            hour=n(activity.articles_hour),
            day=n(activity.articles_day),
            total=n(activity.articles_total),
        ),
        text(
            lang,
            "stats_alerts_queued",
            hour=n(activity.alerts_queued_hour),
            day=n(activity.alerts_queued_day),
        ),
        text(
            lang,
            "stats_alerts_sent",
            hour=n(activity.alerts_sent_hour),
            day=n(activity.alerts_sent_day),
        ),
        _lag(lang, stats.lag),
    ]
    lines_delivery = [
        text(lang, "stats_title"),
        text(
            lang,
            "stats_queue",
            due=n(delivery.due),
            held=n(delivery.held),
            sending=n(delivery.sending),
        ),
    ]
    if stats.lag.oldest_due is not None:
        lines_delivery.append(text(lang, "stats_oldest_due", age=span(lang, stats.lag.oldest_due)))
    lines_delivery += [
        text(
            lang,
            "stats_sent",
            hour=n(delivery.sent_hour),
            day=n(delivery.sent_day),
            total=n(delivery.sent_total),
        ),
        text(
            lang,
            "stats_problems",
            parked=n(delivery.parked),
            failed=n(delivery.failed),
            dropped=n(delivery.dropped),
        ),
    ]
    sections = [lines_users, lines_sources, lines_activity, lines_delivery]
    sections.append([text(lang, "stats_workers_title"), _workers(lang, stats.workers)])
    sections.append(_problems(lang, "stats_parked_title", delivery.parked_items))
    sections.append(_problems(lang, "stats_failed_title", delivery.failed_items))
    return ["\n".join(lines) for lines in sections if lines]


def pack(sections: Sequence[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Sections joined by blank lines into as few messages as fit ``limit``; a section that
    does not fit a message of its own is split (at line breaks, tags kept whole)."""
    messages: list[str] = []
    for section in sections:
        if messages and visible_length(messages[-1] + "\n\n" + section) <= limit:
            messages[-1] += "\n\n" + section
        elif visible_length(section) <= limit:
            messages.append(section)
        else:
            messages += split_html(section, limit)
    return messages


def render_stats(lang: str, stats: Stats) -> list[str]:
    """The ``/stats`` answer: one message, or more when it is longer than Telegram allows."""
    return pack(render_sections(lang, stats))


def chart_data(lang: str, daily: DailyFigures, sources: SourceCounts) -> DailyActivity:
    """The chart's figures: the days, and the sources' states in the order the text gives."""
    states = (
        ("healthy", sources.healthy),
        ("failing", sources.failing),
        ("unhealthy", sources.unhealthy),
        ("paused", sources.paused),
        ("never_polled", sources.never_polled),
    )
    return DailyActivity(
        daily.first_day,
        daily.articles,
        daily.alerts,
        tuple((text(lang, f"chart_state_{state}"), count) for state, count in states),
    )
