"""Articles stored as the poller stores them (``ingest``: each filed in the archive index),
at chosen ages, for the tests of what reads the archive (/search, /test)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.access import AccessPolicy
from bot.alerts.index import SubscriptionIndex
from bot.alerts.ingest import ingest
from bot.matching import QueryLimits
from bot.sources.model import ParsedEntry
from bot.storage.db import SessionFactory
from bot.storage.models import Source

ACCESS = AccessPolicy(mode="open", admins=frozenset(), allowed=frozenset())
_numbers = itertools.count(1)


async def a_source(sessions: SessionFactory, now: datetime) -> int:
    """The first source's id; one is made if there is none."""
    async with sessions() as session, session.begin():
        found = await session.scalar(select(Source.id).order_by(Source.id).limit(1))
        if found is not None:
            return found
        source = Source(
            url="https://archive.example.ma/",
            feed_url="https://archive.example.ma/rss",
            name="Archive <Outlet>",
            interval_seconds=600,
            next_poll_at=now,
            created_at=now,
        )
        session.add(source)
        await session.flush()
        return source.id


async def store_aged(
    sessions: SessionFactory,
    articles: Sequence[tuple[str, str, timedelta]],
    *,
    now: datetime,
) -> None:
    """Store each (title, text, age): first seen and published ``age`` before ``now``, in
    the order given (so the last is the newest by id among equal ages)."""
    source_id = await a_source(sessions, now)
    index = SubscriptionIndex(QueryLimits(300, 20))
    for age, group in itertools.groupby(articles, key=lambda article: article[2]):
        at = now - age
        entries = []
        for title, body, _ in group:
            number = next(_numbers)
            url = f"https://archive.example.ma/{number}"
            entries.append(ParsedEntry(f"archive-{number}", url, title, body, at))
        for start in range(0, len(entries), 500):
            async with sessions() as session, session.begin():
                await ingest(
                    session,
                    source_id=source_id,
                    # A feed lists its newest first: ingest stores them oldest first.
                    entries=entries[start : start + 500][::-1],
                    index=index,
                    access=ACCESS,
                    now=at,
                    alert=False,
                    max_age=None,
                )
