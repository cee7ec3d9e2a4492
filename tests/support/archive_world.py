"""A small archive for tests of /trend, /export and the /stats chart: articles stored by
``ingest`` (as the poller stores them, the archive index written with them), each first seen
and published at a chosen moment, under a source of their own."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.access import AccessPolicy
from bot.alerts.index import SubscriptionIndex
from bot.alerts.ingest import ingest
from bot.matching import QueryLimits
from bot.sources.model import ParsedEntry
from bot.storage.db import SessionFactory
from bot.storage.models import Source

ACCESS = AccessPolicy(mode="open", admins=frozenset(), allowed=frozenset())
_SERIAL = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Stored:
    title: str
    body: str
    at: datetime  # first seen (fetched_at) and, unless ``published`` says otherwise, published
    published: datetime | None = None


async def add_source(sessions: SessionFactory, name: str, now: datetime) -> int:
    serial = next(_SERIAL)
    async with sessions() as session, session.begin():
        source = Source(
            url=f"https://archive{serial}.example.ma/rss",
            feed_url=f"https://archive{serial}.example.ma/rss",
            name=name,
            interval_seconds=600,
            next_poll_at=now + timedelta(days=365),  # never polled during the test
            created_at=now,
        )
        session.add(source)
        await session.flush()
        return source.id


async def store(sessions: SessionFactory, source_id: int, articles: Sequence[Stored]) -> None:
    """Each article as its own poll at its own moment (no alerts: nobody subscribed)."""
    index = SubscriptionIndex(QueryLimits(1000, 50))
    for article in articles:
        serial = next(_SERIAL)
        entry = ParsedEntry(
            f"a{serial}",
            f"https://archive.example.ma/{serial}",
            article.title,
            article.body,
            article.published or article.at,
        )
        async with sessions() as session, session.begin():
            result = await ingest(
                session,
                source_id=source_id,
                entries=[entry],
                index=index,
                access=ACCESS,
                now=article.at,
                alert=False,
                max_age=None,
            )
        assert result.new_articles == 1
