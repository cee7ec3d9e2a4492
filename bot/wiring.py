"""The article pipeline as the application wires it, for ``bot.app.build_app`` and the
tests alike: the poller and the source service (``/addsource``, ``/selector``, OPML) share
one story index, one write lock (two writers storing the same article would collide) and
one parse pool, and act on the process's ``Topology``. Tests build it through this function,
so they run what production runs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta, tzinfo

from bot.access import AccessPolicy
from bot.alerts.index import SubscriptionIndex
from bot.alerts.stories import StoryIndex
from bot.clock import Clock
from bot.config import PollingConfig
from bot.metrics import Metrics
from bot.pipeline.poller import Poller
from bot.services.sources import SourceService
from bot.sources.fetch import Fetcher
from bot.sources.parse_pool import ParsePool
from bot.storage.db import SessionFactory
from bot.topology import Topology


@dataclass(frozen=True, slots=True)
class Pipeline:
    poller: Poller
    sources: SourceService
    stories: StoryIndex


def build_pipeline(
    sessions: SessionFactory,
    fetcher: Fetcher,
    index: SubscriptionIndex,
    access: AccessPolicy,
    config: PollingConfig,
    clock: Clock,
    *,
    topology: Topology,
    parsers: ParsePool,
    admins: Sequence[int],
    language: str,
    zone: tzinfo,
    worker_id: str,
    lease: timedelta,
    metrics: Metrics | None,
    on_alerts: Callable[[], None],
    alert_everything_new: bool,
) -> Pipeline:
    """``alert_everything_new``: a dry run alerts a source's first poll and stale articles
    too. ``on_alerts``: called when a poll queued alerts (the application wakes delivery)."""
    # Sharing PostgreSQL, the story index catches up with other pollers' articles first.
    stories = StoryIndex(timedelta(hours=config.story_window_hours), topology)
    write_lock = asyncio.Lock()
    sources = SourceService(
        sessions,
        fetcher,
        index,
        access,
        config,
        clock,
        parsers=parsers,
        stories=stories,
        write_lock=write_lock,
        zone=zone,
    )
    poller = Poller(
        sessions,
        fetcher,
        index,
        access,
        config,
        clock,
        admins=admins,
        language=language,
        zone=zone,
        stories=stories,
        write_lock=write_lock,
        on_alerts=on_alerts,
        alert_everything_new=alert_everything_new,
        worker_id=worker_id,
        lease=lease,
        claim_limit=topology.claim_limit(config.concurrency),
        metrics=metrics,
        parsers=parsers,
    )
    return Pipeline(poller, sources, stories)
