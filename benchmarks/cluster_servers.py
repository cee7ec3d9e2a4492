"""The servers benchmarks/cluster.py runs in child processes: many local feeds, a fake Bot
API, and a throwaway PostgreSQL cluster.

Each HTTP server runs in its own process (``multiprocessing`` spawn), so it neither shares
the benchmark's event loop nor hides its CPU time in the bot processes' figures; the
benchmark asks it for its counts over a pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.support.fakes.feed_server import FeedItem, rss_feed
from tests.support.fakes.telegram_api import FakeTelegram

_WORDS = (
    "ministre",
    "parlement",
    "budget",
    "élections",
    "pluies",
    "barrage",
    "santé",
    "port",
    "énergie",
    "tourisme",
    "الحكومة",
    "البرلمان",
    "الهجرة",
    "الأمطار",
    "الفلاحة",
)


async def _command_loop(conn: Connection, port: int, answer: Callable[[str], object]) -> None:
    """Send the port, then answer commands over the pipe until "stop"."""
    conn.send(port)
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command == "stop":
            return
        conn.send(answer(command))


def feed_items(feed: int, request: int, items: int) -> list[FeedItem]:
    """What feed ``feed`` answers to its ``request``-th request: ``items`` items never seen
    before (their guids carry the request number), so a feed whose poll was stored twice
    holds twice as many articles."""
    published = datetime.now(UTC)
    return [
        {
            "title": (
                f"{_WORDS[(feed + part) % len(_WORDS)]} {_WORDS[(feed * 7 + part) % len(_WORDS)]}"
                f" : dépêche {feed}-{request}-{part}"
            ),
            "link": f"https://news{feed % 50}.example.ma/{feed}/{request}/{part}",
            "guid": f"bench-{feed}-{request}-{part}",
            "published": published,
            "description": f"Résumé de la dépêche {feed}-{request}-{part}.",
        }
        for part in range(items)
    ]


def _serve_feeds(count: int, items: int, conn: Connection) -> None:
    requests: Counter[int] = Counter()

    async def handle(request: web.Request) -> web.Response:
        feed = int(request.match_info["n"])
        if not 0 <= feed < count:
            return web.Response(status=404)
        requests[feed] += 1
        body = rss_feed(f"Outlet {feed}", feed_items(feed, requests[feed], items))
        return web.Response(text=body, content_type="application/rss+xml", charset="utf-8")

    def answer(command: str) -> object:
        if command == "requests":
            return dict(requests)
        raise ValueError(command)

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/feed/{n:[0-9]+}", handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=2048)
        await site.start()
        await _command_loop(conn, int(runner.addresses[0][1]), answer)
        await runner.cleanup()

    asyncio.run(main())


def _serve_telegram(token: str, conn: Connection) -> None:
    async def main() -> None:
        async with FakeTelegram(token) as fake:  # no limits enforced: see cluster.py

            def answer(command: str) -> object:
                if command == "sent":
                    return len(fake.sent)
                if command == "report":
                    # (chat, article link) of every message sent, counted.
                    pairs: Counter[tuple[int, str]] = Counter()
                    for message in fake.sent:
                        start = message.text.find('href="') + len('href="')
                        pairs[
                            (message.chat_id, message.text[start : message.text.find('"', start)])
                        ] += 1
                    others = Counter(m for m, _ in fake.calls if m.lower() != "sendmessage")
                    return len(fake.sent), dict(pairs), dict(others)
                raise ValueError(command)

            await _command_loop(conn, int(fake.base_url.rsplit(":", 1)[1]), answer)

    asyncio.run(main())


class ChildServer:
    """``with ChildServer(target, *args) as server:`` runs ``target(*args, conn)`` in a child
    process; ``server.port`` is the port it listens on, ``server.ask(command)`` its answer."""

    def __init__(self, name: str, target: Callable[..., None], *args: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self.process = context.Process(target=target, args=(*args, child), daemon=True, name=name)
        self.port = 0

    def __enter__(self) -> ChildServer:
        self.process.start()
        self.port = int(self._conn.recv())
        return self

    def ask(self, command: str) -> Any:
        self._conn.send(command)
        return self._conn.recv()

    def __exit__(self, *exc: object) -> None:
        if self.process.is_alive():
            self._conn.send("stop")
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


def feed_server(count: int, items: int) -> ChildServer:
    """Feeds ``/feed/0`` … ``/feed/{count-1}`` on 127.0.0.1; ``ask("requests")`` gives the
    requests each had."""
    return ChildServer("bench-feeds", _serve_feeds, count, items)


def telegram_server(token: str) -> ChildServer:
    """A FakeTelegram (tests/support/fakes/telegram_api.py) with no limits; ``ask("sent")`` counts
    the messages sent, ``ask("report")`` gives (sent, {(chat, link): times}, {other
    method: calls})."""
    return ChildServer("bench-telegram", _serve_telegram, token)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own, as .ci/run starts one: initdb into a temporary
    directory (as the ``postgres`` user when running as root), ``fsync=off``, a free port;
    stopped and removed on exit. ``url`` is its ``postgres`` database."""

    def __init__(self, max_connections: int = 300) -> None:
        self.max_connections = max_connections
        self.bin = self._find_bin()
        self.dir: Path | None = None
        self.port = 0

    @staticmethod
    def _find_bin() -> Path:
        versions = sorted(
            Path("/usr/lib/postgresql").glob("*/bin"),
            key=lambda p: [int(x) for x in p.parent.name.split(".") if x.isdigit()],
        )
        for candidate in reversed(versions):
            if (candidate / "initdb").exists():
                return candidate
        found = shutil.which("initdb")
        if found is None:
            raise RuntimeError(
                "no PostgreSQL server binaries (initdb) found: install PostgreSQL 15, or pass "
                "--database-url / set RASD_BENCH_POSTGRES_URL"
            )
        return Path(found).parent

    def _run(self, *command: str) -> None:
        line = shlex.join(command)
        if os.geteuid() == 0:  # initdb refuses to run as root
            subprocess.run(
                ["su", "postgres", "-s", "/bin/sh", "-c", line],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        else:
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def __enter__(self) -> ThrowawayPostgres:
        self.dir = Path(tempfile.mkdtemp(prefix="rasd-bench-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        data = self.dir / "data"
        self._run(
            str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"
        )
        self.port = free_port()
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c max_connections={self.max_connections}"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-o",
            options,
            "start",
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.dir is None:
            return
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(
                str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop"
            )
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
