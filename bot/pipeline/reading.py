"""Reading a claimed source: its document, its new articles' pages, and their matches.

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
  ``parse_timeout`` failure.
- A permanent redirect (every hop 301/308) moves the poll URL, unless another source already
  polls the new address (then a first poll fails as ``duplicate``, a later one stays put).
- Matching the new entries against the subscriptions is done here, before the write and
  outside its lock (a subscription added in between is not matched against these entries).
- ``read`` never records anything: it returns what to store, a failure, or None (the source
  is gone or was paused after it was claimed).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta, tzinfo

from bot.alerts.entries import Matches, match_entries, new_entries
from bot.alerts.index import SubscriptionIndex
from bot.clock import Clock
from bot.config import PollingConfig
from bot.pipeline.failures import PollErrorKind, PollFailure
from bot.sources.errors import SourceError
from bot.sources.extract import PageText
from bot.sources.fetch import Fetcher
from bot.sources.fetch_errors import FetchError
from bot.sources.model import ParsedEntry
from bot.sources.parse_pool import ParsePool
from bot.sources.read import SourceKind, SourceRead, read_source
from bot.sources.resolve import resolve_source
from bot.storage.articles import ArticleRepository
from bot.storage.db import SessionFactory
from bot.storage.models import Source
from bot.storage.sources import SourceRepository

__all__ = ["MAX_PAGES_PER_POLL", "PollRead", "Prefetched", "SourceReader", "default_full_text"]

log = logging.getLogger(__name__)

MAX_PAGES_PER_POLL = 30
_ACCEPT_PAGE = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


def default_full_text(kind: str, config: PollingConfig) -> bool:
    """Full text is on for listings and sitemaps (they carry no text), a setting for feeds,
    off for Telegram channels (each post is its own text)."""
    if kind in ("html", "sitemap"):
        return True
    return kind == "feed" and config.full_text_feeds


@dataclass(frozen=True, slots=True)
class Prefetched:
    """A claimed source's row and the guids stored for it, read when it was claimed."""

    source: Source
    known: frozenset[str]


@dataclass(frozen=True, slots=True)
class PollRead:
    """A successful read of a source, waiting to be stored."""

    source_id: int
    name: str
    read: SourceRead
    kind: str
    poll_url: str
    selector: str | None
    pages: dict[str, PageText]
    alert: bool
    first: bool
    known: frozenset[str] | None  # the source's stored guids, read for this poll
    matches: Matches | None  # match_entries, made before the write


class SourceReader:
    def __init__(
        self,
        sessions: SessionFactory,
        fetcher: Fetcher,
        index: SubscriptionIndex,
        config: PollingConfig,
        clock: Clock,
        *,
        parsers: ParsePool,
        zone: tzinfo,
        alert_everything_new: bool,
        max_age: timedelta | None,
    ) -> None:
        self.sessions = sessions
        self.fetcher = fetcher
        self.index = index
        self.config = config
        self.clock = clock
        self.parsers = parsers
        self.zone = zone
        # A source's first poll is a silent baseline, unless everything new is alerted.
        self.alert_everything_new = alert_everything_new
        self.max_age = max_age

    async def prefetch(self, ids: Sequence[int]) -> dict[int, Prefetched]:
        """The claimed sources' rows and stored guids: two queries for the lot instead of two
        per poll (a round's polls queue for the event loop as much as for the network)."""
        async with self.sessions() as session:
            sources = await SourceRepository(session).get_many(ids)
            guids = await ArticleRepository(session).guids_of(
                [s.id for s in sources if s.last_success_at is not None]
            )
        return {s.id: Prefetched(s, guids.get(s.id, frozenset())) for s in sources}

    async def _load(self, source_id: int) -> Prefetched | None:
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
        return Prefetched(source, known)

    async def read(
        self, source_id: int, prefetched: Prefetched | None
    ) -> PollRead | PollFailure | None:
        """Read the source, its new entries' pages, and match them: what to store, why it
        failed, or None (gone, or paused after it was claimed)."""
        loaded = prefetched or await self._load(source_id)
        if loaded is None or loaded.source.paused:
            return None
        source, known = loaded.source, loaded.known
        first = source.last_success_at is None
        try:
            read, kind, poll_url, selector = await self._read(source, known)
        except SourceError as exc:  # SourceResolveError too
            return PollFailure.of(exc)
        if poll_url != source.feed_url:
            async with self.sessions() as session:
                twin = await SourceRepository(session).by_feed_url(poll_url)
            if twin is not None and twin.id != source_id:
                if first:
                    return PollFailure(PollErrorKind.DUPLICATE, f"same feed as #{twin.id}")
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
        if read.entries:
            # Analysis and matching are CPU work: done here, they do not hold up the writes.
            matches = match_entries(
                read.entries,
                self.index,
                now=self.clock(),
                max_age=self.max_age,
                alert=alert,
                pages=pages,
            )
        return PollRead(
            source_id=source_id,
            name=source.name,
            read=read,
            kind=kind,
            poll_url=poll_url,
            selector=selector,
            pages=pages,
            alert=alert,
            first=first,
            known=None if first else known,
            matches=matches,
        )

    async def _read(
        self, source: Source, known: frozenset[str]
    ) -> tuple[SourceRead, str, str, str | None]:
        """Read the source (resolving it on its first success): the read, kind, poll URL,
        selector. ``known``: the guids stored for it. Raises SourceError."""
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
                log.warning("article page %s not read: %s", entry.url, PollFailure.of(exc))
                return entry.url, None
            except Exception:
                log.exception("article page %s could not be read", entry.url)
                return entry.url, None
            return entry.url, page

        found = await asyncio.gather(*(one(entry) for entry in entries))
        return {url: page for url, page in found if page is not None}
