"""How sources read for admins: one block per source (health, kind, interval, last and next
poll in the bot's zone, its error), and long listings cut into messages Telegram takes."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n.formats import format_datetime
from bot.sources.read import SOURCE_KINDS
from bot.storage.models import Source
from bot.storage.sources import SourceStats
from bot.telegram.texts import duration, text

MESSAGE_LIMIT = 4000


def escape(value: str) -> str:
    return html.escape(value, quote=False)


def _when(moment: datetime | None, zone: ZoneInfo, lang: str) -> str:
    return format_datetime(lang, moment, zone) if moment else text(lang, "never")


def _health(source: Source) -> str:
    """✅ polled fine · ⚠️ failing lately · ⛔ unhealthy (admins told) · ⏸ paused · ⏳ not yet"""
    if source.paused:
        return "⏸"
    if source.unhealthy_since is not None:
        return "⛔"
    if source.error_count:
        return "⚠️"
    return "✅" if source.last_success_at else "⏳"


def kind_name(lang: str, kind: str) -> str:
    return text(lang, f"kind_{kind}") if kind in SOURCE_KINDS else escape(kind)


def source_line(stats: SourceStats, lang: str, zone: ZoneInfo) -> str:
    source = stats.source
    error = ""
    if source.unhealthy_since is not None:
        error += text(lang, "source_unhealthy", since=_when(source.unhealthy_since, zone, lang))
    if source.last_error:
        error += text(
            lang, "source_error", error=escape(source.last_error), errors=source.error_count
        )
    if source.selector:
        error += text(lang, "source_selector", selector=escape(source.selector))
    return text(
        lang,
        "source_line",
        health=_health(source),
        id=source.id,
        name=escape(source.name),
        kind=kind_name(lang, source.kind),
        fulltext=text(lang, "source_fulltext_mark") if source.full_text else "",
        interval=duration(lang, source.interval_seconds),
        last_ok=_when(source.last_success_at, zone, lang),
        next="-" if source.paused else _when(source.next_poll_at, zone, lang),
        count=stats.article_count,
        error=error,
    )


def chunks(header: str, lines: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split lines into messages under Telegram's size limit."""
    messages = [header]
    for line in lines:
        if len(messages[-1]) + len(line) + 2 > limit:
            messages.append(line)
        else:
            messages[-1] += "\n\n" + line
    return messages
