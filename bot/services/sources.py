"""Sources: added by admins (checked by reading once) or seeded from the config.

Rules:

- ``add`` resolves the URL (feed, page with a feed, sitemap, HTML listing, Telegram
  channel; see ``bot.sources.resolve``), stores the source with its kind and what it holds
  today as a silent baseline. Full text starts on for listings and sitemaps and, per
  ``polling.full_text_feeds``, for feeds.
- A URL already stored (as a page or a poll URL) is refused with the existing source.
- ``set_selector`` refuses a selector past the limits (length, combinators,
  pseudo-classes; ``bot.sources.html_guard``) before anything is fetched, then re-reads the
  listing once with it (in the parse pool, within its budget) and keeps it only when it
  finds article links.
- OPML files are parsed in the parse pool too. Import adds every outline's feed that is
  not stored yet, a few at a time; each failure is reported, none stops the others. Export
  lists every source's poll URL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo
from urllib.parse import urlsplit

from bot.access import AccessPolicy
from bot.alerts.index import SubscriptionIndex
from bot.alerts.ingest import ingest
from bot.alerts.stories import StoryIndex
from bot.clock import Clock
from bot.config import PollingConfig, SourceEntry
from bot.pipeline.reading import default_full_text
from bot.sources.errors import SourceError
from bot.sources.fetch import Fetcher
from bot.sources.html_guard import check_selector_limits
from bot.sources.opml import OpmlError, OpmlOutline, build_opml
from bot.sources.parse_pool import ParsePool
from bot.sources.read import read_source
from bot.sources.resolve import resolve_source
from bot.sources.urls import canonical_url
from bot.storage.db import CONSTRAINT_VIOLATIONS, SessionFactory
from bot.storage.models import Source
from bot.storage.sources import SourceRepository, SourceStats

IMPORT_CONCURRENCY = 4


class SourceExists(Exception):
    def __init__(self, source: Source) -> None:
        super().__init__(f"already a source: #{source.id} {source.name}")
        self.source_id = source.id
        self.name = source.name


class IntervalTooShort(Exception):
    def __init__(self, minimum: float) -> None:
        super().__init__(f"the shortest interval allowed is {minimum:g} seconds")
        self.minimum = minimum


class NotAListing(Exception):
    """Selectors apply to HTML listings only."""

    def __init__(self, source: Source) -> None:
        super().__init__(f"source #{source.id} is a {source.kind}, not an HTML listing")
        self.source_id = source.id
        self.kind = source.kind


@dataclass(frozen=True, slots=True)
class AddedSource:
    source: Source
    item_count: int
    discovered: bool  # the poll URL differs from the URL given (found on the page)

    @property
    def kind(self) -> str:
        return self.source.kind


@dataclass(frozen=True, slots=True)
class SelectorResult:
    source: Source
    link_count: int


@dataclass(slots=True)
class OpmlImport:
    outlines: int = 0
    added: int = 0
    existing: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


class SourceService:
    def __init__(
        self,
        sessions: SessionFactory,
        fetcher: Fetcher,
        index: SubscriptionIndex,
        access: AccessPolicy,
        config: PollingConfig,
        clock: Clock,
        *,
        parsers: ParsePool,
        stories: StoryIndex,
        write_lock: asyncio.Lock,
        zone: tzinfo,
    ) -> None:
        self.sessions = sessions
        self.fetcher = fetcher
        self.parsers = parsers
        self.index = index
        self.access = access
        self.config = config
        self.clock = clock
        self.stories = stories
        # Shared with the poller: two writers storing the same article would collide.
        self.write_lock = write_lock
        self.zone = zone

    async def add(self, url: str, name: str | None = None) -> AddedSource:
        """Read ``url`` once, find what to poll, store the source with what it holds now.

        Raises SourceError (SourceResolveError: a user-facing reason) or SourceExists.
        """
        page_url = canonical_url(url)
        async with self.sessions() as session:
            existing = await SourceRepository(session).by_url(page_url)
        if existing is not None:
            raise SourceExists(existing)
        resolved = await resolve_source(
            self.fetcher,
            page_url,
            parsers=self.parsers,
            max_items=self.config.max_items_per_feed,
            zone=self.zone,
        )
        entries = resolved.read.entries or []
        async with self.write_lock, self.sessions() as session, session.begin():
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
            source.kind = resolved.kind
            source.selector = resolved.selector
            source.full_text = default_full_text(resolved.kind, self.config)
            # What the source holds today is the baseline: stored, not alerted.
            await ingest(
                session,
                source_id=source.id,
                entries=entries,
                index=self.index,
                access=self.access,
                now=now,
                alert=False,
                max_age=timedelta(hours=self.config.max_article_age_hours),
                stories=self.stories,
                outlet=source.name,
            )
            fetched = resolved.read.fetched
            source.polled_ok(now, fetched.etag, fetched.last_modified)
        return AddedSource(source, len(entries), discovered=resolved.feed_url != page_url)

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

    async def set_full_text(self, source_id: int, on: bool) -> Source | None:
        async with self.sessions() as session, session.begin():
            source = await SourceRepository(session).get(source_id)
            if source is not None:
                source.full_text = on
            return source

    async def set_selector(self, source_id: int, selector: str | None) -> SelectorResult | None:
        """Use ``selector`` (None: heuristics) for a listing, after one read shows it finds
        article links. Raises NotAListing, or SourceError (the selector is left as it was;
        ``too_complex`` for a selector past the limits, before anything is read)."""
        if selector is not None:
            check_selector_limits(selector)
        async with self.sessions() as session:
            source = await SourceRepository(session).get(source_id)
        if source is None:
            return None
        if source.kind != "html":
            raise NotAListing(source)
        read = await read_source(
            self.fetcher,
            kind="html",
            url=source.feed_url,
            selector=selector,
            etag=None,
            last_modified=None,
            parsers=self.parsers,
            max_items=self.config.max_items_per_feed,
            zone=self.zone,
        )
        async with self.sessions() as session, session.begin():
            stored = await SourceRepository(session).get(source_id)
            if stored is None:
                return None
            stored.selector = selector
            return SelectorResult(stored, len(read.entries or []))

    async def read_opml(self, data: bytes) -> Sequence[OpmlOutline]:
        """The feed outlines of an OPML file, parsed in the parse pool. Raises OpmlError
        (the pool's own errors, such as an overrun budget, become one too)."""
        try:
            return await self.parsers.read_opml(data)
        except SourceError as exc:
            raise OpmlError(str(exc), kind=exc.kind) from exc

    async def import_opml(self, data: bytes) -> OpmlImport:
        """Add the OPML file's feeds. Raises OpmlError when the file is unusable."""
        return await self.import_outlines(await self.read_opml(data))

    async def import_outlines(self, outlines: Sequence[OpmlOutline]) -> OpmlImport:
        """Add these feeds (skipping stored ones), a few at a time; report what happened."""
        report = OpmlImport(outlines=len(outlines))
        gate = asyncio.Semaphore(IMPORT_CONCURRENCY)

        async def one(outline: OpmlOutline) -> None:
            async with gate:
                try:
                    await self.add(outline.url, outline.title or None)
                except SourceExists:
                    report.existing += 1
                except SourceError as exc:
                    report.failed.append((outline.url, str(exc)))
                except CONSTRAINT_VIOLATIONS:  # two outlines that resolved to one feed at once
                    report.existing += 1
                else:
                    report.added += 1

        await asyncio.gather(*(one(outline) for outline in outlines))
        return report

    async def export_opml(self, title: str = "Rasd sources") -> tuple[bytes, int]:
        """An OPML document of every source (poll URL, name, page), and the count."""
        sources = [stats.source for stats in await self.list()]
        outlines = [
            OpmlOutline(
                url=s.feed_url, title=s.name, page_url=s.url if s.url != s.feed_url else None
            )
            for s in sources
        ]
        return build_opml(outlines, title=title, now=self.clock()), len(outlines)
