"""Outbox rows as messages: alert text in the chat's language, its buttons, notices.

Button wire formats (handled in bot/telegram/keyboards.py):
``mute:<subscription_id>:day``, ``mute:<subscription_id>:ever``, ``aunsub:<subscription_id>``.
An alert for several subscriptions gets one row of buttons per subscription (at most
``MAX_BUTTON_ROWS``), each label naming its query.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.format import ALSO_LIMIT, AlertContent, format_alert, shorten
from bot.alerts.split import split_html, visible_length
from bot.i18n import text
from bot.i18n.formats import format_datetime
from bot.matching import Span
from bot.storage.articles import ArticleRepository
from bot.storage.models import Chat, OutboxItem, OutboxKind, Subscription
from bot.storage.sources import SourceRepository
from bot.storage.subscriptions import SubscriptionRepository

MAX_BUTTON_ROWS = 3
MESSAGE_LIMIT = 4096
QUERY_LABEL_LIMIT = 24


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    callback_data: str


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What one outbox row (or one digest) sends: one message, or a few when the text is
    over Telegram's limit (split by ``split_html``); buttons go on the last one."""

    parts: Sequence[str]
    thread_id: int = 0
    buttons: Sequence[Sequence[Button]] = field(default_factory=tuple)


def fitted(html_text: str) -> list[str]:
    if visible_length(html_text) <= MESSAGE_LIMIT:
        return [html_text]
    return split_html(html_text, MESSAGE_LIMIT)


class Undeliverable(Exception):
    """The row can no longer be rendered (article or source removed, unknown text key)."""


def spans_of(raw: Sequence[Sequence[object]]) -> list[Span]:
    spans = []
    for entry in raw:
        if len(entry) != 3:
            continue
        name, start, end = entry
        if name in ("title", "text") and isinstance(start, int) and isinstance(end, int):
            spans.append(Span("title" if name == "title" else "text", start, end))
    return spans


def also_line(language: str, names: Sequence[str]) -> str:
    if not names:
        return ""
    joined = shorten(", ".join(dict.fromkeys(names)), ALSO_LIMIT)
    return text(language, "alert_also", names=html.escape(joined, quote=False))


def alert_buttons(language: str, subscriptions: Sequence[Subscription]) -> list[list[Button]]:
    shown = subscriptions[:MAX_BUTTON_ROWS]
    rows = []
    for subscription in shown:
        labels = [
            text(language, "btn_mute_day"),
            text(language, "btn_mute_ever"),
            text(language, "btn_unsubscribe"),
        ]
        if len(shown) > 1:
            query = shorten(subscription.query, QUERY_LABEL_LIMIT)
            labels = [text(language, "btn_for_query", label=lb, query=query) for lb in labels]
        sid = subscription.id
        rows.append(
            [
                Button(labels[0], f"mute:{sid}:day"),
                Button(labels[1], f"mute:{sid}:ever"),
                Button(labels[2], f"aunsub:{sid}"),
            ]
        )
    return rows


async def render_alert(
    session: AsyncSession, row: OutboxItem, chat: Chat, zone: ZoneInfo
) -> Outgoing:
    articles, sources = ArticleRepository(session), SourceRepository(session)
    article = await articles.get(row.article_id) if row.article_id is not None else None
    source = await sources.get(article.source_id) if article is not None else None
    if article is None or source is None:
        raise Undeliverable("article or source removed")
    found = await SubscriptionRepository(session).many(row.subscription_ids)
    subscriptions = [found[i] for i in row.subscription_ids if i in found]
    content = AlertContent(
        title=article.title,
        url=article.url,
        source_name=source.name,
        published=article.published_at or article.fetched_at,
        text=article.body or article.summary,
        spans=spans_of(row.spans),
        queries=[s.query for s in subscriptions],
        also_line=also_line(chat.language, row.also or []),
    )
    return Outgoing(
        parts=fitted(format_alert(content, zone, chat.language)),
        thread_id=row.thread_id or 0,
        buttons=alert_buttons(chat.language, subscriptions),
    )


def iso_moment(value: object) -> datetime:
    """An ISO 8601 moment from a notice's payload (a naive one is UTC)."""
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def render_notice(row: OutboxItem, chat: Chat, zone: tzinfo = UTC) -> Outgoing:
    """A notice's text in the chat's language. ``payload["dates"]`` (optional) maps more
    parameters to ISO 8601 moments, written as the chat's language writes dates, in ``zone``."""
    payload = row.payload or {}
    key = payload.get("key")
    params = payload.get("params") or {}
    dates = payload.get("dates") or {}
    if not isinstance(key, str) or not isinstance(params, dict) or not isinstance(dates, dict):
        raise Undeliverable(f"notice without a text key: {payload!r}"[:200])
    try:
        for name, moment in dates.items():
            params = {**params, name: format_datetime(chat.language, iso_moment(moment), zone)}
        body = text(chat.language, key, **params)
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise Undeliverable(f"notice {key!r} cannot be rendered: {exc!r}") from exc
    return Outgoing(parts=fitted(body), thread_id=row.thread_id or 0)


async def render(session: AsyncSession, row: OutboxItem, chat: Chat, zone: ZoneInfo) -> Outgoing:
    if row.kind is OutboxKind.NOTICE:
        return render_notice(row, chat, zone)
    return await render_alert(session, row, chat, zone)
