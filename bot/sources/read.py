"""Read one source of any kind: fetch it (conditionally) and parse its entries.

Kinds and what is fetched:

- ``feed``: the feed URL; RSS 0.9x/1.0/2.0, Atom, RDF or JSON Feed (told apart
  by the document, not the Content-Type).
- ``sitemap``: a (news) sitemap; a sitemap index is followed one level, to at
  most :data:`MAX_CHILD_SITEMAPS` children (see :func:`sitemap.pick_children`);
  gzipped sitemaps are inflated within the same byte cap.
- ``html``: a listing page; article links by heuristics or the admin's CSS
  ``selector`` (:mod:`bot.sources.listing`).  A page with no article link is an
  error (the site changed, or the selector no longer matches).
- ``telegram``: a channel's ``https://t.me/s/CHANNEL`` preview page.

Every failure is a :class:`SourceError` with a ``kind``; nothing else escapes,
so one broken or hostile source never hurts the others.  Every parse runs in the
:class:`~bot.sources.parse_pool.ParsePool`'s worker processes, within its time budget:
the event loop only fetches and moves bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import get_args
from urllib.parse import urlsplit

from bot.sources.errors import ErrorKind, SourceError
from bot.sources.fetch import Fetcher, FetchResult
from bot.sources.fetch_errors import FetchError
from bot.sources.model import DEFAULT_MAX_ITEMS, ParsedEntry, ParsedFeed, keep_newest
from bot.sources.parse_pool import ParsePool, SourceKind
from bot.sources.sitemap import Sitemap, pick_children

__all__ = [
    "MAX_CHILD_SITEMAPS",
    "SOURCE_KINDS",
    "SourceError",
    "SourceKind",
    "SourceRead",
    "fetch_error",
    "read_source",
]

SOURCE_KINDS: tuple[SourceKind, ...] = get_args(SourceKind)
MAX_CHILD_SITEMAPS = 3
_ACCEPT_HTML = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_ACCEPT_SITEMAP = "application/xml, text/xml;q=0.9, */*;q=0.5"


@dataclass(frozen=True, slots=True)
class SourceRead:
    """One read of a source.  ``entries`` is ``None`` when the server said 304 (not
    modified); ``ttl`` the seconds the source asks us to wait, if it says."""

    fetched: FetchResult
    entries: list[ParsedEntry] | None
    title: str
    ttl: float | None


def fetch_error(exc: FetchError) -> SourceError:
    """A fetch failure as a :class:`SourceError` (same message, kind, status)."""
    error = SourceError(
        str(exc),
        kind=exc.kind,
        status=exc.status,
        retry_after=exc.retry_after,
    )
    error.__cause__ = exc
    return error


async def _parse(
    kind: SourceKind,
    fetched: FetchResult,
    *,
    selector: str | None,
    max_items: int,
    zone: tzinfo | None,
    known: frozenset[str] = frozenset(),
    parsers: ParsePool,
) -> ParsedFeed | Sitemap:
    return await parsers.parse(
        kind,
        fetched.body,
        fetched.url,
        fetched.charset,
        selector=selector,
        max_items=max_items,
        zone=zone,
        known=known,
    )


def _host(url: str) -> str:
    return (urlsplit(url).hostname or url).lower()


async def _read_children(
    fetcher: Fetcher,
    index: Sitemap,
    *,
    max_items: int,
    zone: tzinfo | None,
    parsers: ParsePool,
) -> Sitemap:
    """Entries of the chosen children of a sitemap index (one level, no deeper)."""
    children = pick_children(index, MAX_CHILD_SITEMAPS)
    if not children:
        raise SourceError("the sitemap index lists no sitemap", kind=ErrorKind.PARSE)
    entries: list[ParsedEntry] = []
    errors: list[str] = []
    is_news = False
    title = ""
    for child_url in children:
        try:
            fetched = await fetcher.get(child_url, accept=_ACCEPT_SITEMAP)
            child = await _parse(
                "sitemap",
                fetched,
                selector=None,
                max_items=max_items,
                zone=zone,
                parsers=parsers,
            )
        except FetchError as exc:
            errors.append(str(exc))
            continue
        except SourceError as exc:
            errors.append(str(exc))
            continue
        if isinstance(child, Sitemap):  # always: kept for the type checker
            if child.children:
                errors.append("nested sitemap index not followed")
                continue
            entries += child.entries
            is_news = is_news or child.is_news
            title = title or child.title
    if errors and not entries:
        raise SourceError(f"no child sitemap could be read ({errors[0]})", kind=ErrorKind.PARSE)
    merged = keep_newest(entries, max_items)
    return Sitemap(entries=merged, children=[], is_news=is_news, title=title)


async def read_fetched(
    fetcher: Fetcher,
    fetched: FetchResult,
    *,
    kind: SourceKind,
    parsers: ParsePool,
    selector: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
    zone: tzinfo | None = None,
    known: frozenset[str] = frozenset(),
) -> tuple[SourceRead, bool]:
    """Parse an already fetched response as ``kind`` (following a sitemap index) in the
    ``parsers``' workers; also says whether a sitemap carried news data.  Raises
    :class:`SourceError`."""
    if fetched.not_modified:
        return SourceRead(fetched=fetched, entries=None, title="", ttl=None), False
    parsed = await _parse(
        kind,
        fetched,
        selector=selector,
        max_items=max_items,
        zone=zone,
        known=known,
        parsers=parsers,
    )
    if isinstance(parsed, Sitemap):
        if parsed.children:
            parsed = await _read_children(
                fetcher, parsed, max_items=max_items, zone=zone, parsers=parsers
            )
        title = parsed.title or _host(fetched.url)
        read = SourceRead(fetched=fetched, entries=parsed.entries, title=title, ttl=None)
        return read, parsed.is_news
    return SourceRead(
        fetched=fetched, entries=parsed.entries, title=parsed.title, ttl=parsed.ttl
    ), False


async def read_source(
    fetcher: Fetcher,
    *,
    kind: SourceKind,
    url: str,
    selector: str | None,
    etag: str | None,
    last_modified: str | None,
    parsers: ParsePool,
    max_items: int = DEFAULT_MAX_ITEMS,
    zone: tzinfo | None = None,
    known: frozenset[str] = frozenset(),
) -> SourceRead:
    """Fetch ``url`` (conditional GET with ``etag``/``last_modified``) and parse it as
    ``kind``; at most ``max_items`` entries (the newest).  Times without a zone are
    taken in the zone the document's other times use, else ``zone``, else UTC.
    ``known``: guids already stored for this source; a feed's items with these guids may be
    skipped unparsed.  ``parsers``: the worker processes that parse it.
    Raises :class:`SourceError` (fetch errors keep their kind, status, retry_after)."""
    if kind not in SOURCE_KINDS:
        raise SourceError(f"unknown source kind {kind!r}", kind=ErrorKind.INVALID_URL)
    accept = _ACCEPT_HTML if kind in ("html", "telegram") else None
    if kind == "sitemap":
        accept = _ACCEPT_SITEMAP
    try:
        fetched = await fetcher.get(url, etag=etag, last_modified=last_modified, accept=accept)
        read, _ = await read_fetched(
            fetcher,
            fetched,
            kind=kind,
            selector=selector,
            max_items=max_items,
            zone=zone,
            known=known,
            parsers=parsers,
        )
    except FetchError as exc:
        raise fetch_error(exc) from exc
    return read
