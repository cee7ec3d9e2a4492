"""Every parse of a fetched document, in worker processes, each within a time budget.

HTML and XML parsers (lexbor, expat and feedparser, trafilatura and lxml, charset
detection) can take time that grows faster than the document: 40,000 nested ``<div>``
took lexbor 5 s. None of it runs on the event loop; :class:`ParsePool` runs it in
``workers`` processes of its own (``polling.parse_workers``), started by the composition
root in every mode that parses. Rules:

- A worker is ``python -m bot.sources.parse_worker`` (:mod:`bot.sources.parse_worker`
  has the protocol): a fresh interpreter that imports only the parsers, never the bot's
  main script. Workers start when first needed (or all at once with :meth:`start`), at
  most ``workers`` of them; a document waits for a free worker, and its budget starts
  when a worker takes it.
- Each document gets ``timeout`` seconds (``polling.parse_timeout``), from the moment it
  is handed to a worker until its answer is read. A worker that overruns is killed
  (SIGKILL) and a new one takes its place for the next document; the caller gets a
  ``parse_timeout`` :class:`SourceError`, which becomes that source's error. Other
  documents go on in the other workers.
- A worker that dies (a parser crash, the OOM killer) is replaced and the document is
  tried once more on a new worker; a document that kills that one too fails its source
  with a ``parser_crash`` error.
- A caller cancelled while its document is being parsed has the worker killed too (what
  it was doing is unknown); the next document gets a new one.
- The event loop only moves bytes: the job is pickled and written, the answer read and
  unpickled, through non-blocking pipes watched by the loop that calls (so one pool
  serves whatever loop uses it, one at a time). Both are linear in the document.
- Errors come back as raised in the worker: a :class:`SourceError` with its ``kind``
  (an :class:`~bot.sources.opml.OpmlError` from :meth:`read_opml`).
- :meth:`close` lets the documents being parsed finish (each within its budget), then
  ends the workers; later calls fail with a ``parse`` error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path
from typing import ParamSpec, TypeVar, cast

from bot.sources.errors import ErrorKind, SourceError
from bot.sources.extract import PageText
from bot.sources.model import DEFAULT_MAX_ITEMS, ParsedFeed
from bot.sources.opml import OpmlOutline
from bot.sources.parse_jobs import SourceKind, discover, extract, parse_body, read_opml
from bot.sources.parse_worker import FRAME, MAX_FRAME
from bot.sources.sitemap import Sitemap

__all__ = ["STARTUP_SECONDS", "ParsePool", "SourceKind", "parse_body"]

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

STARTUP_SECONDS = 60.0  # a worker not ready by then (a stuck import) is given up
STOP_SECONDS = 5.0  # a worker told to stop that has not left by then is killed
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # where ``bot`` is imported from


class _Died(Exception):
    """The worker's pipes closed: it is gone."""


async def _until(fd: int, *, write: bool) -> None:
    """Until ``fd`` is readable (``write``: writable), on the running loop."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    if write:
        loop.add_writer(fd, wake)
    else:
        loop.add_reader(fd, wake)
    try:
        await ready
    finally:
        if write:
            loop.remove_writer(fd)
        else:
            loop.remove_reader(fd)


class _Worker:
    """One worker process and its two pipes (non-blocking on this side)."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.sources.parse_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env=env,
            start_new_session=True,  # a terminal's Ctrl-C is for the bot, which stops it
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.jobs = self.process.stdin.fileno()
        self.answers = self.process.stdout.fileno()
        os.set_blocking(self.jobs, False)
        os.set_blocking(self.answers, False)

    @property
    def pid(self) -> int:
        return self.process.pid

    async def send(self, payload: bytes) -> None:
        view = memoryview(FRAME.pack(len(payload)) + payload)
        while view:
            try:
                view = view[os.write(self.jobs, view) :]
            except BlockingIOError:
                await _until(self.jobs, write=True)
            except OSError as exc:  # EPIPE: the worker is gone
                raise _Died from exc

    async def _read(self, size: int) -> bytes:
        chunks = bytearray()
        while len(chunks) < size:
            try:
                chunk = os.read(self.answers, min(size - len(chunks), 1 << 20))
            except BlockingIOError:
                await _until(self.answers, write=False)
                continue
            except OSError as exc:
                raise _Died from exc
            if not chunk:
                raise _Died
            chunks += chunk
        return bytes(chunks)

    async def receive(self) -> tuple[str, object]:
        (size,) = FRAME.unpack(await self._read(FRAME.size))
        if size > MAX_FRAME:
            raise _Died
        payload = await self._read(size)
        try:
            answer: tuple[str, object] = pickle.loads(payload)
        except Exception as exc:  # not what a worker sends: treat it as gone
            raise _Died from exc
        return answer

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self._close_pipes()

    def stop(self) -> None:
        """Ask it to leave: the end of its jobs pipe."""
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def gone(self) -> bool:
        """Whether the process has ended (reaping it if so)."""
        return self.process.poll() is not None


