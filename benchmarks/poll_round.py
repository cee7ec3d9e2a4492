"""Polling rounds of 1,000 feeds through the real fetch → parse → store path.

    .venv/bin/python benchmarks/poll_round.py [--feeds 1000] [--concurrency 32]
        [--baseline-feeds 100] [--cold-feeds 100] [--driver poller|loop] [--timeout 5]

A child process serves the generated feeds (benchmarks/feed_farm.py: mixed sizes, gzip,
some 304, slow, failing with 500, hanging, truncated), each feed on its own host name.
The database is a fresh SQLite file with the real schema (migrations); the subscription
index is empty (every article is still matched against it).

- *steady round* (the measured one): the database already holds what an earlier round
  stored (every feed's previous version, ~27,000 articles, seeded directly), and each
  feed that answers 200 now has 2 new items on top; the others answer 304 (they send the
  stored ETag) or fail.  This is the round the bot runs every few minutes.
- *cold round* (``--cold-feeds``, on a fresh database): every item of every feed is new,
  the worst case for storing; on fewer feeds because it is slow.

Drivers:
- ``poller`` (default): the production ``bot.pipeline.poller.Poller`` — ``tick()`` starts
  every due source, ``wait_idle()`` waits for the round.  Sources are seeded as already
  polled once (so this is a regular poll, with conditional GET, not the first-poll baseline).
- ``loop``: a small loop of our own over ``Fetcher`` + ``parse_feed`` + ``ingest``, for when
  the Poller's API is in flux (it was being reworked while this benchmark was written).
- ``fetch``: the HTTP part only (``Fetcher.get`` for every source, bodies dropped), to see
  what fetching costs apart from parsing and storing.

Printed per round: wall time, articles stored and stored per second, failed feeds; and the
peak resident memory of this process (the server runs in another).  Baseline in the same
run: the steady round with concurrency 1 (one request at a time, the naive sequential
loop) on the first ``--baseline-feeds`` feeds, extrapolated to all feeds, as a ratio.
Target (issue 4): 1,000 feeds under 15 s and under 300 MB resident on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from sqlalchemy import func, insert, select

from benchmarks.feed_farm import FarmProcess, FarmResolver, FeedSpec, farm_specs, feed_items
from bot.access import AccessPolicy
from bot.alerts.index import SubscriptionIndex
from bot.alerts.ingest import ingest
from bot.alerts.stories import StoryIndex, title_key
from bot.clock import utc_now
from bot.config import PollingConfig
from bot.fetching import fetch_limits
from bot.matching.types import QueryLimits
from bot.sources.fetch import Fetcher, FetchError, create_session
from bot.sources.guard import AddressGuard
from bot.sources.parse import FeedParseError, parse_feed
from bot.sources.urls import canonical_url
from bot.storage.db import SessionFactory, create_engine, migrate, session_factory
from bot.storage.models import Article, Source


@dataclass(frozen=True, slots=True)
class RoundResult:
    name: str
    feeds: int
    seconds: float
    articles: int
    failed: int

    def line(self) -> str:
        rate = self.articles / self.seconds
        return (
            f"{self.name}: {self.seconds:6.2f} s for {self.feeds} feeds, {self.articles:6d} "
            f"articles stored ({rate:,.0f}/s), {self.failed} feeds failed"
        )


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def _seed_articles(sessions: SessionFactory, specs: list[FeedSpec]) -> int:
    """Store every feed's first version as an earlier round would have (same guid, URL and
    title key as ingest gives them), in bulk: the state a steady round starts from."""
    now = utc_now()
    rows: list[dict[str, object]] = []
    for source_id, spec in enumerate(specs, start=1):
        if spec.behaviour == "broken":
            continue
        for item in feed_items(spec, now, 0):
            rows.append(
                {
                    "source_id": source_id,
                    "guid": item.guid,
                    "url": canonical_url(item.link),
                    "title": item.title,
                    "summary": f"{item.first} {item.second}",
                    "published_at": item.published,
                    "fetched_at": now - timedelta(minutes=30),
                    "title_key": title_key(item.title),
                }
            )
    async with sessions() as session, session.begin():
        for start in range(0, len(rows), 5000):
            await session.execute(insert(Article), rows[start : start + 5000])
    return len(rows)


async def _seed(sessions: SessionFactory, specs: list[FeedSpec], port: int) -> None:
    now = utc_now()
    async with sessions() as session, session.begin():
        for spec in specs:
            url = f"http://{spec.host}:{port}/rss.xml"
            session.add(
                Source(
                    url=url,
                    feed_url=url,
                    name=f"Outlet {spec.index}",
                    interval_seconds=600,
                    etag=spec.etag,  # from the earlier poll
                    next_poll_at=now - timedelta(seconds=1),
                    last_success_at=now - timedelta(hours=1),
                    created_at=now - timedelta(days=1),
                    kind="feed",
                )
            )


async def _drive_poller(
    sessions: SessionFactory, fetcher: Fetcher, config: PollingConfig, access: AccessPolicy
) -> None:
    from bot.pipeline.poller import Poller  # imported here: only this driver needs it

    poller = Poller(sessions, fetcher, SubscriptionIndex(QueryLimits()), access, config, utc_now)
    await poller.tick()
    await poller.wait_idle()


async def _drive_loop(
    sessions: SessionFactory, fetcher: Fetcher, config: PollingConfig, access: AccessPolicy
) -> None:
    index = SubscriptionIndex(QueryLimits())
    stories = StoryIndex(timedelta(hours=config.story_window_hours))
    write_lock = asyncio.Lock()
    slots = asyncio.Semaphore(config.concurrency)
    async with sessions() as session:
        sources = list((await session.scalars(select(Source))).all())

    async def poll(source: Source) -> None:
        async with slots:
            try:
                fetched = await fetcher.get(source.feed_url, etag=source.etag)
                feed = None
                if not fetched.not_modified:
                    feed = await asyncio.to_thread(
                        parse_feed, fetched.body, base_url=fetched.url, charset=fetched.charset
                    )
            except (FetchError, FeedParseError) as exc:
                async with write_lock, sessions() as session, session.begin():
                    row = await session.get(Source, source.id)
                    assert row is not None
                    row.error_count += 1
                    row.last_error = str(exc)
                return
            async with write_lock, sessions() as session, session.begin():
                now = utc_now()
                if feed is not None:
                    await ingest(
                        session,
                        source_id=source.id,
                        entries=feed.entries,
                        index=index,
                        access=access,
                        now=now,
                        alert=True,
                        max_age=timedelta(hours=config.max_article_age_hours),
                        stories=stories,
                        outlet=source.name,
                    )
                row = await session.get(Source, source.id)
                assert row is not None
                row.polled_ok(now, fetched.etag, fetched.last_modified)

    await asyncio.gather(*(poll(source) for source in sources))


async def _counts(sessions: SessionFactory) -> tuple[int, int]:
    async with sessions() as session:
        articles = await session.scalar(select(func.count()).select_from(Article)) or 0
        failed = (
            await session.scalar(
                select(func.count())
                .select_from(Source)
                .where(Source.last_error.is_not(None), Source.error_count > 0)
            )
            or 0
        )
    return articles, failed


async def _drive_fetch_only(
    sessions: SessionFactory, fetcher: Fetcher, config: PollingConfig, access: AccessPolicy
) -> None:
    """Only the HTTP part (conditional GET, limits, decompression), bodies dropped: what
    the fetch layer costs on its own."""
    async with sessions() as session:
        sources = list((await session.scalars(select(Source))).all())

    async def one(source: Source) -> None:
        with contextlib.suppress(FetchError):
            await fetcher.get(source.feed_url, etag=source.etag)

    await asyncio.gather(*(one(source) for source in sources))


_DRIVERS = {"poller": _drive_poller, "loop": _drive_loop, "fetch": _drive_fetch_only}


async def run_round(
    name: str,
    specs: list[FeedSpec],
    port: int,
    *,
    concurrency: int,
    timeout: float,  # noqa: ASYNC109 - the fetcher's per-request limit
    driver: str,
    steady: bool,
) -> RoundResult:
    """One round on a fresh database (seeded with the earlier round when ``steady``)."""
    config = PollingConfig(
        concurrency=concurrency,
        fetch_timeout=timeout,
        connect_timeout=min(timeout, 10),
        per_host_concurrency=2,
    )
    limits = fetch_limits(config)
    # The production guard stays on; only the farm's own address is let through.
    guard = AddressGuard(allow=frozenset({("127.0.0.1", port)}))
    access = AccessPolicy(mode="open", admins=frozenset(), allowed=frozenset())
    with tempfile.TemporaryDirectory(prefix="rasd-bench-") as tmp:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp}/bench.sqlite3")
        await migrate(engine)
        sessions = session_factory(engine)
        await _seed(sessions, specs, port)
        seeded = await _seed_articles(sessions, specs) if steady else 0
        async with create_session(limits, guard=guard, resolver=FarmResolver()) as http:
            fetcher = Fetcher(http, limits)
            drive = _DRIVERS[driver]
            started = time.perf_counter()
            await drive(sessions, fetcher, config, access)
            seconds = time.perf_counter() - started
        articles, failed = await _counts(sessions)
        await engine.dispose()
    return RoundResult(name, len(specs), seconds, articles - seeded, failed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--timeout", type=float, default=5.0, help="per request, seconds")
    parser.add_argument("--baseline-feeds", type=int, default=100)
    parser.add_argument("--cold-feeds", type=int, default=100, help="0: no cold round")
    parser.add_argument("--driver", choices=sorted(_DRIVERS), default="poller")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # failing feeds would log a line each

    specs = farm_specs(args.feeds)
    mix: dict[str, int] = {}
    for spec in specs:
        mix[spec.behaviour] = mix.get(spec.behaviour, 0) + 1
    print(f"farm: {args.feeds} feeds, {' '.join(f'{k}={v}' for k, v in sorted(mix.items()))}")
    print(
        f"driver: {args.driver}, cores: {os.cpu_count()}, timeout {args.timeout:g}s, "
        f"concurrency {args.concurrency}"
    )
    before = _rss_mb()
    with FarmProcess(args.feeds, first_version=1) as port:
        steady = asyncio.run(
            run_round(
                "steady round",
                specs,
                port,
                concurrency=args.concurrency,
                steady=True,
                timeout=args.timeout,
                driver=args.driver,
            )
        )
        peak = _rss_mb()
        print("  " + steady.line())
        print(f"peak RSS: {peak:.0f} MB (before the round: {before:.0f} MB)")
        base = asyncio.run(
            run_round(
                "baseline",
                specs[: args.baseline_feeds],
                port,
                concurrency=1,
                steady=True,
                timeout=args.timeout,
                driver=args.driver,
            )
        )
    projected = base.seconds / base.feeds * steady.feeds
    print(
        f"  {base.line()} (concurrency 1); projected for {steady.feeds} feeds "
        f"{projected:.0f} s: {projected / steady.seconds:.1f}x the steady round's time"
    )
    if args.feeds >= 1000:
        verdict = "meets" if steady.seconds < 15 and peak < 300 else "misses"
        print(f"target (1,000 feeds < 15 s, < 300 MB): {verdict}")
    if args.cold_feeds:
        with FarmProcess(args.cold_feeds) as port:
            cold = asyncio.run(
                run_round(
                    "cold round",
                    specs[: args.cold_feeds],
                    port,
                    concurrency=args.concurrency,
                    steady=False,
                    timeout=args.timeout,
                    driver=args.driver,
                )
            )
        print(f"  {cold.line()} (every item new, empty database)")


if __name__ == "__main__":
    main()
