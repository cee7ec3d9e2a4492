"""ParsePool: fetched documents parsed in worker processes, as they would be in-process,
each within a time budget: a worker that overruns, crashes or is cancelled is killed and
replaced, and the others go on."""

from __future__ import annotations

import asyncio
import gzip
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sources.errors import ErrorKind, SourceError
from bot.sources.model import ParsedFeed
from bot.sources.opml import OpmlError
from bot.sources.parse_pool import ParsePool, parse_body
from bot.sources.sitemap import Sitemap
from tests.support.parsing import LAG, LoopLag

URL = "https://news.example/rss.xml"
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Example news</title><link>https://news.example/</link>
<ttl>30</ttl>
<item><title>Le Roi préside un Conseil des ministres</title><link>/a/1</link>
<guid isPermaLink="false">tag:news.example,2026:a-1</guid><description>Rabat, lundi.</description>
<pubDate>Mon, 30 Nov 2026 10:00:00 GMT</pubDate></item>
<item><title>جلالة الملك يترأس مجلس الوزراء</title><link>https://news.example/a/2</link>
<guid isPermaLink="false">tag:news.example,2026:a-2</guid><description>الرباط</description></item>
</channel></rss>
""".encode()
SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://news.example/2026/11/30/conseil-des-ministres</loc>
<lastmod>2026-11-30T10:00:00+00:00</lastmod></url>
</urlset>
"""
LISTING_LINKS = (
    b'<article><h2><a href="/2026/11/30/le-roi-preside-un-conseil">Le Roi preside un Conseil'
    b' des ministres</a></h2></article><article><h2><a href="/2026/11/30/la-pluie-revient-sur'
    b'-le-nord">La pluie revient sur le nord du pays</a></h2></article>'
)


BUDGET = 5.0  # seconds per document (the production default)


@pytest.fixture
async def pool() -> AsyncIterator[ParsePool]:
    parsers = ParsePool(1, BUDGET)
    await parsers.start()
    try:
        yield parsers
    finally:
        await parsers.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"  # a zombie has exited (its parent reaps it)


async def _gone(pid: int) -> bool:
    for _ in range(200):
        if not _alive(pid):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_worker_parses_a_feed_as_this_process_does(pool: ParsePool) -> None:
    here = parse_body("feed", RSS, URL, "utf-8")
    there = await pool.parse("feed", RSS, URL, "utf-8")
    assert isinstance(there, ParsedFeed)
    assert there == here
    assert [e.url for e in there.entries] == [
        "https://news.example/a/1",
        "https://news.example/a/2",
    ]
    assert there.ttl == 30 * 60
    # Guids already stored are cut before the parser sees their items.
    first, second = (e.guid for e in here.entries)
    known = await pool.parse("feed", RSS, URL, "utf-8", known=frozenset({first}))
    assert [e.guid for e in known.entries] == [second]


async def test_a_gzipped_sitemap_is_inflated_in_the_worker(pool: ParsePool) -> None:
    parsed = await pool.parse("sitemap", gzip.compress(SITEMAP), URL, None)
    assert isinstance(parsed, Sitemap)
    assert [e.url for e in parsed.entries] == [
        "https://news.example/2026/11/30/conseil-des-ministres"
    ]


async def test_errors_come_back_as_source_errors_with_their_kind(pool: ParsePool) -> None:
    with pytest.raises(SourceError) as not_a_feed:
        await pool.parse("feed", b"<html><body>hello</body></html>", URL, None)
    assert not_a_feed.value.kind == ErrorKind.PARSE
    with pytest.raises(SourceError) as broken_gzip:
        await pool.parse("sitemap", b"\x1f\x8b" + b"not gzip at all", URL, None)
    assert broken_gzip.value.kind == ErrorKind.DECOMPRESS
    with pytest.raises(SourceError) as no_links:
        await pool.parse("html", b"<html><body><p>no links</p></body></html>", URL, "utf-8")
    assert no_links.value.kind == ErrorKind.PARSE
    with pytest.raises(OpmlError) as not_opml:
        await pool.read_opml(b"<opml><body><outline")
    assert not_opml.value.kind == ErrorKind.PARSE
    # The worker is still there for the next document.
    assert (await pool.parse("feed", RSS, URL, "utf-8")).entries


