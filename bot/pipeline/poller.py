"""Poll due sources: read them, fetch full text, then store new articles and queue alerts.

Rules:

- A source's first successful poll resolves what it is (feed, sitemap, HTML listing, Telegram
  channel: ``resolve_source``) and is a silent baseline; later polls read it as its kind with
  a conditional GET.
- Full text (``Source.full_text``): each *new* article's page is fetched through the shared
  Fetcher (same limits, per-host politeness, ``polling.max_page_bytes``), at most
  ``MAX_PAGES_PER_POLL`` per poll, and its main text extracted; a page that fails (fetch,
  refused by the HTML limits, over the parse budget) leaves the article with its summary
  (still matched), never failing the source. Not on the baseline.
- Every parse (the source's document, discovery, article pages) runs in the ``ParsePool``'s
  worker processes within ``polling.parse_timeout``; an overrun is the source's
  ``parse_timeout`` error, and the other polls go on.
- A permanent redirect (every hop 301/308) moves the stored poll URL, unless another source
  already polls the new address.
- Next poll: see ``bot.pipeline.schedule`` (interval, max-age and TTL after a success;
  exponential backoff and Retry-After after an error, capped).
- Health: after ``polling.unhealthy_after`` consecutive errors a source is unhealthy
  (``unhealthy_since``) and every admin gets one notice; the first success after that clears
  it with one more notice. Nothing is sent on the errors in between.
- One failing source only pushes back its own next poll; the others go on.
- Storing: a poll's new articles, their alerts and the source's health are written in one
  transaction under ``write_lock``. Polls that finish reading while a write is under way
  are written together in the next one (group commit: one lock hold and one commit for all
  of them); when that transaction fails, each is written alone, so a failing poll fails
  only itself. Matching the new entries against the subscriptions is done before, outside
  the lock (a subscription added in between is not matched against that poll's entries).
- Several pollers (processes, machines) share the sources through leases: ``tick`` claims
  due sources for this worker (``sources.lease_owner``/``lease_until``, ``FOR UPDATE SKIP
  LOCKED`` on PostgreSQL), at most ``claim_limit`` in flight, and claims more as polls finish;
  leases of polls under way are renewed every third of ``lease``. A poll's result is stored
  (and its lease cleared) only while no other worker holds a live lease on the source, so a
  worker whose lease lapsed (stalled, cut off) cannot store over the one that took over; a
  dead worker's sources are polled again once its leases lapse.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import AccessPolicy
from bot.alerts.entries import Known, Matches, entry_urls, match_entries, new_entries
from bot.alerts.index import SubscriptionIndex
from bot.alerts.ingest import IngestResult, ingest
from bot.alerts.stories import StoryIndex
from bot.alerts.story_sync import load_stories
from bot.clock import Clock
from bot.config import PollingConfig
from bot.metrics import Metrics
from bot.pipeline.notices import queue_notice
from bot.pipeline.schedule import next_poll_after_error, next_poll_after_success
from bot.sources.errors import SourceError
from bot.sources.extract import PageText
from bot.sources.fetch import Fetcher
from bot.sources.fetch_errors import FetchError
from bot.sources.model import ParsedEntry
from bot.sources.parse_pool import ParsePool
from bot.sources.read import SourceKind, SourceRead, read_source
from bot.sources.resolve import SourceResolveError, resolve_source
from bot.storage.articles import ArticleRepository
from bot.storage.db import SessionFactory
from bot.storage.models import Source
from bot.storage.sources import SourceRepository

log = logging.getLogger(__name__)

MAX_PAGES_PER_POLL = 30
# Polls stored in one transaction at most (it holds their sources' rows locked).
MAX_POLLS_PER_WRITE = 64
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


# A claimed source's row and the guids stored for it, read when it was claimed.
_Prefetched = tuple[Source, frozenset[str]]


@dataclass(frozen=True, slots=True)
class _Outcome:
    """A successful read of a source, waiting to be stored."""

    source_id: int
    read: SourceRead
    kind: str
    poll_url: str
    selector: str | None
    pages: dict[str, PageText]
    alert: bool
    first: bool
    known: frozenset[str] | None = None  # the source's stored guids, read for this poll
    matches: Matches | None = None  # match_entries, made before the write


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
        worker_id: str = "local",
        lease: timedelta = timedelta(seconds=60),
        claim_limit: int | None = None,
        parsers: ParsePool,
        metrics: Metrics | None = None,
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
        # Polls read and waiting to be stored (see _store).
        self._waiting: list[tuple[_Outcome, asyncio.Future[IngestResult | None]]] = []
        self.worker_id = worker_id
        self.lease = lease
        # Polls this worker may hold at once (None: every due source). With other pollers
        # around, claiming only what it can soon poll leaves the rest to them.
        self.claim_limit = claim_limit
        self.metrics = metrics
        # The worker processes that parse every fetched document and article page.
        self.parsers = parsers
        self._closed = asyncio.Event()
        self._claiming = asyncio.Lock()
        self._more_due = False  # the last claim was cut by claim_limit
        self._refill: asyncio.Task[int] | None = None
        self._renewed_at: datetime | None = None

    async def prepare(self) -> int:
        """Load the story index (the recent articles' title keys) before the first poll, so
        that poll's write transaction does not; returns how many articles it holds."""
        if not self.stories.loaded:
            async with self.sessions() as session:
                await load_stories(session, self.stories, self.clock())
        return len(self.stories)

    async def tick(self) -> int:
        """Claim due sources (up to the limit) and start their polls; returns how many."""
        async with self._claiming:
            if self._closed.is_set():
                return 0
            await self._renew()
            room = None
            if self.claim_limit is not None:
                room = self.claim_limit - len(self._in_flight)
                if room <= 0:
                    self._more_due = True
                    return 0
            now = self.clock()
            async with self.sessions() as session, session.begin():
                claimed = await SourceRepository(session).claim_due(
                    self.worker_id,
                    now,
                    now + self.lease,
                    limit=room,
                    exclude=self._in_flight,
                )
            self._more_due = room is not None and len(claimed) >= room
            if self._closed.is_set():  # closed meanwhile: start nothing on a closing fetcher
                return 0
            ready = await self._prefetch(claimed) if claimed else {}
            for source_id in claimed:
                task = asyncio.create_task(
                    self._guarded_poll(source_id, ready.get(source_id)), name=f"poll-{source_id}"
                )
                self._in_flight[source_id] = task
                task.add_done_callback(self._forget)
            return len(claimed)

    async def _prefetch(self, ids: Sequence[int]) -> dict[int, _Prefetched]:
        """The claimed sources' rows and stored guids: two queries for the lot instead of two
        per poll (a round's polls queue for the event loop as much as for the network)."""
        async with self.sessions() as session:
            sources = await SourceRepository(session).get_many(ids)
            guids = await ArticleRepository(session).guids_of(
                [s.id for s in sources if s.last_success_at is not None]
            )
        return {s.id: (s, guids.get(s.id, frozenset())) for s in sources}

    async def _renew(self) -> None:
        """Extend the leases of the polls under way, every third of the lease."""
        now = self.clock()
        if self._renewed_at is not None and now - self._renewed_at < self.lease / 3:
            return
        self._renewed_at = now
        if self._in_flight:
            async with self.sessions() as session, session.begin():
                await SourceRepository(session).renew_leases(
                    self.worker_id, self._in_flight, now + self.lease
                )

    def _forget(self, task: asyncio.Task[None]) -> None:
        for source_id, running in list(self._in_flight.items()):
            if running is task:
                del self._in_flight[source_id]
        if self._more_due and not self._closed.is_set() and self._refill is None:
            self._refill = asyncio.create_task(self._claim_more(), name="poll-refill")

    async def _claim_more(self) -> int:
        try:
            return await self.tick()
        except Exception:
            log.exception("claiming due sources failed")
            return 0
        finally:
            self._refill = None

    async def wait_idle(self) -> None:
        """Wait for the polls under way now, and for the ones they make room for when the
        claim limit held due sources back (and for any other poll started meanwhile)."""
        while True:
            running: list[asyncio.Task[object]] = list(self._in_flight.values())
            if self._refill is not None:
                running.append(self._refill)
            if not running:
                return
            await asyncio.gather(*running, return_exceptions=True)
            # A refill that ended during the wait may have started polls: wait for them too.
            started = any(task not in running for task in self._in_flight.values())
            if not self._more_due and self._refill is None and not started:
                return

    async def close(self) -> None:
        self._closed.set()
        if self._refill is not None:
            self._refill.cancel()
        for task in self._in_flight.values():
            task.cancel()
        await self.wait_idle()

    async def _guarded_poll(self, source_id: int, prefetched: _Prefetched | None) -> None:
        started = time.monotonic()
        try:
            await self.poll(source_id, prefetched)
        except Exception as exc:
            log.exception("polling source %d crashed", source_id)
            await self._record_failure(source_id, f"internal: {type(exc).__name__}")
        if self.metrics is not None:
            self.metrics.poll_seconds.observe(time.monotonic() - started)

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
                parsers=self.parsers,
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
            parsers=self.parsers,
        )
        poll_url = read.fetched.permanent_url or source.feed_url
        return read, source.kind, poll_url, source.selector

    async def poll(
        self, source_id: int, prefetched: _Prefetched | None = None
    ) -> IngestResult | None:
        """Poll one source; ``prefetched``: its row and stored guids, read at the claim."""
        # At most ``concurrency`` polls read at once; waiting for the write is no reading,
        # so a poll leaves its place to the next as it waits to be stored.
        async with self._semaphore:
            ready = await self._read_poll(source_id, prefetched)
        if ready is None:
            return None
        name, outcome = ready
        result = await self._store(outcome)
        if result is None:
            return None
        if self.metrics is not None:
            self.metrics.articles_stored.inc(result.new_articles)
            self.metrics.matches.inc(result.queued_alerts)
        if result.new_articles:
            log.info(
                "source %d (%s): %d new articles, %d alerts queued",
                source_id,
                name,
                result.new_articles,
                result.queued_alerts,
            )
        if result.queued_alerts or result.also_noted:
            self.on_alerts()
        return result

    async def _read_poll(
        self, source_id: int, prefetched: _Prefetched | None
    ) -> tuple[str, _Outcome] | None:
        """Read the source, its new entries' pages, and match them: what to store, with the
        source's name (None: nothing to store, a failure is recorded)."""
        if prefetched is None:
            async with self.sessions() as session:
                source = await SourceRepository(session).get(source_id)
                if source is None:
                    return None
                # Not needed to resolve a source on its first poll.
                known = (
                    frozenset()
                    if source.last_success_at is None
                    else await ArticleRepository(session).guids(source_id)
                )
        else:
            source, known = prefetched
        if source.paused:  # paused after it was claimed
            await self._release(source_id)
            return None
        first = source.last_success_at is None
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
        matches = None
        if alert and read.entries:
            # Matching is CPU work: done here, it does not hold up the writes.
            matches = match_entries(
                read.entries, self.index, now=self.clock(), max_age=self._max_age(), pages=pages
            )
        return source.name, _Outcome(
            source_id,
            read,
            kind,
            poll_url,
            selector,
            pages,
            alert,
            first,
            known=None if first else known,
            matches=matches,
        )

    async def fetch_pages(self, entries: Sequence[ParsedEntry]) -> dict[str, PageText]:
        """Full text of these entries' pages, by entry URL; pages that fail are left out."""

        async def one(entry: ParsedEntry) -> tuple[str, PageText | None]:
            try:
                fetched = await self.fetcher.get(
                    entry.url, max_bytes=self.config.max_page_bytes, accept=_ACCEPT_PAGE
                )
                page = await self.parsers.extract(
                    fetched.body, url=fetched.url, charset=fetched.charset
                )
            except FetchError as exc:
                log.info("article page %s not fetched: %s", entry.url, exc)
                return entry.url, None
            except SourceError as exc:  # refused, overran the parse budget, crashed the parser
                log.warning("article page %s not read: %s", entry.url, error_text(exc))
                return entry.url, None
            except Exception:
                log.exception("article page %s could not be read", entry.url)
                return entry.url, None
            return entry.url, page

        found = await asyncio.gather(*(one(entry) for entry in entries))
        return {url: page for url, page in found if page is not None}

    def _may_settle(self, source: Source, now: datetime) -> bool:
        """Whether this worker may record a poll of the source: no other worker holds a live
        lease on it (ours, none, or one that lapsed)."""
        if source.lease_owner in (None, self.worker_id):
            return True
        if source.lease_until is not None and source.lease_until < now:
            return True
        log.warning(
            "source %d: lease taken over by %s; this poll's result is dropped",
            source.id,
            source.lease_owner,
        )
        return False

    async def _release(self, source_id: int) -> None:
        async with self.sessions() as session, session.begin():
            source = await SourceRepository(session).get(source_id)
            if source is not None and source.lease_owner == self.worker_id:
                source.lease_owner = source.lease_until = None

    async def _store(self, outcome: _Outcome) -> IngestResult | None:
        """Store a poll's result (None: not stored, the lease was taken over).

        Group commit: the polls that finish while another write holds ``write_lock`` are
        stored together when it ends, by the first of them to get the lock, in one
        transaction (one commit, one lock hold); the others find theirs done."""
        done: asyncio.Future[IngestResult | None] = asyncio.get_running_loop().create_future()
        entry = (outcome, done)
        self._waiting.append(entry)
        try:
            async with self.write_lock:
                while not done.done():  # in order, up to ours; the others take the rest
                    batch = self._waiting[:MAX_POLLS_PER_WRITE]
                    del self._waiting[:MAX_POLLS_PER_WRITE]
                    try:
                        await self._write(batch)
                    finally:  # cancelled midway: the next holder writes the others
                        self._waiting[:0] = [
                            (o, f) for o, f in batch if not f.done() and f is not done
                        ]
        except asyncio.CancelledError:
            done.cancel()  # whoever holds it now skips it
            if entry in self._waiting:
                self._waiting.remove(entry)
            raise
        return done.result()

    async def _write(
        self, batch: Sequence[tuple[_Outcome, asyncio.Future[IngestResult | None]]]
    ) -> None:
        """Write these polls' results and settle their futures: together, or (a batch that
        failed: one poll's data, a race with another process) one at a time, so a failing
        source does not fail the others."""
        batch = [(outcome, done) for outcome, done in batch if not done.done()]
        if len(batch) > 1:
            try:
                results = await self._write_together([outcome for outcome, _ in batch])
            except Exception as exc:
                log.info(
                    "storing %d polls together failed (%s); one at a time",
                    len(batch),
                    type(exc).__name__,
                )
            else:
                for (_, done), result in zip(batch, results, strict=True):
                    if not done.done():
                        done.set_result(result)
                return
        for outcome, done in batch:
            try:
                result = await self._write_alone(outcome)
            except Exception as exc:
                if not done.done():
                    done.set_exception(exc)
            else:
                if not done.done():
                    done.set_result(result)

    async def _write_alone(self, outcome: _Outcome) -> IngestResult | None:
        try:
            return (await self._write_together([outcome]))[0]
        except IntegrityError:
            # Another poller (another process) stored one of these URLs from another source
            # between our check and our insert; once more, that article is found stored.
            log.info(
                "source %d: an article was stored elsewhere meanwhile; again", outcome.source_id
            )
            return (await self._write_together([outcome]))[0]

    async def _write_together(self, outcomes: Sequence[_Outcome]) -> list[IngestResult | None]:
        """Store these polls' results in one transaction, in order (a later poll's articles
        are checked against an earlier one's). The caller holds ``write_lock``."""
        recovered = False
        results: list[IngestResult | None] = []
        with self.stories.tentative():  # rolled back: the story index forgets them too
            async with self.sessions() as session, session.begin():
                # Locked in id order, so two writers never wait for each other in a circle.
                rows = await session.scalars(
                    select(Source)
                    .where(Source.id.in_({outcome.source_id for outcome in outcomes}))
                    .order_by(Source.id)
                    .with_for_update()
                )
                sources = {source.id: source for source in rows}
                # The URLs every poll's new entries could clash with, in one lookup.
                urls = await ArticleRepository(session).stored_urls(
                    {
                        url
                        for outcome in outcomes
                        for url in entry_urls(outcome.read.entries or (), outcome.pages)
                    },
                )
                now = self.clock()
                settled: list[tuple[Source, _Outcome]] = []
                for outcome in outcomes:
                    source = sources.get(outcome.source_id)
                    if source is None or not self._may_settle(source, now):
                        results.append(None)
                        continue
                    results.append(await self._ingest(session, source, outcome, now, urls))
                    settled.append((source, outcome))
                # The sources' rows last: their updates go out together at the commit, not
                # one by one with each poll's queries (autoflush).
                for source, outcome in settled:
                    recovered = await self._settle(session, source, outcome, now) or recovered
        if recovered:
            self.on_alerts()
        return results

    def _max_age(self) -> timedelta | None:
        if self.alert_everything_new:
            return None
        return timedelta(hours=self.config.max_article_age_hours)

    async def _ingest(
        self,
        session: AsyncSession,
        source: Source,
        outcome: _Outcome,
        now: datetime,
        urls: set[str],
    ) -> IngestResult:
        """Store one successful poll's new articles and queue their alerts. ``urls``: the
        stored URLs (``Known``), shared by the polls written in this transaction."""
        if outcome.read.entries is None:
            return IngestResult(0, 0)
        return await ingest(
            session,
            source_id=source.id,
            entries=outcome.read.entries,
            index=self.index,
            access=self.access,
            now=now,
            alert=outcome.alert,
            max_age=self._max_age(),
            pages=outcome.pages,
            stories=self.stories,
            outlet=source.name,
            known=Known(outcome.known, urls),
            matches=outcome.matches,
        )

    async def _settle(
        self, session: AsyncSession, source: Source, outcome: _Outcome, now: datetime
    ) -> bool:
        """Record a successful poll on its source (its lease is ours or lapsed): lease,
        health, next poll. Whether a recovery notice was queued."""
        read = outcome.read
        recovered = False
        source.lease_owner = source.lease_until = None
        if outcome.first:
            source.kind, source.selector = outcome.kind, outcome.selector
            source.full_text = default_full_text(outcome.kind, self.config)
        source.feed_url = outcome.poll_url
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
        return recovered

    async def _record_failure(
        self, source_id: int, reason: str, *, retry_after: float | None = None
    ) -> None:
        log.warning("source %d failed: %s", source_id, reason)
        if self.metrics is not None:
            self.metrics.fetch_errors.labels(reason.partition(":")[0]).inc()
        noticed = False
        async with self.sessions() as session, session.begin():
            source = await session.get(Source, source_id, with_for_update=True)
            now = self.clock()
            if source is None or not self._may_settle(source, now):
                return
            source.lease_owner = source.lease_until = None
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
