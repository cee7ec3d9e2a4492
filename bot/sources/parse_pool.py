"""Parse fetched source documents, in this process or in worker processes.

:func:`parse_body` turns a fetched body into entries for a source's kind (pure: no
network).  Parsing (expat and feedparser, lexbor, charset detection) is CPU work that
holds the interpreter: on the event loop's thread it competes with fetching and storing.
:class:`ParsePool` runs it in ``workers`` spawned processes instead (``polling.parse_workers``),
so a poll round uses a second core.

- Workers are spawned, not forked (the bot's process has threads and open connections),
  and import only the parsers: this module imports nothing else of the bot, nor aiohttp or
  SQLAlchemy, and a worker does not run the parent's main script again (multiprocessing
  would, for a program started as a script: all of the bot, some 60 MB more per worker).
  They start on the first document, or ahead of it with :meth:`ParsePool.start`.
- Errors come back as they would in-process (a :class:`SourceError` with its ``kind``).
- A worker that dies (a parser crash, the OOM killer) breaks the executor; the pool starts
  a new one and the documents that were in flight are parsed once more; a document that
  breaks the new one too fails its own source with a ``parse`` error.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import multiprocessing
import os
import sys
import threading
import time
import types
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import tzinfo
from typing import Literal

from bot.sources.errors import SourceError
from bot.sources.listing import parse_listing
from bot.sources.parse import DEFAULT_MAX_ITEMS, FeedParseError, ParsedFeed, decode_html, parse_feed
from bot.sources.sitemap import Sitemap, parse_sitemap
from bot.sources.telegram_channel import parse_telegram_channel

__all__ = ["ParsePool", "SourceKind", "parse_body"]

log = logging.getLogger(__name__)

SourceKind = Literal["feed", "sitemap", "html", "telegram"]
PARENT_CHECK_SECONDS = 1.0  # how often a worker checks that the bot's process is alive
_MAX_INFLATED = 20_000_000  # a gzipped sitemap's inflated size (gzip bombs stop here)


def _gunzip(body: bytes, limit: int) -> bytes:
    """Inflate a gzip body (``sitemap.xml.gz`` served as a file), at most ``limit`` bytes."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error:
        raise SourceError("could not decompress the gzipped sitemap", kind="decompress") from None
    if len(data) > limit:
        raise SourceError(
            f"gzipped sitemap inflates beyond {limit // 1_000_000 or 1} MB", kind="too_large"
        )
    return data


def parse_body(
    kind: SourceKind,
    body: bytes,
    url: str,
    charset: str | None,
    *,
    selector: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
    zone: tzinfo | None = None,
    known: frozenset[str] = frozenset(),
) -> ParsedFeed | Sitemap:
    """Parse a fetched body (from ``url``, with the HTTP ``charset``) as ``kind``.  A sitemap
    index comes back as a :class:`Sitemap` with ``children`` for the caller to follow.
    Raises :class:`SourceError` only."""
    try:
        if kind == "feed":  # parse_feed hands a JSON Feed to jsonfeed itself
            return parse_feed(
                body, base_url=url, charset=charset, max_items=max_items, zone=zone, known=known
            )
        if kind == "sitemap":
            if body[:2] == b"\x1f\x8b":
                body = _gunzip(body, _MAX_INFLATED)
            return parse_sitemap(
                body, base_url=url, charset=charset, max_items=max_items, zone=zone
            )
        html = decode_html(body, charset)
        if kind == "telegram":
            return parse_telegram_channel(html, page_url=url, max_items=max_items, zone=zone)
        listing = parse_listing(
            html, page_url=url, selector=selector, max_items=max_items, zone=zone
        )
    except SourceError:
        raise
    except Exception as exc:  # a parser bug must stay this source's problem
        raise SourceError(
            f"could not parse the document ({type(exc).__name__})", kind="parse"
        ) from exc
    if not listing.entries:
        hint = "the selector matches no article link" if selector else "no article links found"
        raise FeedParseError(f"{hint} on the page")
    return listing


def _ready() -> int:
    return os.getpid()


def _exit_with(parent: int) -> None:
    """Worker initializer: leave when the bot's process is gone. A process killed outright
    (SIGKILL, the OOM killer) cannot stop its workers, which would otherwise stay forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


@contextlib.contextmanager
def _without_main() -> Iterator[None]:
    """Workers spawned inside do not import this process's ``__main__`` (see the module
    documentation): what they run lives in this module."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class ParsePool:
    """:func:`parse_body` in ``workers`` worker processes (see the module documentation).
    Made and closed by the composition root; share one between the stages that parse."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError("a parse pool needs at least one worker")
        self.workers = workers
        self._context = multiprocessing.get_context("spawn")
        self._executor = self._new_executor()
        self._closed = False

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self._context,
            initializer=_exit_with,
            initargs=(os.getpid(),),
        )

    async def start(self) -> None:
        """Start every worker now, so the first poll does not wait for them."""
        loop = asyncio.get_running_loop()
        executor = self._executor
        with _without_main():  # submitting spawns the workers
            started = [loop.run_in_executor(executor, _ready) for _ in range(self.workers)]
        await asyncio.gather(*started)

    async def parse(
        self,
        kind: SourceKind,
        body: bytes,
        url: str,
        charset: str | None,
        *,
        selector: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        zone: tzinfo | None = None,
        known: frozenset[str] = frozenset(),
    ) -> ParsedFeed | Sitemap:
        """:func:`parse_body` in a worker.  Raises :class:`SourceError`."""
        return await self.run(
            functools.partial(
                parse_body,
                kind,
                body,
                url,
                charset,
                selector=selector,
                max_items=max_items,
                zone=zone,
                known=known,
            )
        )

    async def run(self, call: Callable[[], ParsedFeed | Sitemap]) -> ParsedFeed | Sitemap:
        """``call`` (a picklable partial of :func:`parse_body`) in a worker."""
        loop = asyncio.get_running_loop()
        for _ in range(2):
            if self._closed:
                raise SourceError("the parser is shut down", kind="parse")
            executor = self._executor
            try:
                with _without_main():  # a submission may spawn a worker
                    parsed = loop.run_in_executor(executor, call)
                return await parsed
            except BrokenProcessPool:
                if executor is self._executor and not self._closed:
                    log.warning("a parser process died; starting a new one")
                    executor.shutdown(wait=False, cancel_futures=True)
                    self._executor = self._new_executor()
        raise SourceError("the document made the parser process crash", kind="parse")

    async def close(self) -> None:
        """Stop the workers (documents in flight are finished first)."""
        self._closed = True
        await asyncio.to_thread(self._executor.shutdown, wait=True, cancel_futures=True)
