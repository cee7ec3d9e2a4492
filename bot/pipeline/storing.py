"""Storing successful polls: their new articles, their alerts and their sources' state.

Rules:

- A poll's new articles, their alerts and its source's row (lease cleared, health, next
  poll) are written in one transaction under ``write_lock`` (shared with /addsource, whose
  baseline stores articles too: two sources can carry the same article).
- Polls that finish reading while a write is under way are written together in the next one
  (``GroupCommit``: one lock hold and one commit for up to ``MAX_POLLS_PER_WRITE``, in
  order, so a later poll's articles are checked against an earlier one's). When that
  transaction fails, each is written alone, so a failing poll fails only itself; a poll
  written alone that runs into an article another process stored meanwhile (unique URL) is
  written once more.
- A poll is recorded only while ``claims.may_settle`` (no other worker's live lease on its
  source); otherwise its result is dropped (None). A transaction that rolls back leaves the
  story index as it was.
- Next poll after a success: ``next_poll_after_success`` (interval, max-age and TTL, capped).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import AccessPolicy
from bot.alerts.entries import Known, entry_urls
from bot.alerts.index import SubscriptionIndex
from bot.alerts.ingest import IngestResult, ingest
from bot.alerts.stories import StoryIndex
from bot.clock import Clock
from bot.config import PollingConfig
from bot.pipeline.claims import SourceClaims
from bot.pipeline.group_commit import GroupCommit
from bot.pipeline.health import SourceHealth
from bot.pipeline.reading import PollRead, default_full_text
from bot.pipeline.schedule import next_poll_after_success
from bot.storage.articles import ArticleRepository
from bot.storage.db import CONSTRAINT_VIOLATIONS, SessionFactory
from bot.storage.models import Source
from bot.storage.sources import SourceRepository

__all__ = ["MAX_POLLS_PER_WRITE", "PollWriter"]

log = logging.getLogger(__name__)

# Polls stored in one transaction at most (it holds their sources' rows locked).
MAX_POLLS_PER_WRITE = 64


class PollWriter:
    def __init__(
        self,
        sessions: SessionFactory,
        index: SubscriptionIndex,
        access: AccessPolicy,
        config: PollingConfig,
        clock: Clock,
        claims: SourceClaims,
        health: SourceHealth,
        *,
        stories: StoryIndex,
        write_lock: asyncio.Lock,
        max_age: timedelta | None,
        on_notice: Callable[[], None],
    ) -> None:
        self.sessions = sessions
        self.index = index
        self.access = access
        self.config = config
        self.clock = clock
        self.claims = claims
        self.health = health
        self.stories = stories
        self.max_age = max_age
        self.on_notice = on_notice
        self._commits: GroupCommit[PollRead, IngestResult | None] = GroupCommit(
            self.write_together,
            self._write_alone,
            lock=write_lock,
            max_batch=MAX_POLLS_PER_WRITE,
        )

    @property
    def waiting(self) -> int:
        """Polls read and waiting for the write lock."""
        return self._commits.waiting

    async def store(self, poll: PollRead) -> IngestResult | None:
        """Store a poll's result (None: not stored, the lease was taken over)."""
        return await self._commits.submit(poll)

    async def _write_alone(self, poll: PollRead) -> IngestResult | None:
        try:
            return (await self.write_together([poll]))[0]
        except CONSTRAINT_VIOLATIONS:
            # Another poller (another process) stored one of these URLs from another source
            # between our check and our insert; once more, that article is found stored.
            log.info("source %d: an article was stored elsewhere meanwhile; again", poll.source_id)
            return (await self.write_together([poll]))[0]

    async def write_together(self, polls: Sequence[PollRead]) -> list[IngestResult | None]:
        """Store these polls' results in one transaction, in order (a later poll's articles
        are checked against an earlier one's). The caller holds ``write_lock``."""
        recovered = False
        results: list[IngestResult | None] = []
        with self.stories.tentative():  # rolled back: the story index forgets them too
            async with self.sessions() as session, session.begin():
                sources = await SourceRepository(session).get_many_locked(
                    poll.source_id for poll in polls
                )
                # The URLs every poll's new entries could clash with, in one lookup.
                urls = await ArticleRepository(session).stored_urls(
                    {
                        url
                        for poll in polls
                        for url in entry_urls(poll.read.entries or (), poll.pages)
                    },
                )
                now = self.clock()
                settled: list[tuple[Source, PollRead]] = []
                for poll in polls:
                    source = sources.get(poll.source_id)
                    if source is None or not self.claims.may_settle(source, now):
                        results.append(None)
                        continue
                    results.append(await self._ingest(session, source, poll, now, urls))
                    settled.append((source, poll))
                # The sources' rows last: their updates go out together at the commit, not
                # one by one with each poll's queries (autoflush).
                for source, poll in settled:
                    recovered = await self._settle(session, source, poll, now) or recovered
        if recovered:
            self.on_notice()
        return results

    async def _ingest(
        self, session: AsyncSession, source: Source, poll: PollRead, now: datetime, urls: set[str]
    ) -> IngestResult:
        """Store one successful poll's new articles and queue their alerts. ``urls``: the
        stored URLs (``Known``), shared by the polls written in this transaction."""
        if poll.read.entries is None:
            return IngestResult(0, 0)
        return await ingest(
            session,
            source_id=source.id,
            entries=poll.read.entries,
            index=self.index,
            access=self.access,
            now=now,
            alert=poll.alert,
            max_age=self.max_age,
            pages=poll.pages,
            stories=self.stories,
            outlet=source.name,
            known=Known(poll.known, urls),
            matches=poll.matches,
        )

    async def _settle(
        self, session: AsyncSession, source: Source, poll: PollRead, now: datetime
    ) -> bool:
        """Record a successful poll on its source (its lease is ours or lapsed): lease,
        health, next poll. Whether a recovery notice was queued."""
        read = poll.read
        source.lease_owner = source.lease_until = None
        if poll.first:
            source.kind, source.selector = poll.kind, poll.selector
            source.full_text = default_full_text(poll.kind, self.config)
        source.feed_url = poll.poll_url
        recovered = await self.health.recovered(session, source, now)
        source.polled_ok(now, read.fetched.etag, read.fetched.last_modified)
        source.next_poll_at = next_poll_after_success(
            now,
            source.interval_seconds,
            self.config.max_backoff,
            max_age=read.fetched.max_age,
            ttl=read.ttl,
        )
        return recovered
