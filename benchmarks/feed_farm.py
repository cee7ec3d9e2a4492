"""A local server of many generated feeds, for benchmarks/poll_round.py.

Every feed has its own host name (``feed<N>.farm.test``, all resolving to 127.0.0.1 through
:class:`FarmResolver`), so per-host politeness limits apply as they would to 1,000 outlets.
The mix is deterministic for a seed: :func:`farm_specs` gives each feed a behaviour:

- ``ok``: 200 with 10 to 100 items (a few with 300), Arabic and French titles, HTML
  summaries; half of them gzip-compressed.  Every feed has an ETag.  A feed's first
  request gets one version; later requests a version with ``NEW_PER_ROUND`` newer items
  on top (and the oldest ones gone), as a next round would find.
- ``not_modified``: answers 304 to the ETag the benchmark stores for it beforehand.
- ``slow``: answers after 0.5 to 3 seconds.
- ``error``: HTTP 500.
- ``hang``: never answers (the client's timeout fires).
- ``broken``: 200 with truncated, unparseable XML.

The server runs in a child process (:func:`serve_in_process`) so it does not share the
polling process's CPU time or memory figures.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import multiprocessing
import random
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from multiprocessing.connection import Connection
from xml.sax.saxutils import escape

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

NEW_PER_ROUND = 2
BEHAVIOURS = (
    ("ok", 0.73),
    ("not_modified", 0.15),
    ("slow", 0.05),
    ("error", 0.03),
    ("hang", 0.02),
    ("broken", 0.02),
)
_ITEM_COUNTS = ((10, 0.3), (20, 0.3), (30, 0.2), (50, 0.1), (100, 0.07), (300, 0.03))
_WORDS_AR = [
    "وزير",
    "الداخلية",
    "الهجرة",
    "الحكومة",
    "البرلمان",
    "المغرب",
    "الرباط",
    "الدار",
    "البيضاء",
    "مشروع",
    "قانون",
    "الانتخابات",
    "الأمطار",
    "الفلاحة",
    "الصحة",
    "التعليم",
    "الاقتصاد",
    "المالية",
    "الجهة",
    "العمالة",
]
_WORDS_FR = [
    "ministre",
    "intérieur",
    "migration",
    "gouvernement",
    "parlement",
    "Maroc",
    "Rabat",
    "Casablanca",
    "projet",
    "loi",
    "élections",
    "pluies",
    "agriculture",
    "santé",
    "éducation",
    "économie",
    "finances",
    "région",
    "province",
]


_AR_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
_FR_LETTERS = "abcdefghijlmnoprstuvéè"


def _vocabulary(letters: str, size: int, seed: int) -> list[str]:
    """Made-up words, so that titles overlap about as little as real headlines do (a
    20-word vocabulary would make every title a near-copy of the others for the
    same-story grouping)."""
    rng = random.Random(seed)
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 8))) for _ in range(size)]


@functools.cache
def _vocab(arabic: bool) -> list[str]:
    """The word list for one language, built on first use (not at import)."""
    if arabic:
        return _WORDS_AR + _vocabulary(_AR_LETTERS, 6000, 1)
    return _WORDS_FR + _vocabulary(_FR_LETTERS, 6000, 2)


@dataclass(frozen=True, slots=True)
class FeedSpec:
    index: int
    behaviour: str
    items: int
    gzip: bool
    delay: float

    @property
    def host(self) -> str:
        return f"feed{self.index}.farm.test"

    @property
    def etag(self) -> str:
        return f'"v{self.index}"'


def farm_specs(count: int, seed: int = 7) -> list[FeedSpec]:
    rng = random.Random(seed)
    names, weights = zip(*BEHAVIOURS, strict=True)
    sizes, size_weights = zip(*_ITEM_COUNTS, strict=True)
    specs = []
    for index in range(count):
        behaviour = rng.choices(names, weights)[0]
        specs.append(
            FeedSpec(
                index=index,
                behaviour=behaviour,
                items=rng.choices(sizes, size_weights)[0],
                gzip=rng.random() < 0.5,
                delay=rng.uniform(0.5, 3.0) if behaviour == "slow" else 0.0,
            )
        )
    return specs


def proportional_sample(specs: list[FeedSpec], count: int) -> list[FeedSpec]:
    """``count`` of ``specs`` (in index order) with every behaviour in its share of the
    whole (largest remainders), each behaviour's feeds spread evenly over its item counts
    and delays.  The first ``count`` feeds are no such sample: chance gave the first 100
    more slow and hanging feeds than the average, so a baseline timed on them was slow."""
    if count >= len(specs):
        return list(specs)
    groups: dict[str, list[FeedSpec]] = {}
    for spec in specs:
        groups.setdefault(spec.behaviour, []).append(spec)
    exact = {name: count * len(group) / len(specs) for name, group in groups.items()}
    shares = {name: int(value) for name, value in exact.items()}
    by_remainder = sorted(exact, key=lambda name: exact[name] - shares[name], reverse=True)
    for name in by_remainder[: count - sum(shares.values())]:
        shares[name] += 1
    chosen: list[FeedSpec] = []
    for name, group in groups.items():
        ordered = sorted(group, key=lambda spec: (spec.items, spec.delay, spec.index))
        step = len(ordered) / shares[name] if shares[name] else 0.0
        chosen += [ordered[int((i + 0.5) * step)] for i in range(shares[name])]
    return sorted(chosen, key=lambda spec: spec.index)


def scripted_delay(specs: list[FeedSpec], timeout: float) -> float:
    """Seconds the farm makes a one-at-a-time client wait on ``specs`` beyond the transfers:
    the slow feeds' delays and the client's ``timeout`` for each hanging feed."""
    hanging = sum(1 for spec in specs if spec.behaviour == "hang")
    return sum(spec.delay for spec in specs) + timeout * hanging


def describe_sample(sample: list[FeedSpec], specs: list[FeedSpec], timeout: float) -> str:
    """One line saying how ``sample`` stands for ``specs``: its mix and scripted delay."""
    mix: dict[str, int] = {}
    for spec in sample:
        mix[spec.behaviour] = mix.get(spec.behaviour, 0) + 1
    per_100 = 100 / len(sample)
    return (
        f"{len(sample)} of {len(specs)} feeds, every behaviour in proportion "
        f"({' '.join(f'{k}={v}' for k, v in sorted(mix.items()))}); scripted delay "
        f"{scripted_delay(sample, timeout) * per_100:.1f} s per 100 feeds "
        f"(all feeds: {scripted_delay(specs, timeout) * 100 / len(specs):.1f} s, the first "
        f"{len(sample)}: {scripted_delay(specs[: len(sample)], timeout) * per_100:.1f} s)"
    )


def _sentence(rng: random.Random, words: tuple[str, ...] | list[str], n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n))


@dataclass(frozen=True, slots=True)
class FarmItem:
    title: str
    link: str
    guid: str
    published: datetime
    first: str  # the summary's two paragraphs, as plain text
    second: str


def feed_items(spec: FeedSpec, now: datetime, version: int = 0) -> list[FarmItem]:
    """The feed's items, newest first; ``version`` 1 has ``NEW_PER_ROUND`` newer ones."""
    words = _vocab(bool(spec.index % 3))
    shift = version * NEW_PER_ROUND
    items = []
    for position in range(spec.items):
        item = spec.items - position - 1 + shift  # item numbers grow with time
        rng = random.Random(spec.index * 100_000 + item)
        first, second = _sentence(rng, words, 40), _sentence(rng, words, 30)
        items.append(
            FarmItem(
                title=f"{_sentence(rng, words, 9)} {spec.index}-{item}",
                link=f"https://{spec.host}/article/{item}.html",
                guid=f"{spec.host}-{item}",
                published=now
                - timedelta(minutes=7 * (spec.items + shift - item) + spec.index % 60),
                first=first,
                second=second,
            )
        )
    return items


