"""ParsePool: fetched documents parsed in worker processes, as they would be in-process."""

from __future__ import annotations

import asyncio
import gzip
import multiprocessing
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sources.errors import SourceError
from bot.sources.parse import ParsedFeed
from bot.sources.parse_pool import ParsePool, parse_body
from bot.sources.sitemap import Sitemap

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


@pytest.fixture
async def pool() -> AsyncIterator[ParsePool]:
    parsers = ParsePool(1)
    await parsers.start()
    try:
        yield parsers
    finally:
        await parsers.close()


def _workers() -> list[multiprocessing.Process]:
    return [p for p in multiprocessing.active_children() if p.is_alive()]


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
    assert not_a_feed.value.kind == "parse"
    with pytest.raises(SourceError) as broken_gzip:
        await pool.parse("sitemap", b"\x1f\x8b" + b"not gzip at all", URL, None)
    assert broken_gzip.value.kind == "decompress"
    with pytest.raises(SourceError) as no_links:
        await pool.parse("html", b"<html><body><p>no links</p></body></html>", URL, "utf-8")
    assert no_links.value.kind == "parse"
    # The worker is still there for the next document.
    assert (await pool.parse("feed", RSS, URL, "utf-8")).entries


async def test_a_worker_that_dies_is_replaced(pool: ParsePool) -> None:
    before = _workers()
    assert len(before) == 1
    os.kill(before[0].pid or 0, signal.SIGKILL)
    before[0].join(5)
    parsed = await pool.parse("feed", RSS, URL, "utf-8")  # on a new worker
    assert len(parsed.entries) == 2
    after = _workers()
    assert len(after) == 1 and after[0].pid != before[0].pid
    # Documents parse concurrently on the new pool.
    many = await asyncio.gather(*(pool.parse("feed", RSS, URL, "utf-8") for _ in range(5)))
    assert all(len(p.entries) == 2 for p in many)


async def test_close_stops_the_workers_and_refuses_more_work() -> None:
    parsers = ParsePool(2)
    await parsers.start()
    assert len(_workers()) == 2
    await parsers.close()
    assert _workers() == []
    with pytest.raises(SourceError) as closed:
        await parsers.parse("feed", RSS, URL, "utf-8")
    assert closed.value.kind == "parse"


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError):
        ParsePool(0)


SCRIPT = """
import asyncio, pathlib, sys

if __name__ == "__mp_main__":  # what a spawned worker would run this script as
    pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else MARK).touch()

from bot.sources.parse_pool import ParsePool

MARK = {mark!r}
RSS = {rss!r}


async def main() -> None:
    pool = ParsePool(1)
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
        sys.executable, str(script), stdout=asyncio.subprocess.PIPE, cwd=Path(__file__).parents[1]
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    assert out.strip() == b"2"
    assert not mark.exists()


ORPHAN_SCRIPT = """
import asyncio, os

from bot.sources.parse_pool import ParsePool


async def main() -> None:
    pool = ParsePool(1)
    await pool.start()
    worker = await asyncio.get_running_loop().run_in_executor(pool._executor, os.getpid)
    print(worker, flush=True)
    await asyncio.sleep(60)  # killed before this ends


asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"  # a zombie has exited (its new parent reaps it)


async def test_workers_leave_when_the_bot_process_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "orphan.py"
    script.write_text(ORPHAN_SCRIPT)
    out = tmp_path / "worker.pid"
    with out.open("wb") as pid_file:  # a file, not a pipe the orphan would hold open
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(script), stdout=pid_file, cwd=Path(__file__).parents[1]
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
