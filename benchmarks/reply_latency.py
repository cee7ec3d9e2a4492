"""Reply latency to commands while alerts drain and feeds are polled, against a fake Bot API
that enforces Telegram's limits (30/s overall, 1/s per private chat, 20/min per group).

    .venv/bin/python benchmarks/reply_latency.py [--postgres URL]   # two runs, 3-8 min
    .venv/bin/python benchmarks/reply_latency.py --alerts 1000 --chats 300 --feeds 100 \\
        --seconds 20                                        # quicker, same shape

The real application (``build_app``, long polling, the dispatcher's handlers, the Deliverer,
the Poller) runs in this process on a fresh SQLite database (or, with ``--postgres`` or
``RASD_BENCH_POSTGRES_URL``, a fresh database created on that server and dropped after)
holding ``--alerts`` queued alerts over ``--chats`` chats (10 % groups) and ``--feeds``
sources served by benchmarks/feed_farm.py in a child process (polled every 30 s, the first
round finding new items, as in poll_round.py's steady round). Once the alerts flow,
people send commands (``/help``, ``/list``, ``/subscribe …`` in turn), ``--rate`` per
second for ``--seconds``, each from a different private chat: half of them chats that are
being sent alerts, half new users; then ``--burst`` new users send ``/help`` at the same
moment (a crowd: its replies alone take a few seconds at Telegram's 30/s). A command's
latency runs from the moment its update is queued at the fake to the moment the fake
accepts its reply (not an alert), so it includes long polling.

Two runs, each from scratch: ``paced``, the application as it is (every reply through the
Outbound, before queued alerts), and ``bypass``, the baseline, where requests made by
handlers go straight to the Bot API (the Deliverer's alerts stay paced). Printed per run:
commands answered, reply latency p50 / p99 / max (in all, the share spent waiting for a
send slot, and per command), how late the event loop woke, 429s the server gave (to replies
and to alerts), alerts sent during the run and per second (compare the rates: a command left
unanswered keeps a run waiting ``--grace`` seconds more, while alerts flow at full speed),
and alerts still queued at the end (so the alerts were draining the whole time). Target
(issue 11): p99 under 1 s, every command answered, zero 429s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import create_async_engine

import bot.app
import bot.telegram.outbound as outbound_module
from benchmarks.feed_farm import FarmProcess, FarmResolver, farm_specs
from benchmarks.poll_round import _seed, _seed_articles
from bot.app import build_app
from bot.clock import utc_now
from bot.config import load_settings
from bot.sources.http_session import create_session
from bot.storage.db import create_engine, migrate, session_factory
from bot.storage.models import Article, Chat, OutboxItem, Source, Subscription
from tests.support.fakes.telegram_api import FakeTelegram, Limits, SentMessage

TOKEN = "123456:BENCHMARK-token"
NEW_USERS = 900_000
COMMANDS = ("/help", "/list", "/subscribe Rabat{n}")


@dataclass
class Result:
    name: str
    commands: int
    latencies: list[float]
    slot_waits: list[float]
    by_command: dict[str, list[float]]
    reply_429: int
    alert_429: int
    alerts_sent: int
    run_seconds: float
    alerts_left: int
    burst: int
    burst_latencies: list[float]
    burst_429: int
    loop_lags: list[float]

    def lines(self) -> list[str]:
        answered = len(self.latencies)
        out = [f"{self.name}: {answered} of {self.commands} commands answered"]
        if self.latencies:
            out.append(f"  reply latency: {_figures(self.latencies)}")
        if self.slot_waits:
            out.append(
                f"  of which waiting for a send slot (the Outbound): {_figures(self.slot_waits)}"
            )
        if self.loop_lags:
            out.append(
                f"  the event loop late to wake (every 50 ms, all run): {_figures(self.loop_lags)}"
            )
        for command, latencies in self.by_command.items():
            out.append(f"    {command}: {len(latencies)} answered, {_figures(latencies)}")
        out.append(
            f"  429s from the server: {self.reply_429} to replies, {self.alert_429} to alerts"
        )
        out.append(
            f"  then {self.burst} new users at once (/help): {len(self.burst_latencies)} "
            f"answered, {_figures(self.burst_latencies)}; {self.burst_429} 429s to them"
        )
        out.append(
            f"  alerts sent during the run: {self.alerts_sent} in {self.run_seconds:.0f} s "
            f"({self.alerts_sent / max(self.run_seconds, 1e-9):.1f}/s); still queued at the end: "
            f"{self.alerts_left}"
        )
        return out


def _figures(latencies: list[float]) -> str:
    if not latencies:
        return "-"
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):.2f} s, p99 {p99:.2f} s, max {ordered[-1]:.2f} s"


def _chat_ids(chats: int) -> list[int]:
    groups = chats // 10
    return [-(1_000_000 + n) for n in range(groups)] + [10_000 + n for n in range(chats - groups)]


async def seed(url: str, args: argparse.Namespace, port: int) -> None:
    """Feeds first (sources 1..feeds, their earlier round stored), then the alerts' source,
    chats, subscriptions, articles and queued alerts."""
    engine = create_engine(url)
    await migrate(engine)
    sessions = session_factory(engine)
    specs = farm_specs(args.feeds)
    await _seed(sessions, specs, port)
    await _seed_articles(sessions, specs)
    now = utc_now()
    chat_ids = _chat_ids(args.chats)
    per_chat = -(-args.alerts // len(chat_ids))
    async with engine.begin() as connection:
        await connection.execute(update(Source).values(interval_seconds=30))
        source_id = args.feeds + 1
        await connection.execute(
            insert(Source),
            [
                {
                    "id": source_id,
                    "url": "https://news.example.ma/",
                    "feed_url": "https://news.example.ma/rss",
                    "name": "Bench",
                    "interval_seconds": 86_400,
                    "next_poll_at": now + timedelta(days=1),
                    "created_at": now,
                }
            ],
        )
        await connection.execute(
            insert(Chat),
            [
                {
                    "id": chat_id,
                    "title": "",
                    "language": "en",
                    "created_at": now,
                    "kind": "supergroup" if chat_id < 0 else "private",
                }
                for chat_id in chat_ids
            ],
        )
        subscriptions = await connection.execute(
            insert(Subscription).returning(Subscription.id),
            [{"chat_id": c, "query": "Akhannouch", "created_at": now} for c in chat_ids],
        )
        subscription_ids = list(subscriptions.scalars())
        articles = await connection.execute(
            insert(Article).returning(Article.id),
            [
                {
                    "source_id": source_id,
                    "guid": f"bench-{n}",
                    "url": f"https://news.example.ma/{n}",
                    "title": f"Akhannouch, big story part {n}",
                    "summary": "Aziz Akhannouch announced a plan. Details follow.",
                    "published_at": now,
                    "fetched_at": now,
                }
                for n in range(per_chat)
            ],
        )
        article_ids = list(articles.scalars())
        rows = [
            {
                "chat_id": chat_id,
                "article_id": article_id,
                "subscription_ids": [subscription_id],
                "spans": [["title", 0, 10]],
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for article_id in article_ids
            for chat_id, subscription_id in zip(chat_ids, subscription_ids, strict=True)
        ][: args.alerts]
        for start in range(0, len(rows), 5000):
            await connection.execute(insert(OutboxItem), rows[start : start + 5000])
    await engine.dispose()


def _is_alert(message: SentMessage) -> bool:
    markup = message.reply_markup or {}
    return any(
        str(button.get("callback_data", "")).startswith("mute:")
        for row in markup.get("inline_keyboard", [])
        for button in row
    )


SLOT_WAITS: list[float] = []


def _time_reply_slots() -> None:
    """Record how long each reply waits for its send slot (the pacer's share of latency)."""
    acquire = outbound_module.Outbound._acquire

    async def timed(self: Any, chat_id: Any, group: bool, priority: Any) -> None:
        started = time.monotonic()
        await acquire(self, chat_id, group, priority)
        if priority is outbound_module.Priority.REPLY:
            SLOT_WAITS.append(time.monotonic() - started)

    outbound_module.Outbound._acquire = timed  # type: ignore[method-assign]


def _bypass_replies() -> None:
    """The baseline: a request made outside the Deliverer's slots (a handler's) goes
    straight to the Bot API."""
    paced = outbound_module.Outbound.request

    async def request(self: Any, make_request: Any, bot_: Any, method: Any) -> Any:
        if outbound_module._PACED.get():
            return await paced(self, make_request, bot_, method)
        return await make_request(bot_, method)

    outbound_module.Outbound.request = request  # type: ignore[method-assign]


@contextlib.asynccontextmanager
async def database(args: argparse.Namespace) -> AsyncIterator[str]:
    """A fresh SQLite file, or a fresh database on the ``--postgres`` server."""
    if not args.postgres:
        scratch = Path(tempfile.mkdtemp(prefix="rasd-replies-"))
        yield f"sqlite+aiosqlite:///{scratch / 'replies.sqlite3'}"
        return
    name = f"rasd_replies_{secrets.token_hex(4)}"
    server = create_async_engine(args.postgres, isolation_level="AUTOCOMMIT")
    async with server.connect() as connection:
        await connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield args.postgres.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with server.connect() as connection:
            await connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        await server.dispose()


async def one_run(name: str, args: argparse.Namespace) -> Result:
    SLOT_WAITS.clear()
    async with database(args) as url:
        return await _one_run(name, args, url)


async def _one_run(name: str, args: argparse.Namespace, url: str) -> Result:
    with FarmProcess(args.feeds, first_version=1) as port:
        await seed(url, args, port)
        async with FakeTelegram(TOKEN) as telegram:
            telegram.enforce_limits(Limits())
            settings = load_settings(
                None,
                telegram={"token": TOKEN, "api_base": telegram.base_url, "polling_timeout": 10},
                database={"url": url},
                language="en",
                polling={
                    "min_interval": 30,
                    "default_interval": 30,
                    "tick": 1,
                    "fetch_timeout": 5,
                    "allow_private_addresses": True,
                },
                delivery={"tick": 1},
            )
            app = await build_app(settings)
            await app.start()
            try:
                return await _measure(name, args, app, telegram, url)
            finally:
                await app.stop()


async def _lag_probe(lags: list[float]) -> None:
    """How late the event loop wakes a 50 ms sleep: time it spends on one piece of work
    (the fake Bot API shares this loop, as the application does)."""
    while True:
        start = time.monotonic()
        await asyncio.sleep(0.05)
        lags.append(time.monotonic() - start - 0.05)


async def _measure(
    name: str, args: argparse.Namespace, app: bot.app.App, telegram: FakeTelegram, url: str
) -> Result:
    await telegram.wait_for_messages(50, predicate=_is_alert, timeout=120)  # alerts flow
    lags: list[float] = []
    probe = asyncio.create_task(_lag_probe(lags))
    try:
        return await _measure_commands(name, args, app, telegram, lags)
    finally:
        probe.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await probe


async def _measure_commands(
    name: str,
    args: argparse.Namespace,
    app: bot.app.App,
    telegram: FakeTelegram,
    lags: list[float],
) -> Result:
    alerts_before = sum(_is_alert(m) for m in telegram.sent)
    run_started = time.monotonic()
    private = [c for c in _chat_ids(args.chats) if c > 0]
    total = int(args.rate * args.seconds)
    queued: dict[int, float] = {}
    command_of: dict[int, str] = {}
    for n in range(total):
        user = private[n // 2 % len(private)] if n % 2 == 0 else NEW_USERS + n
        command = COMMANDS[n % len(COMMANDS)]
        telegram.add_message(command.format(n=n), user_id=user)
        queued[user] = time.monotonic()
        command_of[user] = command.split()[0] + (" (alerted chat)" if n % 2 == 0 else "")
        await asyncio.sleep(1 / args.rate)  # the pace of the people, not a wait for an event

    first = await _replies(telegram, queued, args.grace)
    latencies = list(first.values())
    steady_429 = sum(chat in queued for _, chat, _ in telegram.too_many)
    slot_waits = list(SLOT_WAITS)
    # Then a crowd: --burst new users send /help at the same moment.
    crowd = {NEW_USERS + total + k: time.monotonic() for k in range(args.burst)}
    for user in crowd:
        telegram.add_message("/help", user_id=user)
    burst = await _replies(telegram, crowd, args.grace)
    by_command: dict[str, list[float]] = {}
    for user, command in sorted(command_of.items(), key=lambda item: item[1]):
        by_command.setdefault(command, [])
        if user in first:
            by_command[command].append(first[user])
    burst_429 = sum(chat in crowd for _, chat, _ in telegram.too_many)
    alerts_sent = sum(_is_alert(m) for m in telegram.sent) - alerts_before
    run_seconds = time.monotonic() - run_started
    async with app.sessions() as session:
        left = await session.scalar(
            select(func.count()).where(OutboxItem.status.in_(("pending", "sending")))
        )
    return Result(
        name,
        total,
        latencies,
        slot_waits,
        by_command,
        steady_429,
        len(telegram.too_many) - steady_429 - burst_429,
        alerts_sent,
        run_seconds,
        int(left or 0),
        args.burst,
        list(burst.values()),
        burst_429,
        list(lags),
    )


async def _replies(
    telegram: FakeTelegram, queued: dict[int, float], grace: float
) -> dict[int, float]:
    """Wait (at most ``grace`` s) for a reply in every chat of ``queued`` (chat: when its
    command was queued); return each reply's latency."""
    first: dict[int, float] = {}
    seen = 0

    def answered() -> bool:
        nonlocal seen
        for message in telegram.sent[seen:]:
            at = queued.get(message.chat_id)
            if at is not None and message.at >= at and not _is_alert(message):
                first.setdefault(message.chat_id, message.at - at)
        seen = len(telegram.sent)
        return len(first) >= len(queued)

    with contextlib.suppress(TimeoutError):  # unanswered commands are counted as such
        await telegram._wait(answered, grace)
    return first


async def run(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.CRITICAL)
    # The farm's host names resolve to the farm (as in poll_round.py).
    bot.app.create_session = functools.partial(  # type: ignore[attr-defined]
        create_session, resolver=FarmResolver()
    )
    _time_reply_slots()
    results = [await one_run("paced", args)]
    _bypass_replies()
    results.append(await one_run("bypass (baseline: replies straight to the Bot API)", args))
    print(
        f"{args.alerts} alerts queued for {args.chats} chats, {args.feeds} feeds polled "
        f"every 30 s; {args.rate:g} commands/s for {args.seconds:g} s, then {args.burst} "
        f"at once; "
        f"database: {'PostgreSQL' if args.postgres else 'SQLite'}"
    )
    for result in results:
        print("\n".join(result.lines()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=5000)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=2.0, help="commands per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--burst", type=int, default=100, help="users commanding at once, after")
    parser.add_argument("--grace", type=float, default=20.0, help="seconds to wait for replies")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("RASD_BENCH_POSTGRES_URL", ""),
        help="a PostgreSQL server URL where a fresh database may be created (else SQLite)",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