def feed_body(spec: FeedSpec, now: datetime, version: int = 0) -> bytes:
    """The feed's RSS document (truncated for ``broken`` feeds)."""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>Outlet {spec.index}</title><link>https://{spec.host}/</link>",
        "<description>generated</description>",
    ]
    for item in feed_items(spec, now, version):
        summary = f"<p>{item.first}</p><p><b>{item.second}</b></p>"
        out.append(
            "<item>"
            f"<title>{escape(item.title)}</title>"
            f"<link>{item.link}</link>"
            f'<guid isPermaLink="false">{item.guid}</guid>'
            f"<pubDate>{format_datetime(item.published)}</pubDate>"
            f"<description>{escape(summary)}</description>"
            "</item>"
        )
    out.append("</channel></rss>")
    body = "\n".join(out).encode()
    if spec.behaviour == "broken":
        body = body[: len(body) // 3]
    return body


class FarmResolver(AbstractResolver):
    """Resolves every ``*.farm.test`` name to 127.0.0.1 (and nothing else)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if not host.rstrip(".").endswith(".farm.test"):
            raise OSError(socket.EAI_NONAME, f"{host}: not in the farm")
        return [
            {
                "hostname": host,
                "host": "127.0.0.1",
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


def _app(specs: list[FeedSpec], first_version: int) -> web.Application:
    now = datetime.now(UTC)
    bodies: dict[str, tuple[FeedSpec, list[bytes]]] = {}
    for spec in specs:
        versions = [feed_body(spec, now, version) for version in (0, 1)]
        if spec.gzip:
            versions = [gzip.compress(body, 5) for body in versions]
        bodies[spec.host] = (spec, versions)
    requests: dict[str, int] = {}

    async def handle(request: web.Request) -> web.StreamResponse:
        host = (request.host or "").split(":")[0]
        entry = bodies.get(host)
        if entry is None:
            return web.Response(status=404)
        spec, versions = entry
        body = versions[min(requests.get(host, 0) + first_version, 1)]
        requests[host] = requests.get(host, 0) + 1
        if spec.behaviour == "hang":
            await asyncio.sleep(3600)
        if spec.delay:
            await asyncio.sleep(spec.delay)
        if spec.behaviour == "error":
            return web.Response(status=500, text="internal error")
        headers = {"ETag": spec.etag, "Content-Type": "application/rss+xml; charset=utf-8"}
        if spec.behaviour == "not_modified" and request.headers.get("If-None-Match") == spec.etag:
            return web.Response(status=304, headers={"ETag": spec.etag})
        if spec.gzip:
            headers["Content-Encoding"] = "gzip"
        return web.Response(body=body, headers=headers)

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    return app


def _serve(count: int, seed: int, first_version: int, conn: Connection) -> None:
    async def main() -> None:
        app = _app(farm_specs(count, seed), first_version)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        conn.send(runner.addresses[0][1])
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # until told to stop
        await runner.cleanup()

    asyncio.run(main())


class FarmProcess:
    """``with FarmProcess(1000) as port:`` serves the farm in a child process.

    ``first_version=1`` serves the newer version from the first request on: for a
    database seeded with version 0 as if an earlier round had stored it."""

    def __init__(self, count: int, seed: int = 7, *, first_version: int = 0) -> None:
        self.count, self.seed = count, seed
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(count, seed, first_version, child), daemon=True, name="feed-farm"
        )

    def __enter__(self) -> int:
        self._process.start()
        port: int = self._conn.recv()
        return port

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        self._process.join(5)
        if self._process.is_alive():
            self._process.terminate()