async def test_deep_html_is_refused_before_any_parser_sees_it(pool: ParsePool) -> None:
    deep = b"<html><body>" + b"<div>" * 40_000 + LISTING_LINKS + b"</body></html>"
    assert len(deep) > 200_000
    for parse in (
        pool.parse("html", deep, URL, "utf-8"),
        pool.parse("telegram", deep, URL, "utf-8"),
        pool.discover(deep, url=URL, charset=None),
        pool.extract(deep, url=URL, charset=None),
    ):
        with pytest.raises(SourceError) as refused:
            await parse
        assert refused.value.kind == ErrorKind.TOO_COMPLEX
        assert "nests elements more than 512 deep" in str(refused.value)
    # The same links, nested as pages are, are read.
    shallow = b"<html><body>" + b"<div>" * 30 + LISTING_LINKS + b"</body></html>"
    assert len((await pool.parse("html", shallow, URL, "utf-8")).entries) == 2


async def test_a_selector_past_the_limits_is_refused_in_the_worker(pool: ParsePool) -> None:
    page = b"<html><body>" + LISTING_LINKS + b"</body></html>"
    with pytest.raises(SourceError) as refused:
        await pool.parse("html", page, URL, "utf-8", selector="h1 ~ p ~ p")
    assert refused.value.kind == ErrorKind.TOO_COMPLEX
    assert "more than 1 ~ combinators" in str(refused.value)


@pytest.mark.alone  # timed
async def test_an_overrunning_worker_is_killed_and_replaced() -> None:
    parsers = ParsePool(2, 1.0)
    await parsers.start()
    try:
        with LoopLag() as lag:
            stuck = asyncio.create_task(parsers.run(time.sleep, 60))
            await asyncio.sleep(0.2)
            busy = set(parsers.pids())
            # The other worker goes on parsing meanwhile.
            others = [await parsers.parse("feed", RSS, URL, "utf-8") for _ in range(3)]
            assert all(len(feed.entries) == 2 for feed in others)
            started = time.monotonic()
            with pytest.raises(SourceError) as overran:
                await stuck
            assert time.monotonic() - started < 30  # the budget, not the minute of sleep
        assert overran.value.kind == ErrorKind.PARSE_TIMEOUT
        assert "took longer than 1s" in str(overran.value)
        killed = busy - set(parsers.pids())
        assert len(killed) == 1
        assert await _gone(killed.pop())
        assert lag.worst < LAG
        # The next documents get a new worker.
        many = await asyncio.gather(*(parsers.parse("feed", RSS, URL, "utf-8") for _ in range(4)))
        assert all(len(feed.entries) == 2 for feed in many)
        assert len(parsers.pids()) == 2
    finally:
        await parsers.close()


async def test_the_budget_starts_when_a_worker_takes_the_document() -> None:
    parsers = ParsePool(1, 2.0)
    try:
        # Eight documents of 0.3 s each wait for the one worker: 2.4 s in all, none late.
        await asyncio.gather(*(parsers.run(time.sleep, 0.3) for _ in range(8)))
    finally:
        await parsers.close()


async def test_a_worker_that_dies_is_replaced(pool: ParsePool) -> None:
    (before,) = pool.pids()
    os.kill(before, signal.SIGKILL)
    assert await _gone(before)
    parsed = await pool.parse("feed", RSS, URL, "utf-8")  # on a new worker
    assert len(parsed.entries) == 2
    (after,) = pool.pids()
    assert after != before
    # Documents parse one after another on the new worker.
    many = await asyncio.gather(*(pool.parse("feed", RSS, URL, "utf-8") for _ in range(5)))
    assert all(len(p.entries) == 2 for p in many)


