"""1 vs 2 vs 4 poller and deliverer processes on one PostgreSQL: polling and delivery
throughput per configuration.

    .venv/bin/python benchmarks/cluster.py [--feeds 5000] [--alerts 20000] [--chats 4000]
        [--processes 1,2,4] [--concurrency 8] [--parse-workers 0]
        [--database-url postgresql+asyncpg://USER@HOST:PORT/postgres] [--logs DIR]

Run one benchmark at a time on a small machine (``flock /tmp/bench.lock .venv/bin/python
benchmarks/cluster.py``): they measure CPU-bound work and would slow each other down. The
defaults take about 25 minutes on 2 cores (7-10 minutes per configuration).

PostgreSQL: ``--database-url`` (or ``RASD_BENCH_POSTGRES_URL``) names a server where the
benchmark may create and drop databases; without either it starts a throwaway PostgreSQL
cluster of its own (``fsync=off``, as .ci/run does) and removes it at the end. Each
configuration gets a fresh database, migrated with the real migrations.

For N in ``--processes``: N ``python -m bot run --role poller`` and N ``--role deliverer``
processes (the real application, in parallel, with a generated config). Start-up (7-15 s
per process, mostly imports) is not timed: the clock starts once all 2N processes have
written their row in ``workers``. Then two phases, one after the other, so each figure is
one kind of work alone:

1. **Polling.** ``--feeds`` sources, seeded as already polled once (a regular poll, not the
   first-poll baseline), served by a local HTTP server in a child process
   (``http://127.0.0.1:PORT/feed/N``, 3 small RSS items per answer, every answer's items
   new). All are made due at once; the phase ends when every source has a successful poll
   after that moment (a COUNT every 0.2 s from this process). The deliverers idle meanwhile
   (nothing due in the outbox). The subscription index holds the delivery phase's
   ``--chats`` subscriptions; no feed item matches them.
2. **Delivery.** ``--alerts`` outbox rows (kind ``alert``, ``pending``), seeded beforehand
   over ``--chats`` private chats, are made due at once; the phase ends when every row is
   ``sent``. The pollers idle meanwhile (no source due).

The generated config sets ``polling.parse_workers`` (``--parse-workers``, default 0, which
the application reads as 1: every parse runs in a worker process, with a time budget), so
each poller has one parse process of its own. Titles are drawn from 15 words, so the story
index (near-duplicate titles) and the matcher do real work.

The Bot API is tests/support/fakes/telegram_api.py's FakeTelegram in a child process, **with its
limits off**, and the bot's ``delivery.messages_per_second`` raised to 2,000 with
``per_chat_interval = 0``: this measures the deliverers' own headroom (claiming, leases,
rendering, requests, settling), not Telegram. With Telegram's real limits the bot sends at
most ~29 messages/s (``delivery.messages_per_second``) however many deliverers run: the
limits are shared by all deliverers together.

Checked in every configuration (a failure is printed and the exit status is 1):
- every feed was requested exactly once, and every source holds exactly the 3 articles of
  that one answer (a poll stored twice would hold 6), with no error and no lease left;
- every alert row is ``sent``, the fake received exactly ``--alerts`` messages, and no
  (chat, article) pair twice.

Printed: a table of wall time and throughput per configuration with the speed-up against
the first configuration, and the CPU seconds used in each phase by the pollers, the
deliverers (each with its children), PostgreSQL (when it runs on this machine: started
here, or a local server whose ``data_directory`` the URL's user may read; a shared server's
figure includes its other databases' work; the backends of connections closed meanwhile
count too), the two servers, this process, and the rest of the machine (``other``:
whatever else runs on it, read from /proc/stat), with the machine's use of all its cores
(``busy``). The work is CPU-bound: when ``busy`` is near 100%, more processes cannot go
faster, and when ``other`` is large the figures are slowed by work that is not the
benchmark's (a note is printed then).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.cluster_servers import ChildServer, ThrowawayPostgres, feed_server, telegram_server
from bot.storage.db import SessionFactory, create_engine, migrate, session_factory
from bot.storage.models import Article, Chat, OutboxItem, Source, Subscription, Worker

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:BENCH"
ITEMS = 3  # per feed answer
POSTGRES_ENV = "RASD_BENCH_POSTGRES_URL"
ALERT_SITE = "https://alerts.example.ma/story"
STARTUP_TIMEOUT = 240.0  # seconds for all processes to come up
STALL_TIMEOUT = 90.0  # seconds without progress before a phase is given up
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Phase:
    seconds: float = 0.0
    done: int = 0
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


@dataclass
class Outcome:
    processes: int
    poll: Phase
    delivery: Phase
    startup: float
    problems: list[str]


# -- CPU accounting -----------------------------------------------------------------------------


def _process_table() -> dict[int, tuple[int, float]]:
    """pid: (parent pid, CPU seconds so far) of every process visible in /proc, the CPU of
    its children that ended and were waited for included (PostgreSQL's backends of closed
    connections, counted in the postmaster)."""
    table: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        # after the name: state ppid ... utime (11th) stime cutime cstime (14th)
        table[int(entry.name)] = (int(fields[1]), sum(map(int, fields[11:15])) / CLOCK_TICK)
    return table


def machine_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores, every process), /proc/stat."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    # user nice system idle iowait irq softirq steal
    return (sum(fields) - fields[3] - fields[4]) / CLOCK_TICK


def cpu_seconds(groups: dict[str, Iterable[int]]) -> dict[str, float]:
    """CPU seconds used so far by each group of processes and their descendants, and by the
    whole machine (``machine``)."""
    machine = machine_seconds()
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    totals: dict[str, float] = {}
    for name, roots in groups.items():
        seen: set[int] = set()
        stack = [pid for pid in roots if pid in table]
        while stack:
            pid = stack.pop()
            if pid not in seen:
                seen.add(pid)
                stack.extend(children.get(pid, ()))
        totals[name] = sum(table[pid][1] for pid in seen)
    totals["machine"] = machine
    own = os.times()
    totals["benchmark"] = own.user + own.system  # this process alone, not its children
    return totals


# -- databases and seeding ----------------------------------------------------------------------


async def _admin(server_url: str, statement: str) -> None:
    """Run a statement outside a transaction (CREATE/DROP DATABASE) in the server's
    ``postgres`` database."""
    url = make_url(server_url).set(drivername="postgresql+asyncpg", database="postgres")
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def data_directory(server_url: str) -> str | None:
    """The server's data directory when it runs on this machine (its postmaster's CPU is
    then counted); else None. Needs the right to read ``data_directory`` (a superuser)."""
    url = make_url(server_url).set(drivername="postgresql+asyncpg", database="postgres")
    if url.host not in (None, "", "127.0.0.1", "localhost", "::1"):
        return None
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return str(await connection.scalar(text("SHOW data_directory")))
    except Exception:  # no right to read it: CPU not counted
        return None
    finally:
        await engine.dispose()


async def create_database(server_url: str) -> str:
    name = f"rasd_bench_{uuid.uuid4().hex[:10]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    url = make_url(server_url).set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False)


async def drop_database(database_url: str) -> None:
    name = make_url(database_url).database
    await _admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def seed(
    sessions: SessionFactory, feeds: int, feed_port: int, alerts: int, chats: int, now: datetime
) -> None:
    """Sources (polled once an hour ago, due only when the phase starts) and the delivery
    phase's chats, subscriptions, articles and outbox rows (pending, due only when that phase
    starts). Chat c gets alerts for articles 0, 1, 2, …: one row per (chat, article)."""
    later = now + timedelta(days=1)
    earlier = now - timedelta(hours=1)
    per_chat = -(-alerts // chats)
    chat_ids = [100_000 + n for n in range(chats)]
    async with sessions() as session, session.begin():
        await session.execute(
            insert(Source),
            [
                {
                    "url": f"http://127.0.0.1:{feed_port}/feed/{n}",
                    "feed_url": f"http://127.0.0.1:{feed_port}/feed/{n}",
                    "name": f"Outlet {n}",
                    "interval_seconds": 3600.0,  # polled once in the phase
                    "next_poll_at": later,
                    "last_polled_at": earlier,
                    "last_success_at": earlier,
                    "created_at": earlier,
                    "kind": "feed",
                }
                for n in range(feeds)
            ],
        )
        alert_source = await session.scalar(
            insert(Source)
            .values(
                url=ALERT_SITE,
                feed_url=f"{ALERT_SITE}/rss",
                name="Alerts outlet",
                interval_seconds=3600.0,
                next_poll_at=later,
                created_at=earlier,
                paused=True,  # its articles are seeded; never polled
            )
            .returning(Source.id)
        )
        await session.execute(
            insert(Chat),
            [
                {"id": chat_id, "title": "", "language": "en", "created_at": earlier}
                for chat_id in chat_ids
            ],
        )
        subscription_ids = await session.scalars(
            insert(Subscription).returning(Subscription.id, sort_by_parameter_order=True),
            [
                {"chat_id": chat_id, "query": "Akhannouch", "created_at": earlier}
                for chat_id in chat_ids
            ],
        )
        subscriptions = dict(zip(chat_ids, subscription_ids.all(), strict=True))
        article_ids = (
            await session.scalars(
                insert(Article).returning(Article.id, sort_by_parameter_order=True),
                [
                    {
                        "source_id": alert_source,
                        "guid": f"alert-{n}",
                        "url": f"{ALERT_SITE}/{n}",
                        "title": f"Akhannouch announces plan number {n}",
                        "summary": "Aziz Akhannouch announced a plan. Details follow.",
                        "published_at": earlier,
                        "fetched_at": earlier,
                    }
                    for n in range(per_chat)
                ],
            )
        ).all()
        rows = [
            {
                "chat_id": chat_id,
                "article_id": article_id,
                "subscription_ids": [subscriptions[chat_id]],
                "spans": [["title", 0, 10]],
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": later,
                "created_at": earlier,
                "kind": "alert",
            }
            for article_id in article_ids
            for chat_id in chat_ids
        ][:alerts]
        for start in range(0, len(rows), 5000):
            await session.execute(insert(OutboxItem), rows[start : start + 5000])


async def count(sessions: SessionFactory, statement: object) -> int:
    async with sessions() as session:
        return int(await session.scalar(statement) or 0)  # type: ignore[call-overload]


# -- the bot processes --------------------------------------------------------------------------


def write_config(
    path: Path, database_url: str, telegram_port: int, concurrency: int, parse_workers: int
) -> Path:
    path.write_text(
        f"""language = "en"
