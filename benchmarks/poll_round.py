"""Polling rounds of 1,000 feeds through the real fetch → parse → store path.

    .venv/bin/python benchmarks/poll_round.py [--feeds 1000] [--concurrency 32]
        [--baseline-feeds 100] [--cold-feeds 100] [--driver poller|fetch] [--timeout 5]

A child process serves the generated feeds (benchmarks/feed_farm.py: mixed sizes, gzip,
some 304, slow, failing with 500, hanging, truncated), each feed on its own host name.
The database is a fresh SQLite file with the real schema (migrations); the subscription
index is empty (every article is still matched against it).

- *steady round* (the measured one): the database already holds what an earlier round
  stored (every feed's previous version, about 36,000 articles, written by a child
  process: `benchmarks.poll_seed`), and each feed that answers 200 now has 2 new items on
  top; the others answer 304 (they send the stored ETag) or fail.  This is the round the
  bot runs every few minutes.
- *cold round* (``--cold-feeds``, on a fresh database): every item of every feed is new,
  the worst case for storing; on fewer feeds because it is slow.

Drivers:
- ``poller`` (default): the production ``bot.pipeline.poller.Poller`` — ``tick()`` starts
  every due source, ``wait_idle()`` waits for the round.  Sources are seeded as already
  polled once (so this is a regular poll, with conditional GET, not the first-poll baseline).
- ``fetch``: the HTTP part only (``Fetcher.get`` for every source, bodies dropped), to see
  what fetching costs apart from parsing and storing.

Printed per round: wall time, articles stored and stored per second, failed feeds; and the
peak resident memory of this process (the server runs in another, the seeding in a third:
this process does what the bot does, no more).  Baseline in the same run: the steady
round with concurrency 1 (one request at a time, the naive sequential loop) on
``--baseline-feeds`` feeds sampled with every kind of feed in proportion
(:func:`benchmarks.feed_farm.proportional_sample`; the first 100 carried more scripted
delay than the average), extrapolated to all feeds, as a ratio.
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
from datetime import UTC, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from sqlalchemy import func, select

from benchmarks.feed_farm import (
    FarmProcess,
    FarmResolver,
    FeedSpec,
    describe_sample,
    farm_specs,
    proportional_sample,
)
from benchmarks.poll_seed import seed_in_child
from bot.access import AccessPolicy
from bot.alerts.index import SubscriptionIndex
from bot.alerts.stories import StoryIndex
from bot.clock import utc_now
from bot.config import PollingConfig
from bot.fetching import fetch_limits
from bot.matching.types import QueryLimits
from bot.sources.fetch import Fetcher
from bot.sources.fetch_errors import FetchError
from bot.sources.guard import AddressGuard
from bot.sources.http_session import create_session
from bot.sources.parse_pool import ParsePool
from bot.storage.db import SessionFactory, create_engine, session_factory
from bot.storage.models import Article, Source
from bot.topology import Topology


@dataclass(frozen=True, slots=True)
class RoundResult:
    name: str
    feeds: int
    seconds: float
    articles: int
    failed: int
    prepared: str = ""  # what was loaded before the round (not timed)
    prepare_seconds: float = 0.0
    main_cpu: float = 0.0  # CPU seconds of the event loop's thread during the round
    process_cpu: float = 0.0  # of this whole process (its other threads too)
    worker_cpu: float = 0.0  # of the parse workers
    worker_peak: float = 0.0  # MB: the parse workers' peak resident memory, summed

    def line(self) -> str:
        rate = self.articles / self.seconds
        return (
            f"{self.name}: {self.seconds:6.2f} s for {self.feeds} feeds, {self.articles:6d} "
            f"articles stored ({rate:,.0f}/s), {self.failed} feeds failed"
        )

    def lines(self) -> list[str]:
        return [
            self.line(),
            f"  before it, once at start (not timed): {self.prepared} "
            f"in {self.prepare_seconds:.2f} s",
            f"  CPU during the round: {self.main_cpu:.1f} s event-loop thread, "
            f"{self.process_cpu:.1f} s whole process, {self.worker_cpu:.1f} s parse workers",
        ]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Driver:
    """One way of running a round: ``prepare`` (not timed) then ``run`` (timed)."""

    def __init__(
        self,
        sessions: SessionFactory,
        fetcher: Fetcher,
        config: PollingConfig,
        access: AccessPolicy,
        parsers: ParsePool,
    ) -> None:
        self.sessions, self.fetcher, self.config = sessions, fetcher, config
        self.access, self.parsers = access, parsers
        self.index = SubscriptionIndex(QueryLimits())
        self.stories = StoryIndex(timedelta(hours=config.story_window_hours), Topology.ALONE)

    async def prepare(self) -> str:
        """What the bot does once at start; says what it loaded."""
        return ""

    async def run(self) -> None:
        raise NotImplementedError


class PollerDriver(Driver):
    """The production ``Poller``: ``prepare()`` as the app calls it at start, then
    ``tick()`` starts every due source and ``wait_idle()`` waits for the round."""

    async def prepare(self) -> str:
        from bot.pipeline.poller import Poller  # imported here: only this driver needs it

        self.poller = Poller(
            self.sessions,
            self.fetcher,
            self.index,
            self.access,
            self.config,
            utc_now,
            admins=(),
            language="en",
            zone=UTC,
            stories=self.stories,
            write_lock=asyncio.Lock(),
            on_alerts=lambda: None,
            alert_everything_new=False,
            worker_id="benchmark",
            lease=timedelta(seconds=60),
            claim_limit=None,  # alone on its database, as on SQLite
            parsers=self.parsers,
            metrics=None,
        )
        loaded = await self.poller.prepare()
        return f"story index {loaded:,} articles"

    async def run(self) -> None:
        await self.poller.tick()
        await self.poller.wait_idle()


class FetchDriver(Driver):
    """Only the HTTP part (conditional GET, limits, decompression), bodies dropped: what
    the fetch layer costs on its own."""

    async def run(self) -> None:
        async with self.sessions() as session:
            sources = list((await session.scalars(select(Source))).all())

        async def one(source: Source) -> None:
            with contextlib.suppress(FetchError):
                await self.fetcher.get(source.feed_url, etag=source.etag)

        await asyncio.gather(*(one(source) for source in sources))


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


_DRIVERS: dict[str, type[Driver]] = {
    "poller": PollerDriver,
    "fetch": FetchDriver,
}


def _children() -> set[int]:
    """This process's child processes (the farm, parse workers)."""
    me, found = os.getpid(), set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = Path(entry.path, "stat").read_text()
                if int(stat.rpartition(")")[2].split()[1]) == me:
                    found.add(int(entry.name))
    return found


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_mb(pid: int) -> float:
    """A process's peak resident memory (VmHWM) so far."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def run_round(
    name: str,
    specs: list[FeedSpec],
    port: int,
    *,
    concurrency: int,
    timeout: float,  # noqa: ASYNC109 - the fetcher's per-request limit
    driver: str,
    steady: bool,
    parse_workers: int,
) -> RoundResult:
    """One round on a fresh database (seeded with the earlier round when ``steady``)."""
    config = PollingConfig(
        concurrency=concurrency,
        fetch_timeout=timeout,
        connect_timeout=min(timeout, 10),
        per_host_concurrency=2,
        parse_workers=parse_workers,
    )
    limits = fetch_limits(config)
    # The production guard stays on; only the farm's own address is let through.
    guard = AddressGuard(allow=frozenset({("127.0.0.1", port)}))
    access = AccessPolicy(mode="open", admins=frozenset(), allowed=frozenset())
    with tempfile.TemporaryDirectory(prefix="rasd-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        seeded = await seed_in_child(url, specs, port, steady)  # not in this process's peak
        engine = create_engine(url)
        sessions = session_factory(engine)
        others = _children()
        parsers = ParsePool(config.parse_workers, config.parse_timeout)
        try:
            async with create_session(limits, guard=guard, resolver=FarmResolver()) as http:
                fetcher = Fetcher(http, limits)
                drive = _DRIVERS[driver](sessions, fetcher, config, access, parsers)
                # What the bot does once when it starts, before its first round.
                started = time.perf_counter()
                prepared = []
                if driver != "fetch":
                    await parsers.start()
                    prepared.append(f"{config.parse_workers} parse worker(s) started")
                prepared.append(await drive.prepare())
                prepare = time.perf_counter() - started
                workers = sorted(_children() - others)
                worker_cpu = [_cpu_seconds(pid) for pid in workers]
                main_cpu, process_cpu = time.thread_time(), time.process_time()
                started = time.perf_counter()
                await drive.run()
                seconds = time.perf_counter() - started
                main_cpu = time.thread_time() - main_cpu
                process_cpu = time.process_time() - process_cpu
                worker_cpu = [_cpu_seconds(p) - c for p, c in zip(workers, worker_cpu, strict=True)]
                worker_peak = [_peak_mb(pid) for pid in workers]
        finally:
            await parsers.close()
        articles, failed = await _counts(sessions)
        await engine.dispose()
    return RoundResult(
        name,
        len(specs),
        seconds,
        articles - seeded,
        failed,
        prepared=", ".join(p for p in prepared if p),
        prepare_seconds=prepare,
        main_cpu=main_cpu,
        process_cpu=process_cpu,
        worker_cpu=sum(worker_cpu),
        worker_peak=sum(worker_peak),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--timeout", type=float, default=5.0, help="per request, seconds")
    parser.add_argument("--baseline-feeds", type=int, default=100, help="0: no baseline")
    parser.add_argument("--cold-feeds", type=int, default=100, help="0: no cold round")
    parser.add_argument("--driver", choices=sorted(_DRIVERS), default="poller")
    parser.add_argument(
        "--parse-workers",
        type=int,
        default=PollingConfig().parse_workers,
        help="parse worker processes (polling.parse_workers; 0 is read as 1)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # failing feeds would log a line each

    specs = farm_specs(args.feeds)
    mix: dict[str, int] = {}
    for spec in specs:
        mix[spec.behaviour] = mix.get(spec.behaviour, 0) + 1
    print(f"farm: {args.feeds} feeds, {' '.join(f'{k}={v}' for k, v in sorted(mix.items()))}")
    print(
        f"driver: {args.driver}, cores: {os.cpu_count()}, timeout {args.timeout:g}s, "
        f"concurrency {args.concurrency}, parse workers {args.parse_workers}"
    )
    before = _rss_mb()
    common = {
        "timeout": args.timeout,
        "driver": args.driver,
        "parse_workers": args.parse_workers,
    }
    with FarmProcess(args.feeds, first_version=1) as port:
        steady = asyncio.run(
            run_round(
                "steady round", specs, port, concurrency=args.concurrency, steady=True, **common
            )
        )
        peak = _rss_mb()
        for line in steady.lines():
            print("  " + line)
        together = peak + steady.worker_peak
        print(
            f"peak RSS: {peak:.0f} MB this process (before the rounds: {before:.0f} MB), "
            f"{steady.worker_peak:.0f} MB parse workers: {together:.0f} MB together"
        )
        if args.baseline_feeds:
            sample = proportional_sample(specs, args.baseline_feeds)
            print(f"baseline sample: {describe_sample(sample, specs, args.timeout)}")
            base = asyncio.run(
                run_round(
                    "baseline",
                    sample,
                    port,
                    concurrency=1,
                    steady=True,
                    **common,
                )
            )
            projected = base.seconds / base.feeds * steady.feeds
            print(
                f"  {base.line()} (concurrency 1); projected for {steady.feeds} feeds "
                f"{projected:.0f} s: {projected / steady.seconds:.1f}x the steady round's time"
            )
    if args.feeds >= 1000:
        verdict = "meets" if steady.seconds < 15 and together < 300 else "misses"
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
                    **common,
                )
            )
        print(f"  {cold.line()} (every item new, empty database)")


if __name__ == "__main__":
    main()
