"""Sources: added by admins (checked by fetching once) or seeded from the config."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import aiohttp

from bot.access import AccessPolicy
from bot.alerts.index import SubscriptionIndex
from bot.alerts.ingest import ingest
from bot.clock import Clock
from bot.config import PollingConfig, SourceEntry
from bot.sources.resolve import resolve_source
from bot.sources.urls import canonical_url
from bot.storage.db import SessionFactory
from bot.storage.models import Source
from bot.storage.repositories import SourceRepository, SourceStats


class SourceExists(Exception):
    def __init__(self, source: Source) -> None:
        super().__init__(f"already a source: #{source.id} {source.name}")
        self.source_id = source.id
        self.name = source.name


class IntervalTooShort(Exception):
    def __init__(self, minimum: float) -> None:
        super().__init__(f"the shortest interval allowed is {minimum:g} seconds")
        self.minimum = minimum


@dataclass(frozen=True, slots=True)
class AddedSource:
    source: Source
    item_count: int
    discovered: bool


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


class SourceService:
    def __init__(
        self,
        sessions: SessionFactory,
        http: aiohttp.ClientSession,
        index: SubscriptionIndex,
        access: AccessPolicy,
        config: PollingConfig,
        clock: Clock,
    ) -> None:
        self.sessions = sessions
        self.http = http
        self.index = index
        self.access = access
        self.config = config
        self.clock = clock

    async def add(self, url: str, name: str | None = None) -> AddedSource:
        """Fetch ``url`` once, find its feed, store the source with what the feed holds now.

        Raises SourceResolveError (user-facing reason) or SourceExists.
        """
        page_url = canonical_url(url)
        async with self.sessions() as session:
            existing = await SourceRepository(session).by_url(page_url)
        if existing is not None:
            raise SourceExists(existing)
        resolved = await resolve_source(
            self.http,
            page_url,
            timeout=self.config.fetch_timeout,
            max_bytes=self.config.max_feed_bytes,
        )
        async with self.sessions() as session, session.begin():
            repo = SourceRepository(session)
            existing = await repo.by_feed_url(resolved.feed_url)
            if existing is not None:
                raise SourceExists(existing)
            now = self.clock()
            source = await repo.add(
                url=page_url,
                feed_url=resolved.feed_url,
                name=(name or resolved.title or _host(page_url)).strip(),
                interval=self.config.default_interval,
                now=now,
            )
            # What the feed holds today is the baseline: stored, not alerted.
            await ingest(
                session,
                source_id=source.id,
                entries=resolved.feed.entries,
                index=self.index,
                access=self.access,
                now=now,
                alert=False,
                max_age=timedelta(hours=self.config.max_article_age_hours),
            )
            source.polled_ok(now, resolved.fetched.etag, resolved.fetched.last_modified)
        return AddedSource(
            source, len(resolved.feed.entries), discovered=resolved.feed_url != page_url
        )

    async def seed(self, entries: Sequence[SourceEntry]) -> int:
        """Add the config's sources that storage lacks; never removes anything."""
        added = 0
        async with self.sessions() as session, session.begin():
            repo = SourceRepository(session)
            for entry in entries:
                url = canonical_url(str(entry.url))
                if await repo.by_url(url) is not None:
                    continue
                await repo.add(
                    url=url,
                    feed_url=url,
                    name=entry.name or _host(url),
                    interval=entry.interval or self.config.default_interval,
                    now=self.clock(),
                    from_config=True,
                )
                added += 1
        return added

    async def list(self) -> list[SourceStats]:
        async with self.sessions() as session:
            return await SourceRepository(session).with_stats()

    async def remove(self, source_id: int) -> bool:
        async with self.sessions() as session, session.begin():
            return await SourceRepository(session).delete(source_id)

    async def set_paused(self, source_id: int, paused: bool) -> Source | None:
        async with self.sessions() as session, session.begin():
            source = await SourceRepository(session).get(source_id)
            if source is not None:
                source.paused = paused
                if not paused:
                    source.next_poll_at = self.clock()
            return source

    async def set_interval(self, source_id: int, seconds: float) -> Source | None:
        if seconds < self.config.min_interval:
            raise IntervalTooShort(self.config.min_interval)
        async with self.sessions() as session, session.begin():
            source = await SourceRepository(session).get(source_id)
            if source is not None:
                source.interval_seconds = seconds
                source.next_poll_at = min(
                    source.next_poll_at, self.clock() + timedelta(seconds=seconds)
                )
            return source