async def test_a_document_that_crashes_the_parser_fails_alone(pool: ParsePool) -> None:
    (first,) = pool.pids()
    with pytest.raises(SourceError) as crashed:
        await pool.run(os._exit, 3)  # a parser dying on the document, twice
    assert crashed.value.kind == ErrorKind.PARSER_CRASH
    assert await _gone(first)
    assert len((await pool.parse("feed", RSS, URL, "utf-8")).entries) == 2


async def test_a_cancelled_parse_kills_its_worker(pool: ParsePool) -> None:
    (first,) = pool.pids()
    stuck = asyncio.create_task(pool.run(time.sleep, 60))
    await asyncio.sleep(0.2)
    stuck.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stuck
    assert await _gone(first)
    assert len((await pool.parse("feed", RSS, URL, "utf-8")).entries) == 2


async def test_close_stops_the_workers_and_refuses_more_work() -> None:
    parsers = ParsePool(2, BUDGET)
    await parsers.start()
    workers = parsers.pids()
    assert len(workers) == 2 and all(_alive(pid) for pid in workers)
    await parsers.close()
    assert parsers.pids() == []
    assert not any(_alive(pid) for pid in workers)
    with pytest.raises(SourceError) as closed:
        await parsers.parse("feed", RSS, URL, "utf-8")
    assert closed.value.kind == ErrorKind.PARSE


def test_a_pool_needs_a_worker_and_a_budget() -> None:
    with pytest.raises(ValueError):
        ParsePool(0, BUDGET)
    with pytest.raises(ValueError):
        ParsePool(1, 0)


SCRIPT = """
import asyncio, pathlib

MARK = {mark!r}
RSS = {rss!r}

if __name__ != "__main__":  # imported again, by a worker or anything else
    pathlib.Path(MARK).touch()

from bot.sources.parse_pool import ParsePool


async def main() -> None:
    pool = ParsePool(1, 5.0)
    parsed = await pool.parse("feed", RSS, "https://news.example/rss.xml", "utf-8")
    await pool.close()
    print(len(parsed.entries))


if __name__ == "__main__":
    asyncio.run(main())
"""


async def test_a_worker_does_not_run_the_main_script_again(tmp_path: Path) -> None:
    mark = tmp_path / "imported"
    script = tmp_path / "main.py"
    script.write_text(SCRIPT.format(mark=str(mark), rss=RSS))
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(script), stdout=asyncio.subprocess.PIPE, cwd=Path(__file__).parents[2]
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    assert out.strip() == b"2"
    assert not mark.exists()


ORPHAN_SCRIPT = """
import asyncio, os

from bot.sources.parse_pool import ParsePool


async def main() -> None:
    pool = ParsePool(1, 5.0)
    await pool.start()
    print(pool.pids()[0], flush=True)
    await asyncio.sleep(60)  # killed before this ends


asyncio.run(main())
"""


async def test_workers_leave_when_the_bot_process_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "orphan.py"
    script.write_text(ORPHAN_SCRIPT)
    out = tmp_path / "worker.pid"
    with out.open("wb") as pid_file:  # a file, not a pipe the orphan would hold open
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(script), stdout=pid_file, cwd=Path(__file__).parents[2]
        )
    for _ in range(600):
        if out.read_text().strip():
            break
        await asyncio.sleep(0.05)
    worker = int(out.read_text())
    assert worker != process.pid and _alive(worker)
    process.send_signal(signal.SIGKILL)  # no cleanup runs in the parent
    await asyncio.wait_for(process.wait(), 10)
    for _ in range(100):
        if not _alive(worker):
            break
        await asyncio.sleep(0.05)
    alive = _alive(worker)
    if alive:
        os.kill(worker, signal.SIGKILL)
    assert not alive
