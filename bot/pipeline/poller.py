"""Poll due sources: read them, fetch full text, then store new articles and queue alerts.

Rules:

- A source's first successful poll resolves what it is (feed, sitemap, HTML listing, Telegram
  channel: ``resolve_source``) and is a silent baseline; later polls read it as its kind with
  a conditional GET.
- Full text (``Source.full_text``): each *new* article's page is fetched through the shared
  Fetcher (same limits, per-host politeness, ``polling.max_page_bytes``), at most
  ``MAX_PAGES_PER_POLL`` per poll, and its main text extracted; a page that fails leaves the
  article with its summary (still matched), never failing the source. Not on the baseline.
- A permanent redirect (every hop 301/308) moves the stored poll URL, unless another source
  already polls the new address.
- Next poll: see ``bot.pipeline.schedule`` (interval, max-age and TTL after a success;
  exponential backoff and Retry-After after an error, capped).
- Health: after ``polling.unhealthy_after`` consecutive errors a source is unhealthy
  (``unhealthy_since``) and every admin gets one notice; the first success after that clears
  it with one more notice. Nothing is sent on the errors in between.
- One failing source only pushes back its own next poll; the others go on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from bot.access import AccessPolicy
from bot.alerts.index import SubscriptionIndex
from bot.alerts.ingest import IngestResult, ingest, new_entries
from bot.alerts.stories import StoryIndex
from bot.clock import Clock
from bot.config import PollingConfig
from bot.pipeline.notices import queue_notice
from bot.pipeline.schedule import next_poll_after_error, next_poll_after_success
from bot.sources.errors import SourceError
from bot.sources.extract import PageText, extract_page
from bot.sources.fetch import Fetcher, FetchError
from bot.sources.parse import ParsedEntry
from bot.sources.read import SourceKind, SourceRead, read_source
from bot.sources.resolve import SourceResolveError, resolve_source
from bot.storage.db import SessionFactory
from bot.storage.models import Source
from bot.storage.repositories import ArticleRepository, SourceRepository

log = logging.getLogger(__name__)

MAX_PAGES_PER_POLL = 30
_ACCEPT_PAGE = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


def default_full_text(kind: str, config: PollingConfig) -> bool:
    """Full text is on for listings and sitemaps (they carry no text), a setting for feeds,
    off for Telegram channels (each post is its own text)."""
    if kind in ("html", "sitemap"):
        return True
    return kind == "feed" and config.full_text_feeds


def error_text(exc: BaseException) -> str:
    """``kind: reason`` as stored in ``Source.last_error``."""
    kind = getattr(exc, "kind", None) or "error"
    return f"{kind}: {exc}"


def when(moment: datetime | None, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "-"


class Poller:
    def __init__(
        self,
        sessions: SessionFactory,
        fetcher: Fetcher,
        index: SubscriptionIndex,
        access: AccessPolicy,
        config: PollingConfig,
        clock: Clock,
        *,
        admins: Sequence[int] = (),
        language: str = "en",
        zone: tzinfo = UTC,
        stories: StoryIndex | None = None,
        write_lock: asyncio.Lock | None = None,
        on_alerts: Callable[[], None] = lambda: None,
        alert_everything_new: bool = False,
    ) -> None:
        self.sessions = sessions
        self.fetcher = fetcher
        self.index = index
        self.access = access
        self.config = config
        self.clock = clock
        self.admins = tuple(admins)
        self.language = language
        self.zone = zone
        self.on_alerts = on_alerts
        # Normally a source's first poll is a silent baseline and stale articles are not
        # alerted; a dry run shows every match, to try queries on what feeds hold today.
        self.alert_everything_new = alert_everything_new
        self.stories = stories or StoryIndex(timedelta(hours=config.story_window_hours))
        self._semaphore = asyncio.Semaphore(config.concurrency)
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        # Two sources can carry the same article; writes go one at a time (shared with
        # SourceService, whose /addsource baseline stores articles too).
        self.write_lock = write_lock or asyncio.Lock()
        self._closed = asyncio.Event()

    async def tick(self) -> int:
        """Start a poll for every due source not already being polled; returns how many."""
        if self._closed.is_set():
            return 0
        async with self.sessions() as session:
            due = await SourceRepository(session).due(self.clock(), exclude=self._in_flight)
        if self._closed.is_set():  # closed while reading: start nothing on a closing fetcher
            return 0
        for source in due:
            task = asyncio.create_task(self._guarded_poll(source.id), name=f"poll-{source.id}")
            self._in_flight[source.id] = task
            task.add_done_callback(self._forget)
        return len(due)

    def _forget(self, task: asyncio.Task[None]) -> None:
        for source_id, running in list(self._in_flight.items()):
            if running is task:
                del self._in_flight[source_id]

    async def wait_idle(self) -> None:
        """Wait for the polls under way now (not for those started meanwhile)."""
        await asyncio.gather(*list(self._in_flight.values()), return_exceptions=True)

    async def close(self) -> None:
        self._closed.set()
        for task in self._in_flight.values():
            task.cancel()
        await self.wait_idle()

    async def _guarded_poll(self, source_id: int) -> None:
        async with self._semaphore:
            try:
                await self.poll(source_id)
            except Exception as exc:
                log.exception("polling source %d crashed", source_id)
                await self._record_failure(source_id, f"internal: {type(exc).__name__}")

    async def _read(
        self, source: Source, known: frozenset[str]
    ) -> tuple[SourceRead, str, str, str | None]:
        """Read the source (resolving it on its first success): the read, kind, poll URL,
        selector. ``known``: the guids stored for it. Raises SourceError or
        SourceResolveError."""
        max_items = self.config.max_items_per_feed
        if source.last_success_at is None:
            # A source seeded from the config may name a page: find what to poll once.
            resolved = await resolve_source(
                self.fetcher,
                source.url,
                selector=source.selector,
                max_items=max_items,
                zone=self.zone,
            )
            return resolved.read, resolved.kind, resolved.feed_url, resolved.selector
        kind: SourceKind = source.kind  # type: ignore[assignment]  # a SourceKind when stored
        read = await read_source(
            self.fetcher,
            kind=kind,
            url=source.feed_url,
            selector=source.selector,
            etag=source.etag,
            last_modified=source.last_modified,
            max_items=max_items,
            zone=self.zone,
            known=known,
        )
        poll_url = read.fetched.permanent_url or source.feed_url
        return read, source.kind, poll_url, source.selector

    async def poll(self, source_id: int) -> IngestResult | None:
        async with self.sessions() as session:
            source = await SourceRepository(session).get(source_id)
            if source is None or source.paused:
                return None
            first = source.last_success_at is None
            # Not needed to resolve a source on its first poll.
            known = frozenset() if first else await ArticleRepository(session).guids(source_id)
        try:
            read, kind, poll_url, selector = await self._read(source, known)
        except (SourceError, SourceResolveError) as exc:
            await self._record_failure(
                source_id, error_text(exc), retry_after=getattr(exc, "retry_after", None)
            )
            return None
        if poll_url != source.feed_url:
            async with self.sessions() as session:
                twin = await SourceRepository(session).by_feed_url(poll_url)
            if twin is not None and twin.id != source_id:
                if first:
                    await self._record_failure(source_id, f"duplicate: same feed as #{twin.id}")
                    return None
                poll_url = source.feed_url  # moved onto another source's address: stay put
        alert = not first or self.alert_everything_new
        full_text = default_full_text(kind, self.config) if first else source.full_text
        pages: dict[str, PageText] = {}
        if read.entries and full_text and alert:
            async with self.sessions() as session:
                fresh = await new_entries(
                    session, source_id, read.entries, known_guids=None if first else known
                )
            pages = await self.fetch_pages(fresh[:MAX_PAGES_PER_POLL])
        result = await self._store(source_id, read, kind, poll_url, selector, pages, alert, first)
        if result is None:
            return None
        if result.new_articles:
            log.info(
                "source %d (%s): %d new articles, %d alerts queued",
                source_id,
                source.name,
                result.new_articles,
                result.queued_alerts,
            )
        if result.queued_alerts or result.also_noted:
            self.on_alerts()
        return result

    async def fetch_pages(self, entries: Sequence[ParsedEntry]) -> dict[str, PageText]:
        """Full text of these entries' pages, by entry URL; pages that fail are left out."""

        async def one(entry: ParsedEntry) -> tuple[str, PageText | None]:
            try:
                fetched = await self.fetcher.get(
                    entry.url, max_bytes=self.config.max_page_bytes, accept=_ACCEPT_PAGE
                )
                page = await asyncio.to_thread(
                    extract_page, fetched.body, url=fetched.url, charset=fetched.charset
                )
            except FetchError as exc:
                log.info("article page %s not fetched: %s", entry.url, exc)
                return entry.url, None
            except Exception:
                log.exception("article page %s could not be read", entry.url)
                return entry.url, None
            return entry.url, page

        found = await asyncio.gather(*(one(entry) for entry in entries))
        return {url: page for url, page in found if page is not None}

    async def _store(
        self,
        source_id: int,
        read: SourceRead,
        kind: str,
        poll_url: str,
        selector: str | None,
        pages: dict[str, PageText],
        alert: bool,
        first: bool,
    ) -> IngestResult | None:
        async with self.write_lock, self.sessions() as session, session.begin():
            source = await SourceRepository(session).get(source_id)
            if source is None:
                return None
            now = self.clock()
            result = IngestResult(0, 0)
            recovered = False
            if read.entries is not None:
                result = await ingest(
                    session,
                    source_id=source_id,
                    entries=read.entries,
                    index=self.index,
                    access=self.access,
                    now=now,
                    alert=alert,
                    max_age=None
                    if self.alert_everything_new
                    else timedelta(hours=self.config.max_article_age_hours),
                    pages=pages,
                    stories=self.stories,
                    outlet=source.name,
                )
            if first:
                source.kind, source.selector = kind, selector
                source.full_text = default_full_text(kind, self.config)
            source.feed_url = poll_url
            if source.unhealthy_since is not None:
                await queue_notice(
                    session,
                    self.admins,
                    "notice_source_recovered",
                    {
                        "id": source.id,
                        "name": source.name,
                        "since": when(source.unhealthy_since, self.zone),
                    },
                    now=now,
                    language=self.language,
                )
                source.unhealthy_since = None
                recovered = True
            source.polled_ok(now, read.fetched.etag, read.fetched.last_modified)
            source.next_poll_at = next_poll_after_success(
                now,
                source.interval_seconds,
                self.config.max_backoff,
                max_age=read.fetched.max_age,
                ttl=read.ttl,
            )
        if recovered:
            self.on_alerts()
        return result

    async def _record_failure(
        self, source_id: int, reason: str, *, retry_after: float | None = None
    ) -> None:
        log.warning("source %d failed: %s", source_id, reason)
        noticed = False
        async with self.sessions() as session, session.begin():
            source = await SourceRepository(session).get(source_id)
            if source is None:
                return
            now = self.clock()
            source.error_count += 1
            source.last_error = reason[:500]
            source.last_polled_at = now
            source.next_poll_at = next_poll_after_error(
                now,
                source.interval_seconds,
                self.config.max_backoff,
                source.error_count,
                retry_after=retry_after,
            )
            if source.unhealthy_since is None and source.error_count >= self.config.unhealthy_after:
                source.unhealthy_since = now
                await queue_notice(
                    session,
                    self.admins,
                    "notice_source_unhealthy",
                    {
                        "id": source.id,
                        "name": source.name,
                        "errors": source.error_count,
                        "error": source.last_error,
                    },
                    now=now,
                    language=self.language,
                )
                noticed = True
        if noticed:
            self.on_alerts()