class ParsePool:
    """Worker processes that parse documents within a time budget (see the module rules).
    Made and closed by the composition root; one per process, shared by every part that
    parses."""

    def __init__(self, workers: int, timeout: float) -> None:
        if workers < 1:
            raise ValueError("a parse pool needs at least one worker")
        if timeout <= 0:
            raise ValueError("a parse budget must be positive")
        self.workers = workers
        self.timeout = timeout
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._live = 0  # workers running or starting
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._ended: list[_Worker] = []  # killed or stopped, not reaped yet
        self._closed = False
        self._drained: asyncio.Future[None] | None = None  # close() waits for the busy ones

    def pids(self) -> list[int]:
        """The worker processes' ids (idle and busy)."""
        return [worker.pid for worker in [*self._idle, *self._busy]]

    async def start(self) -> None:
        """Start every worker now, so the first documents do not wait for them."""
        started = await asyncio.gather(
            *(self._spawn() for _ in range(self.workers - self._live)), return_exceptions=True
        )
        for worker in started:
            if isinstance(worker, _Worker):
                self._release(worker)
        for error in started:
            if isinstance(error, BaseException):
                raise error

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
        """:func:`~bot.sources.parse_jobs.parse_body` in a worker. Raises SourceError."""
        return await self.run(
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

    async def extract(self, body: bytes, *, url: str, charset: str | None) -> PageText:
        """An article page's main text and canonical URL. Raises SourceError."""
        return await self.run(extract, body, url, charset)

    async def discover(self, body: bytes, *, url: str, charset: str | None) -> list[str]:
        """The feeds an HTML page advertises, best first. Raises SourceError."""
        return await self.run(discover, body, url, charset)

    async def read_opml(self, data: bytes) -> list[OpmlOutline]:
        """The feed outlines of an OPML file. Raises OpmlError or SourceError."""
        return await self.run(read_opml, data)

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``function(*args, **kwargs)`` in a worker (a module-level function; the arguments
        picklable), within the budget. Raises what it raises, or SourceError."""
        job = pickle.dumps((function, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        for attempt in range(2):
            worker = await self._acquire()
            try:
                async with asyncio.timeout(self.timeout):
                    await worker.send(job)
                    status, value = await worker.receive()
            except TimeoutError:
                self._discard(worker)
                log.warning(
                    "a parse took longer than %gs: worker %d killed", self.timeout, worker.pid
                )
                raise SourceError(
                    f"parsing the document took longer than {self.timeout:g}s; the parser"
                    " was stopped",
                    kind=ErrorKind.PARSE_TIMEOUT,
                ) from None
            except _Died:
                self._discard(worker)
                log.warning("parse worker %d died (attempt %d)", worker.pid, attempt + 1)
                continue
            except BaseException:  # cancelled (or a bug here): the worker's state is unknown
                self._discard(worker)
                raise
            self._release(worker)
            if status == "error":
                assert isinstance(value, BaseException)
                raise value
            return cast(T, value)
        raise SourceError("the document made the parser crash", kind=ErrorKind.PARSER_CRASH)

    async def _acquire(self) -> _Worker:
        while True:
            if self._closed:
                raise SourceError("the parser is shut down", kind=ErrorKind.PARSE)
            if self._idle:
                worker = self._idle.pop()
                self._busy.add(worker)
                return worker
            if self._live < self.workers:
                return await self._spawn()
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # woken, then cancelled: the turn goes to the next one
                raise
            finally:
                with contextlib.suppress(ValueError):
                    self._waiting.remove(waiter)

    async def _spawn(self) -> _Worker:
        self._live += 1
        self._reap()
        try:
            worker = _Worker()
        except OSError as exc:
            self._live -= 1
            self._wake()
            log.error("could not start a parse worker: %s", exc)
            raise SourceError("the parser could not start", kind=ErrorKind.PARSER_CRASH) from exc
        self._busy.add(worker)
        try:
            async with asyncio.timeout(STARTUP_SECONDS):
                status, _ = await worker.receive()
            if status != "ready":
                raise _Died
        except (TimeoutError, _Died) as exc:
            self._discard(worker)
            log.error("parse worker %d did not start", worker.pid)
            raise SourceError("the parser could not start", kind=ErrorKind.PARSER_CRASH) from exc
        except BaseException:
            self._discard(worker)
            raise
        return worker

    def _release(self, worker: _Worker) -> None:
        self._busy.discard(worker)
        if self._closed:
            self._live -= 1
            worker.stop()
            self._ended.append(worker)
        else:
            self._idle.append(worker)
        self._wake()

    def _discard(self, worker: _Worker) -> None:
        """Kill a worker; a new one starts when a document needs it."""
        self._busy.discard(worker)
        self._live -= 1
        worker.kill()
        self._ended.append(worker)
        self._wake()

    def _wake(self) -> None:
        """Give the next waiting document its turn (closing: tell close() when none is
        being parsed any more)."""
        drained = self._drained
        if drained is not None and not self._busy and not drained.done():
            drained.set_result(None)
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done() and not waiter.get_loop().is_closed():
                waiter.set_result(None)
                return

    def _reap(self) -> None:
        self._ended = [worker for worker in self._ended if not worker.gone()]

    async def close(self) -> None:
        """Let the documents being parsed finish, then end the workers."""
        self._closed = True
        for waiter in self._waiting:
            if not waiter.done() and not waiter.get_loop().is_closed():
                waiter.set_result(None)  # each finds the pool closed
        self._waiting.clear()
        loop = asyncio.get_running_loop()
        if self._busy:
            self._drained = loop.create_future()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._drained, self.timeout + STOP_SECONDS)
        for worker in [*self._idle, *self._busy]:
            worker.stop()
            self._ended.append(worker)
        self._idle.clear()
        self._busy.clear()
        self._live = 0
        deadline = loop.time() + STOP_SECONDS
        while loop.time() < deadline:
            self._reap()
            if not self._ended:
                return
            await asyncio.sleep(0.02)
        stuck, self._ended = self._ended, []
        for worker in stuck:
            worker.kill()
        for worker in stuck:
            await asyncio.to_thread(worker.process.wait)
