"""A digest's message: the released alerts of one chat, read from storage and composed.

Rules: an alert whose article or source was removed is left out; with none left the digest
is ``Undeliverable``. Each entry names the subscriptions it matched; the parts are split to
Telegram's limit (``fitted``) and go to the first row's forum topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.digest import DigestEntry, compose_digest
from bot.alerts.render import Outgoing, Undeliverable, fitted
from bot.storage.articles import ArticleRepository
from bot.storage.models import Chat, OutboxItem
from bot.storage.subscriptions import SubscriptionRepository


async def render_digest(
    session: AsyncSession, chat: Chat, rows: Sequence[OutboxItem], zone: ZoneInfo
) -> Outgoing:
    subscription_ids = {i for row in rows for i in row.subscription_ids}
    subscriptions = await SubscriptionRepository(session).many(subscription_ids)
    articles = await ArticleRepository(session).with_sources(
        row.article_id for row in rows if row.article_id is not None
    )
    entries = []
    for row in rows:
        found = articles.get(row.article_id or -1)
        if found is None:
            continue
        article, source_name = found
        queries = [subscriptions[i].query for i in row.subscription_ids if i in subscriptions]
        entries.append(
            DigestEntry(
                subscription=" · ".join(queries) or "—",
                title=article.title,
                url=article.url,
                source_name=source_name,
                published=article.published_at or article.fetched_at,
            )
        )
    if not entries:
        raise Undeliverable("articles or sources removed")
    parts = [p for m in compose_digest(entries, chat.language, zone) for p in fitted(m)]
    return Outgoing(parts=parts, thread_id=rows[0].thread_id or 0)
