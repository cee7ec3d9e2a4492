"""Store a source's new articles and queue their alerts, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import AccessPolicy
from bot.alerts.index import ChatMatch, SubscriptionIndex
from bot.matching import Document
from bot.sources.parse import ParsedEntry
from bot.storage.models import Article, Chat, OutboxItem
from bot.storage.repositories import ArticleRepository, ChatRepository, OutboxRepository


@dataclass(frozen=True, slots=True)
class IngestResult:
    new_articles: int
    queued_alerts: int


def _fresh(entries: Sequence[ParsedEntry]) -> list[ParsedEntry]:
    """Drop entries without a link, and repeats inside one feed (same guid or url)."""
    seen_guids: set[str] = set()
    seen_urls: set[str] = set()
    unique = []
    for entry in entries:
        if not entry.url:
            continue  # nothing to link an alert to
        if entry.guid in seen_guids or entry.url in seen_urls:
            continue
        seen_guids.add(entry.guid)
        seen_urls.add(entry.url)
        unique.append(entry)
    return unique


def _may_alert(chat: Chat | None, access: AccessPolicy) -> bool:
    return (
        chat is not None
        and not chat.paused
        and not chat.blocked
        and access.allows(chat.id, allowed_in_db=chat.allowed)
    )


async def ingest(
    session: AsyncSession,
    *,
    source_id: int,
    entries: Sequence[ParsedEntry],
    index: SubscriptionIndex,
    access: AccessPolicy,
    now: datetime,
    alert: bool,
    max_age: timedelta | None,
) -> IngestResult:
    """Add the entries not yet stored; queue one outbox row per matching chat.

    ``alert`` is False for a source's first poll: what a feed already holds is old news.
    Articles published more than ``max_age`` ago (if given) are stored without alerting.
    """
    articles = ArticleRepository(session)
    entries = _fresh(entries)
    known_guids, known_urls = await articles.known(
        source_id, [e.guid for e in entries], [e.url for e in entries]
    )
    matches: list[tuple[Article, dict[int, ChatMatch]]] = []
    new_count = 0
    # Oldest first, so alerts arrive in publication order.
    for entry in reversed(entries):
        if entry.guid in known_guids or entry.url in known_urls:
            continue
        article = await articles.add(
            Article(
                source_id=source_id,
                guid=entry.guid,
                url=entry.url,
                title=entry.title,
                summary=entry.summary,
                published_at=entry.published,
                fetched_at=now,
            )
        )
        new_count += 1
        too_old = (
            max_age is not None and entry.published is not None and entry.published < now - max_age
        )
        if alert and not too_old:
            found = index.match(Document(title=entry.title, text=entry.summary))
            if found:
                matches.append((article, found))

    chats = await ChatRepository(session).many(chat_id for _, found in matches for chat_id in found)
    outbox = OutboxRepository(session)
    queued = 0
    for article, found in matches:
        for chat_id, match in found.items():
            if not _may_alert(chats.get(chat_id), access):
                continue
            await outbox.add(
                OutboxItem(
                    chat_id=chat_id,
                    article_id=article.id,
                    subscription_ids=match.subscription_ids,
                    spans=[[s.field, s.start, s.end] for s in match.spans],
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            queued += 1
    return IngestResult(new_articles=new_count, queued_alerts=queued)
