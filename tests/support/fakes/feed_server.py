"""A tiny HTTP server for feed tests, served over loopback with aiohttp.web.

    async with FeedServer() as server:
        server.set_file("/rss.xml", "arabic_rss.xml")
        server.set("/feed", rss_feed("Title", [{"title": "...", "link": "..."}]))
        result = await fetcher.get(server.url("/rss.xml"))

Content can be changed between polls with another ``set``.  Conditional GETs are
honoured: a request whose ``If-None-Match`` matches the route's ``etag`` (or
whose ``If-Modified-Since`` is not older than its ``last_modified``) gets 304.
``fail_next`` queues error statuses served before the normal response, e.g. a
503 followed by recovery.  Hostile servers: ``set_stream`` trickles or streams an
endless body, ``redirect_chain`` builds redirect hops, :func:`gzip_bomb` makes a small
gzip body that inflates to a huge one (serve it with ``headers={"Content-Encoding":
"gzip"}``).
"""

from __future__ import annotations

import asyncio
import socket
import struct
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import TypedDict
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDict

from tests.support.fakes.server import LoopbackServer

__all__ = [
    "FEEDS_DIR",
    "FakeDNS",
    "FeedItem",
    "FeedServer",
    "Handler",
    "atom_feed",
    "gzip_bomb",
    "rss_feed",
]

FEEDS_DIR = Path(__file__).resolve().parents[2] / "data" / "feeds"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# aiohttp always adds a default Content-Type; responses marked with this key get
# it removed again just before the headers are sent.
_NO_CONTENT_TYPE = web.ResponseKey("feed_server_no_content_type", bool)


async def _strip_content_type(request: web.Request, response: web.StreamResponse) -> None:
    if response.get(_NO_CONTENT_TYPE):
        response.headers.popall("Content-Type", None)


@dataclass
class _Route:
    body: bytes
    content_type: str
    status: int
    etag: str | None
    last_modified: str | None
    delay: float
    headers: dict[str, str]
    chunked: bool
    pending_statuses: deque[int] = field(default_factory=deque)
    handler: Handler | None = None


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True

    def weak(tag: str) -> str:
        tag = tag.strip()
        return tag[2:] if tag.startswith("W/") else tag

    return weak(etag) in {weak(tag) for tag in header.split(",")}


def _not_modified_since(header: str, last_modified: str) -> bool:
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return header.strip() == last_modified.strip()