timezone = "UTC"

[telegram]
token = "{TOKEN}"
api_base = "http://127.0.0.1:{telegram_port}"

[database]
url = "{database_url}"

[cluster]
lease_seconds = 30

[polling]
tick = 0.2
concurrency = {concurrency}
per_host_concurrency = 20
fetch_timeout = 20
allow_private_addresses = true
parse_workers = {parse_workers}

[delivery]
tick = 0.2
messages_per_second = 2000
per_chat_interval = 0
""",
        encoding="utf-8",
    )
    return path


class BotProcesses:
    """``python -m bot run --role ROLE`` processes, started together, stopped with SIGTERM."""

    def __init__(self, config: Path, logs: Path, roles: Sequence[str]) -> None:
        self.config, self.logs, self.roles = config, logs, roles
        self.names = [f"{role}-{roles[: n + 1].count(role)}" for n, role in enumerate(roles)]
        self.processes: list[asyncio.subprocess.Process] = []

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RASD_", "BOT_TOKEN"))}

        async def one(name: str, role: str) -> asyncio.subprocess.Process:
            with (self.logs / f"{name}.log").open("ab") as log:
                return await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot",
                    "--config",
                    str(self.config),
                    "--log-level",
                    "WARNING",
                    "run",
                    "--role",
                    role,
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=log,
                )

        self.processes = list(
            await asyncio.gather(
                *(one(name, role) for name, role in zip(self.names, self.roles, strict=True))
            )
        )

    def pids(self, role: str) -> list[int]:
        return [p.pid for p, r in zip(self.processes, self.roles, strict=True) if r == role]

    def exited(self) -> list[str]:
        return [
            f"{name} exited with {p.returncode}"
            for name, p in zip(self.names, self.processes, strict=True)
            if p.returncode is not None
        ]

    async def stop(self) -> list[str]:
        """Stop every process; the ones that did not exit cleanly."""
        for process in self.processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        problems = []
        for name, process in zip(self.names, self.processes, strict=True):
            try:
                code = await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
                problems.append(f"{name} did not stop within 20 s (killed)")
                continue
            if code != 0:
                problems.append(f"{name} exited with {code}")
        return problems


async def wait_for(
    progress: Callable[[], Awaitable[int]],
    target: int,
    what: str,
    alive: Callable[[], list[str]],
    cpu: Callable[[], dict[str, float]],
) -> Phase:
    """Poll ``progress`` every 0.2 s until it reaches ``target``; the time from the call and
    the CPU the groups used meanwhile. Raises RuntimeError on a stall or a dead process."""
    before = cpu()
    started = time.perf_counter()
    last, last_change = -1, started
    while True:
        done = await progress()
        now = time.perf_counter()
        if done >= target:
            used = cpu()
            return Phase(now - started, done, {k: used[k] - before.get(k, 0.0) for k in used})
        if done != last:
            last, last_change = done, now
        dead = alive()
        if dead:
            raise RuntimeError(f"{what}: {'; '.join(dead)} ({done}/{target} done)")
        if now - last_change > STALL_TIMEOUT:
            raise RuntimeError(f"{what}: no progress for {STALL_TIMEOUT:g} s ({done}/{target})")
        await asyncio.sleep(0.2)


# -- one configuration --------------------------------------------------------------------------


async def check_polling(
    sessions: SessionFactory, feeds: ChildServer, count_feeds: int, since: datetime
) -> list[str]:
    problems = []
    requests: dict[int, int] = feeds.ask("requests")
    asked_twice = sum(1 for n in requests.values() if n > 1)
    if len(requests) != count_feeds or asked_twice:
        problems.append(
            f"feeds requested: {len(requests)} of {count_feeds}, {asked_twice} more than once"
        )
    async with sessions() as session:
        per_source = (
            await session.execute(
                select(Article.source_id, func.count())
                .join(Source, Source.id == Article.source_id)
                .where(Source.paused.is_(False))
                .group_by(Article.source_id)
            )
        ).all()
        unsettled = await session.scalar(
            select(func.count())
            .select_from(Source)
            .where(
                Source.paused.is_(False),
                (Source.error_count > 0)
                | Source.lease_owner.is_not(None)
                | (Source.last_success_at < since),
            )
        )
    wrong = sum(1 for _, n in per_source if n != ITEMS)
    if len(per_source) != count_feeds or wrong:
        problems.append(
            f"sources with articles: {len(per_source)} of {count_feeds}, "
            f"{wrong} without exactly {ITEMS}"
        )
    if unsettled:
        problems.append(f"{unsettled} sources with an error, a lease left or no new poll")
    return problems


async def check_delivery(sessions: SessionFactory, telegram: ChildServer, alerts: int) -> list[str]:
    problems = []
    async with sessions() as session:
        statuses = dict(
            (
                await session.execute(
                    select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
                )
            ).all()
        )
    if statuses != {"sent": alerts}:
        problems.append(f"outbox rows by status: {statuses}, expected {{'sent': {alerts}}}")
    sent, pairs, others = telegram.ask("report")
    twice = sum(1 for n in pairs.values() if n > 1)
    if sent != alerts or len(pairs) != alerts or twice:
        problems.append(
            f"the fake Bot API got {sent} messages for {len(pairs)} (chat, article) pairs "
            f"({twice} pairs more than once), expected {alerts} once each"
        )
    if any(not link.startswith(ALERT_SITE) for _, link in pairs):
        problems.append("messages without the seeded article's link")
    if others:
        problems.append(f"unexpected Bot API calls: {others}")
    return problems


async def run_configuration(
    processes: int, args: argparse.Namespace, server_url: str, pg_pids: list[int], logs: Path
) -> Outcome:
    database_url = await create_database(server_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    problems: list[str] = []
    try:
        await migrate(engine)
        with feed_server(args.feeds, ITEMS) as feeds, telegram_server(TOKEN) as telegram:
            await seed(sessions, args.feeds, feeds.port, args.alerts, args.chats, datetime.now(UTC))
            config = write_config(
                logs / f"config-{processes}.toml",
                database_url,
                telegram.port,
                args.concurrency,
                args.parse_workers,
            )
            roles = ["poller"] * processes + ["deliverer"] * processes
            run_logs = logs / f"run-{processes}"
            run_logs.mkdir(exist_ok=True)
            bots = BotProcesses(config, run_logs, roles)

            def cpu() -> dict[str, float]:
                return cpu_seconds(
                    {
                        "pollers": bots.pids("poller"),
                        "deliverers": bots.pids("deliverer"),
                        "postgres": pg_pids,
                        "servers": [p for s in (feeds, telegram) if (p := s.process.pid)],
                    }
                )

            started = time.perf_counter()
            await bots.start()
            try:

                async def up() -> int:
                    return await count(sessions, select(func.count()).select_from(Worker))

                await wait_for(up, len(roles), "start-up", bots.exited, cpu)
                startup = time.perf_counter() - started

                since = datetime.now(UTC)
                async with sessions() as session, session.begin():
                    await session.execute(
                        update(Source).where(Source.paused.is_(False)).values(next_poll_at=since)
                    )

                async def polled() -> int:
                    return await count(
                        sessions,
                        select(func.count())
                        .select_from(Source)
                        .where(Source.paused.is_(False), Source.last_success_at >= since),
                    )

                poll = await wait_for(polled, args.feeds, "polling", bots.exited, cpu)
                problems += await check_polling(sessions, feeds, args.feeds, since)

                async with sessions() as session, session.begin():
                    await session.execute(
                        update(OutboxItem).values(next_attempt_at=datetime.now(UTC))
                    )

                async def sent() -> int:
                    return await count(
                        sessions,
                        select(func.count())
                        .select_from(OutboxItem)
                        .where(OutboxItem.status == "sent"),
                    )

                delivery = await wait_for(sent, args.alerts, "delivery", bots.exited, cpu)
                await asyncio.sleep(0.5)  # a message sent twice would show by now
                problems += await check_delivery(sessions, telegram, args.alerts)
            finally:
                problems += await bots.stop()
    finally:
        await engine.dispose()
        await drop_database(database_url)
    return Outcome(processes, poll, delivery, startup, problems)


# -- report -------------------------------------------------------------------------------------


CPU_COLUMNS = ("pollers", "deliverers", "postgres", "servers", "benchmark")
OTHER_NOTE = 0.1  # a note when other work took more than this share of the machine


def print_table(outcomes: Sequence[Outcome], cores: int, pg_counted: bool) -> None:
    base = outcomes[0]
    print()
    print(
        f"{'processes':>9}  {'poll s':>7}  {'sources/s':>9}  {'speed-up':>8}  "
        f"{'deliver s':>9}  {'alerts/s':>8}  {'speed-up':>8}  {'start-up s':>10}"
    )
    for o in outcomes:
        print(
            f"{o.processes:>4} + {o.processes:<2}  {o.poll.seconds:7.1f}  {o.poll.rate:9.1f}  "
            f"{o.poll.rate / base.poll.rate:7.2f}x  {o.delivery.seconds:9.1f}  "
            f"{o.delivery.rate:8.1f}  {o.delivery.rate / base.delivery.rate:7.2f}x  "
            f"{o.startup:10.1f}"
        )
    print()
    print(
        f"CPU seconds per phase ({cores} cores: at most {cores} x wall); bot ms/item: the "
        "pollers' and deliverers' CPU per source polled or alert sent; other: the rest of "
        "the machine (other work on it"
        + (")" if pg_counted else ", and PostgreSQL: not on this machine or not readable)")
        + "; busy: the machine's CPU use against all its cores."
    )
    print(
        f"{'processes':>9}  {'phase':<8}  {'wall':>6}  {'pollers':>7}  {'deliverers':>10}  "
        f"{'postgres':>8}  {'servers':>7}  {'benchmark':>9}  {'other':>6}  "
        f"{'busy':>5}  {'bot ms/item':>11}"
    )
    notes: list[str] = []
    for o in outcomes:
        for name, phase in (("polling", o.poll), ("delivery", o.delivery)):
            cpu = phase.cpu
            other = cpu["machine"] - sum(cpu[k] for k in CPU_COLUMNS)
            busy = cpu["machine"] / (cores * phase.seconds) if phase.seconds else 0.0
            per_item = (cpu["pollers"] + cpu["deliverers"]) / phase.done * 1000
            pg = f"{cpu['postgres']:8.1f}" if pg_counted else f"{'-':>8}"
            print(
                f"{o.processes:>4} + {o.processes:<2}  {name:<8}  {phase.seconds:6.1f}  "
                f"{cpu['pollers']:7.1f}  {cpu['deliverers']:10.1f}  {pg}  "
                f"{cpu['servers']:7.1f}  {cpu['benchmark']:9.1f}  {max(0.0, other):6.1f}  "
                f"{busy:5.0%}  {per_item:11.1f}"
            )
            if phase.seconds and other > OTHER_NOTE * cores * phase.seconds:
                notes.append(
                    f"{o.processes} + {o.processes} {name}: other work on the machine used "
                    f"{other / (cores * phase.seconds):.0%} of its cores; slower than alone"
                )
    for note in notes:
        print(f"note: {note}")


def postmaster_pid(data: Path) -> list[int]:
    """The postmaster of the cluster in ``data`` (the server processes' parent), if running
    on this machine."""
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
        return [pid] if b"postgres" in Path(f"/proc/{pid}/cmdline").read_bytes() else []
    except (OSError, ValueError, IndexError):
        return []


async def run(args: argparse.Namespace, server_url: str, pg_pids: list[int]) -> int:
    cores = os.cpu_count() or 1
    print(
        f"{args.feeds} feeds ({ITEMS} items per answer), {args.alerts} alerts over "
        f"{args.chats} chats; poller concurrency {args.concurrency}, parse workers "
        f"{args.parse_workers}; {cores} CPU cores"
    )
    print(
        "Bot API: a local fake with no limits, delivery.messages_per_second = 2000: this is "
        "the deliverers' headroom. With Telegram's limits the bot sends ~29 messages/s "
        "however many deliverers run (the limits are shared)."
    )
    print("N + N = N poller and N deliverer processes; polling, then delivery, timed apart.")
    logs = Path(args.logs) if args.logs else Path(tempfile.mkdtemp(prefix="rasd-bench-cluster-"))
    logs.mkdir(parents=True, exist_ok=True)
    outcomes: list[Outcome] = []
    failed = False
    for processes in args.processes:
        print(f"{processes} + {processes}: running…", flush=True)
        try:
            outcome = await run_configuration(processes, args, server_url, pg_pids, logs)
        except RuntimeError as exc:
            print(f"{processes} + {processes}: FAILED: {exc} (logs in {logs})")
            failed = True
            continue
        outcomes.append(outcome)
        status = "ok" if not outcome.problems else "FAILED CHECKS"
        print(
            f"{processes} + {processes}: polling {outcome.poll.seconds:.1f} s, delivery "
            f"{outcome.delivery.seconds:.1f} s (start-up {outcome.startup:.1f} s): {status}"
        )
        for problem in outcome.problems:
            print(f"  - {problem}")
        failed = failed or bool(outcome.problems)
    if outcomes:
        print_table(outcomes, cores, bool(pg_pids))
    if failed:
        print(f"\nSome checks failed; the processes' logs are in {logs}")
        return 1
    print("\nChecks passed: every feed polled and stored once, every alert sent exactly once.")
    print(f"(logs: {logs})")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=5000)
    parser.add_argument("--alerts", type=int, default=20000)
    parser.add_argument("--chats", type=int, default=4000)
    parser.add_argument(
        "--processes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 2, 4],
        help="comma-separated: pollers (and as many deliverers) per configuration",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=8,
        help="polling.concurrency: polls at once per poller (default: the application's)",
    )
    parser.add_argument(
        "--parse-workers",
        type=int,
        default=0,
        help="polling.parse_workers: parse processes per poller (0 is read as 1)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(POSTGRES_ENV),
        help=f"a PostgreSQL server (default ${POSTGRES_ENV}; else one is started here)",
    )
    parser.add_argument("--logs", help="directory for the processes' logs (default: a temp dir)")
    args = parser.parse_args()
    if args.database_url:
        data = asyncio.run(data_directory(args.database_url))
        pg_pids = postmaster_pid(Path(data)) if data else []
        sys.exit(asyncio.run(run(args, args.database_url, pg_pids)))
    with ThrowawayPostgres() as postgres:
        assert postgres.dir is not None
        print(f"PostgreSQL started here on port {postgres.port} (fsync=off)")
        code = asyncio.run(run(args, postgres.url, postmaster_pid(postgres.dir / "data")))
    sys.exit(code)


if __name__ == "__main__":
    main()