class FeedServer(LoopbackServer):
    """Serves configurable paths on ``http://127.0.0.1:<random port>``."""

    def __init__(self, data_dir: Path = FEEDS_DIR) -> None:
        self.data_dir = data_dir
        self.hits: dict[str, int] = {}
        self.served: dict[str, int] = {}
        self._counts_changed: asyncio.Condition | None = None
        self.requests: list[tuple[str, CIMultiDict[str]]] = []
        self.written: dict[str, int] = {}
        self._routes: dict[str, _Route] = {}
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self._counts_changed = asyncio.Condition()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle_and_count)
        app.on_response_prepare.append(_strip_content_type)
        runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=0.5, access_log=None
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        self._runner = runner
        self._base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("FeedServer is not started")
        return self._base_url

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # ------------------------------------------------------------------ configuration
    def set(
        self,
        path: str,
        body: bytes | str,
        *,
        content_type: str = "application/rss+xml; charset=utf-8",
        status: int = 200,
        etag: str | None = None,
        last_modified: str | None = None,
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
        chunked: bool = False,
    ) -> None:
        """Serve ``body`` at ``path`` (a ``str`` body is sent as UTF-8).

        ``content_type`` is sent verbatim; ``""`` sends no Content-Type header.
        ``chunked`` streams the body without a Content-Length.  Queued
        ``fail_next`` statuses survive a ``set``.
        """
        pending = self._routes[path].pending_statuses if path in self._routes else deque()
        self._routes[path] = _Route(
            body=body.encode("utf-8") if isinstance(body, str) else body,
            content_type=content_type,
            status=status,
            etag=etag,
            last_modified=last_modified,
            delay=delay,
            headers=dict(headers or {}),
            chunked=chunked,
            pending_statuses=pending,
        )

    def set_file(
        self,
        path: str,
        filename: str,
        *,
        content_type: str = "application/rss+xml; charset=utf-8",
        status: int = 200,
        etag: str | None = None,
        last_modified: str | None = None,
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
        chunked: bool = False,
    ) -> None:
        """Serve the bytes of ``tests/data/feeds/<filename>`` at ``path``."""
        self.set(
            path,
            (self.data_dir / filename).read_bytes(),
            content_type=content_type,
            status=status,
            etag=etag,
            last_modified=last_modified,
            delay=delay,
            headers=headers,
            chunked=chunked,
        )

    def set_handler(self, path: str, handler: Handler) -> None:
        """Answer ``path`` with a custom aiohttp handler."""
        self.set(path, b"")
        self._routes[path].handler = handler

    def redirect(self, path: str, location: str, *, status: int = 302) -> None:
        self.set(path, b"", content_type="", status=status, headers={"Location": location})

    def redirect_chain(self, paths: Sequence[str], target: str, *, statuses: Sequence[int]) -> None:
        """``paths[0]`` redirects to ``paths[1]``... and the last one to ``target`` (a path
        or URL), hop ``i`` answering ``statuses[i]``."""
        if len(statuses) != len(paths):
            raise ValueError("one status per redirecting path")
        targets = [*paths[1:], target]
        for path, status, location in zip(paths, statuses, targets, strict=True):
            self.redirect(path, location, status=status)

    def set_stream(
        self,
        path: str,
        chunk: bytes,
        *,
        count: int | None = None,
        interval: float = 0.0,
        content_length: int | None = None,
        content_type: str = "application/rss+xml; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Stream ``chunk`` ``count`` times (``None``: forever), sleeping ``interval``
        seconds before each write: a trickling or endless body, never held in memory.
        Without ``content_length`` the body is chunked; with it that length is declared
        (whether or not the chunks add up to it).  ``written[path]`` counts bytes sent."""

        async def handler(request: web.Request) -> web.StreamResponse:
            stream = web.StreamResponse(headers={"Content-Type": content_type, **(headers or {})})
            if content_length is None:
                stream.enable_chunked_encoding()
            else:
                stream.content_length = content_length
            await stream.prepare(request)
            sent = 0
            while count is None or sent < count:
                if interval:
                    await asyncio.sleep(interval)
                await stream.write(chunk)
                self.written[path] = self.written.get(path, 0) + len(chunk)
                sent += 1
            await stream.write_eof()
            return stream

        self.set_handler(path, handler)

    def fail_next(self, path: str, *statuses: int) -> None:
        """Answer the next requests to ``path`` with these statuses (one each), then
        go back to the configured response.  The path must be ``set`` already."""
        self._routes[path].pending_statuses.extend(statuses)

    def remove(self, path: str) -> None:
        """Stop serving ``path``: it answers 404 from now on."""
        self._routes.pop(path, None)

    async def wait_for_hits(self, path: str, count: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Return once ``count`` responses for ``path`` have been built and handed over."""
        await self._wait_count(self.served, path, count, timeout)

    async def wait_for_requests(self, path: str, count: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Return once ``count`` requests for ``path`` have arrived (answered or not)."""
        await self._wait_count(self.hits, path, count, timeout)

    async def _wait_count(
        self,
        counts: dict[str, int],
        path: str,
        count: int,
        timeout: float,  # noqa: ASYNC109
    ) -> None:
        if self._counts_changed is None:
            raise RuntimeError("FeedServer is not started")
        condition = self._counts_changed
        async with condition:
            try:
                await asyncio.wait_for(
                    condition.wait_for(lambda: counts.get(path, 0) >= count), timeout
                )
            except TimeoutError:
                seen = counts.get(path, 0)
                raise TimeoutError(f"{path}: {seen} so far, wanted {count}") from None

    # ------------------------------------------------------------------ serving
    async def _handle_and_count(self, request: web.Request) -> web.StreamResponse:
        await self._count(self.hits, request.path)
        response = await self._handle(request)
        await self._count(self.served, request.path)
        return response

    async def _count(self, counts: dict[str, int], path: str) -> None:
        counts[path] = counts.get(path, 0) + 1
        if self._counts_changed is not None:
            async with self._counts_changed:
                self._counts_changed.notify_all()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.requests.append((path, CIMultiDict(request.headers)))
        route = self._routes.get(request.path_qs) or self._routes.get(path)
        if route is None:
            return web.Response(status=404, text="not found")
        if route.delay:
            await asyncio.sleep(route.delay)
        if route.pending_statuses:
            status = route.pending_statuses.popleft()
            return web.Response(status=status, text=f"error {status}")
        if route.handler is not None:
            return await route.handler(request)

        headers = dict(route.headers)
        if route.etag is not None:
            headers["ETag"] = route.etag
        if route.last_modified is not None:
            headers["Last-Modified"] = route.last_modified
        if route.status == 200 and self._is_not_modified(request, route):
            return web.Response(status=304, headers=headers)
        if route.content_type:
            headers["Content-Type"] = route.content_type

        if not route.chunked:
            response = web.Response(status=route.status, body=route.body, headers=headers)
            response[_NO_CONTENT_TYPE] = not route.content_type
            return response
        stream = web.StreamResponse(status=route.status, headers=headers)
        stream[_NO_CONTENT_TYPE] = not route.content_type
        stream.enable_chunked_encoding()
        await stream.prepare(request)
        for start in range(0, len(route.body), 16 * 1024):
            await stream.write(route.body[start : start + 16 * 1024])
        await stream.write_eof()
        return stream

    @staticmethod
    def _is_not_modified(request: web.Request, route: _Route) -> bool:
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:  # takes precedence over If-Modified-Since
            return route.etag is not None and _etag_matches(if_none_match, route.etag)
        if_modified_since = request.headers.get("If-Modified-Since")
        if if_modified_since is not None and route.last_modified is not None:
            return _not_modified_since(if_modified_since, route.last_modified)
        return False


class FakeDNS(AbstractResolver):
    """A DNS we control, for ``create_session(limits, resolver=FakeDNS(...))``.

    ``names`` maps a host name to its addresses; a list of lists is a sequence of
    answers, one per lookup (the last one repeats): DNS rebinding.  Unknown names fail
    like a real NXDOMAIN.  ``lookups`` counts the questions per name.
    """

    def __init__(self, names: dict[str, list[str] | list[list[str]]]) -> None:
        self.names = names
        self.lookups: dict[str, int] = {}

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        name = host.rstrip(".").lower()
        seen = self.lookups.get(name, 0)
        self.lookups[name] = seen + 1
        answers = self.names.get(name)
        if not answers:
            raise OSError(socket.EAI_NONAME, f"{name}: name not known")
        if isinstance(answers[0], list):
            addresses = answers[min(seen, len(answers) - 1)]
        else:
            addresses = answers
        return [
            {
                "hostname": name,
                "host": str(address),
                "port": port,
                "family": socket.AF_INET6 if ":" in str(address) else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address in addresses
        ]

    async def close(self) -> None:
        return None


# ---------------------------------------------------------------------- feed builders


def gzip_bomb(inflated_size: int, *, prefix: bytes = b"<rss>") -> bytes:
    """A gzip stream of ``prefix`` then zeros, ``inflated_size`` bytes in all once
    inflated (about 1/1000 of that compressed).  Built in milliseconds: one megabyte of
    zeros is deflated once (ending on a full flush, so it stands alone) and repeated."""

    def deflated(data: bytes) -> bytes:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate
        return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)

    block = bytes(1 << 20)
    whole, rest = divmod(inflated_size - len(prefix), len(block))
    crc = zlib.crc32(prefix)
    for _ in range(whole):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(block[:rest], crc)
    return b"".join(
        [
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff",  # gzip header, no name, no time
            deflated(prefix),
            deflated(block) * whole,
            deflated(block[:rest]) if rest else b"",
            b"\x03\x00",  # an empty final block
            struct.pack("<II", crc, inflated_size & 0xFFFFFFFF),
        ]
    )


class FeedItem(TypedDict, total=False):
    """One item/entry for :func:`rss_feed` / :func:`atom_feed` (all keys optional).

    ``description`` and ``content`` may contain HTML; they are XML-escaped.
    """

    title: str
    link: str
    guid: str
    description: str
    content: str
    published: datetime | str


def _rfc822(value: datetime | str) -> str:
    return value if isinstance(value, str) else format_datetime(value)


def _iso(value: datetime | str) -> str:
    return value if isinstance(value, str) else value.isoformat()


def rss_feed(
    title: str,
    items: Sequence[FeedItem],
    *,
    link: str = "https://example.ma/",
    description: str = "",
    language: str = "ar",
    encoding: str = "utf-8",
) -> str:
    """An RSS 2.0 document.  ``encoding`` only goes into the XML declaration:
    encode the returned text with the same codec."""
    out = [
        f'<?xml version="1.0" encoding={quoteattr(encoding)}?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        "<channel>",
        f"<title>{escape(title)}</title>",
        f"<link>{escape(link)}</link>",
        f"<description>{escape(description)}</description>",
        f"<language>{escape(language)}</language>",
    ]
    for item in items:
        out.append("<item>")
        if "title" in item:
            out.append(f"<title>{escape(item['title'])}</title>")
        if "link" in item:
            out.append(f"<link>{escape(item['link'])}</link>")
        if "guid" in item:
            out.append(f'<guid isPermaLink="false">{escape(item["guid"])}</guid>')
        if "published" in item:
            out.append(f"<pubDate>{escape(_rfc822(item['published']))}</pubDate>")
        if "description" in item:
            out.append(f"<description>{escape(item['description'])}</description>")
        if "content" in item:
            out.append(f"<content:encoded>{escape(item['content'])}</content:encoded>")
        out.append("</item>")
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def atom_feed(
    title: str,
    entries: Sequence[FeedItem],
    *,
    feed_id: str = "urn:rasd:test-feed",
    link: str = "https://example.ma/",
    updated: datetime | str = "2025-01-13T12:00:00Z",
    language: str = "fr",
) -> str:
    """An Atom 1.0 document (UTF-8).  ``guid`` becomes the entry ``<id>`` (default:
    the link, else a URN from the position); ``description`` the HTML summary."""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(language)}>',
        f"<title>{escape(title)}</title>",
        f'<link rel="alternate" type="text/html" href={quoteattr(link)}/>',
        f"<id>{escape(feed_id)}</id>",
        f"<updated>{escape(_iso(updated))}</updated>",
    ]
    for index, entry in enumerate(entries):
        entry_id = entry.get("guid") or entry.get("link") or f"{feed_id}:entry-{index}"
        out.append("<entry>")
        if "title" in entry:
            out.append(f"<title>{escape(entry['title'])}</title>")
        if "link" in entry:
            out.append(f'<link rel="alternate" href={quoteattr(entry["link"])}/>')
        out.append(f"<id>{escape(entry_id)}</id>")
        stamp = _iso(entry["published"]) if "published" in entry else _iso(updated)
        if "published" in entry:
            out.append(f"<published>{escape(stamp)}</published>")
        out.append(f"<updated>{escape(stamp)}</updated>")
        if "description" in entry:
            out.append(f'<summary type="html">{escape(entry["description"])}</summary>')
        if "content" in entry:
            out.append(f'<content type="html">{escape(entry["content"])}</content>')
        out.append("</entry>")
    out += ["</feed>", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------- source kinds (A2)

SITES_DIR = FEEDS_DIR.parent / "sites"


def site_bytes(name: str, base_url: str = "") -> bytes:
    """A fixture of tests/data/sites (or tests/data/feeds) with ``{{BASE}}`` replaced
    by ``base_url`` (sitemap indexes must name absolute URLs of the test server)."""
    path = SITES_DIR / name if (SITES_DIR / name).exists() else FEEDS_DIR / name
    return path.read_bytes().replace(b"{{BASE}}", base_url.encode())


def numbered_items(count: int, *, start: datetime, step_minutes: int = 1) -> list[FeedItem]:
    """``count`` items, oldest first, each one ``step_minutes`` after the previous:
    guid ``g<i>``, link ``https://big.example.ma/a/<i>``, an Arabic title."""
    from datetime import timedelta

    return [
        {
            "title": f"خبر رقم {i} عن الهجرة",
            "link": f"https://big.example.ma/a/{i}",
            "guid": f"g{i}",
            "description": "<p>نص الخبر</p>",
            "published": start + timedelta(minutes=i * step_minutes),
        }
        for i in range(count)
    ]
