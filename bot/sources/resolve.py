"""Turn whatever URL an admin pastes into a source of the right kind.

Order (the first that yields a readable source wins, and says which kind):

1. ``t.me/CHANNEL`` or ``t.me/s/CHANNEL`` → ``telegram`` (polls ``https://t.me/s/CHANNEL``);
   so does any page that is a channel preview (``div.tgme_widget_message[data-post]``).
2. With a CSS ``selector``: the page itself as an ``html`` listing.
3. The URL is a feed (RSS/Atom/RDF/JSON Feed) → ``feed``; a sitemap → ``sitemap``.
4. An HTML page: its ``<link rel="alternate">`` feeds (then feed-looking ``<a>``
   links), then the common paths :data:`COMMON_FEED_PATHS` on its site → ``feed``;
   then :data:`NEWS_SITEMAP_PATHS` and the news sitemaps ``/robots.txt`` names
   (only sitemaps with ``<news:news>`` entries count) → ``sitemap``; then the page
   itself as a listing found by heuristics → ``html``.

Everything goes through the one :class:`Fetcher`, so its limits (private
addresses, sizes, timeouts, per-host concurrency) hold, and every parse (the page's
feed links included) through the one :class:`ParsePool`, within its time budget; at most
:data:`MAX_CANDIDATES` advertised feeds are tried, and guessing stops at the
first candidate that times out or cannot be connected to.  Failure is a
:class:`SourceResolveError` whose message says what was tried.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import tzinfo
from urllib.parse import urljoin, urlsplit

from bot.sources.errors import ErrorKind, SourceError
from bot.sources.fetch import Fetcher, FetchResult
from bot.sources.fetch_errors import FetchError
from bot.sources.jsonfeed import is_json_feed
from bot.sources.model import DEFAULT_MAX_ITEMS
from bot.sources.parse_pool import ParsePool
from bot.sources.read import SourceKind, SourceRead, read_fetched, read_source
from bot.sources.sitemap import is_sitemap
from bot.sources.sniff import is_html, looks_like_feed
from bot.sources.telegram_channel import (
    TELEGRAM_BASE,
    channel_name,
    channel_url,
    is_channel_preview,
)
from bot.sources.urls import canonical_url

__all__ = [
    "COMMON_FEED_PATHS",
    "NEWS_SITEMAP_PATHS",
    "ResolvedSource",
    "SourceResolveError",
    "resolve_source",
]

MAX_CANDIDATES = 5
COMMON_FEED_PATHS = (
    "/feed/",
    "/rss",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/index.xml",
    "/?feed=rss2",
)
NEWS_SITEMAP_PATHS = ("/news-sitemap.xml", "/sitemap_news.xml", "/sitemap.xml")
# Fetch failures after which no more URLs are guessed on the site (each would
# cost the same timeout again).
_HOPELESS = frozenset(
    {ErrorKind.TIMEOUT, ErrorKind.CONNECT, ErrorKind.DNS, ErrorKind.TLS, ErrorKind.PRIVATE_ADDRESS}
)


@dataclass(frozen=True, slots=True)
class ResolvedSource:
    """What an admin's URL turned into: ``feed_url`` is the URL to poll as ``kind``
    (with ``selector`` for ``html``); ``read`` the first read of it."""

    kind: SourceKind
    page_url: str
    feed_url: str
    title: str
    selector: str | None
    read: SourceRead


class SourceResolveError(SourceError):
    """The URL could not be turned into a source; ``str(error)`` is fit to show an admin."""


def _document_kind(fetched: FetchResult) -> SourceKind | None:
    """What the fetched document is: a feed, a sitemap, an HTML page, or unknown."""
    body = fetched.body
    if is_json_feed(body) or looks_like_feed(body, fetched.content_type):
        return "feed"
    if is_sitemap(body) or body[:2] == b"\x1f\x8b":
        return "sitemap"
    if is_html(body, fetched.content_type):
        return "html"
    return None


_ROBOTS_SITEMAP_RE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


async def _robots_sitemaps(fetcher: Fetcher, site: str) -> list[str]:
    """News sitemaps a site names in ``/robots.txt`` (``Sitemap:`` lines whose URL
    says "news"), at most :data:`MAX_CANDIDATES`; none if it cannot be read."""
    try:
        robots = await fetcher.get(f"{site}/robots.txt", max_bytes=200_000, accept="text/plain")
    except FetchError:
        return []
    text = robots.body.decode("utf-8", errors="replace")
    urls = [canonical_url(m.group(1), site) for m in _ROBOTS_SITEMAP_RE.finditer(text)]
    return [url for url in urls if "news" in url.lower()][:MAX_CANDIDATES]


class _Resolver:
    def __init__(
        self,
        fetcher: Fetcher,
        page_url: str,
        *,
        parsers: ParsePool,
        selector: str | None,
        max_items: int,
        zone: tzinfo | None,
    ) -> None:
        self.fetcher = fetcher
        self.parsers = parsers
        self.page_url = page_url
        self.selector = selector
        self.max_items = max_items
        self.zone = zone
        self.tried: set[str] = set()
        self.failures: list[str] = []
        self.gave_up = False

    def resolved(
        self, kind: SourceKind, poll_url: str, read: SourceRead, title: str = ""
    ) -> ResolvedSource:
        return ResolvedSource(
            kind=kind,
            page_url=self.page_url,
            feed_url=poll_url,
            title=read.title or title or (urlsplit(poll_url).hostname or poll_url),
            selector=self.selector if kind == "html" else None,
            read=read,
        )

    async def read_as(self, kind: SourceKind, fetched: FetchResult) -> tuple[SourceRead, bool]:
        return await read_fetched(
            self.fetcher,
            fetched,
            kind=kind,
            parsers=self.parsers,
            selector=self.selector,
            max_items=self.max_items,
            zone=self.zone,
        )

    async def try_candidate(self, url: str, *, want: SourceKind) -> ResolvedSource | None:
        """Fetch ``url`` and accept it if it is a readable ``want`` (a sitemap only
        with news entries); record why not otherwise."""
        if url in self.tried or self.gave_up:
            return None
        self.tried.add(url)
        try:
            fetched = await self.fetcher.get(url)
            if _document_kind(fetched) != want:
                return None  # a soft 404 (the home page again) or another kind: skip quietly
            read, is_news = await self.read_as(want, fetched)
        except (FetchError, SourceError) as exc:
            if not isinstance(exc, FetchError) or exc.status not in (404, 410):
                self.failures.append(f"{url}: {exc}")
            if isinstance(exc, FetchError) and exc.kind in _HOPELESS:
                self.gave_up = True  # a slow or unreachable host: stop guessing URLs on it
            return None
        if want == "sitemap" and not (is_news and read.entries):
            return None
        return self.resolved(want, fetched.permanent_url or url, read)

    def error(self, message: str) -> SourceResolveError:
        if self.failures:
            message += f" ({'; '.join(self.failures[:MAX_CANDIDATES])})"
        return SourceResolveError(message)


async def resolve_source(
    fetcher: Fetcher,
    url: str,
    *,
    parsers: ParsePool,
    selector: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
    zone: tzinfo | None = None,
    telegram_base: str = TELEGRAM_BASE,
) -> ResolvedSource:
    """Find the source behind ``url`` (see the module rules), parsing in ``parsers``; a
    scheme-less URL gets ``https://``.  Raises :class:`SourceResolveError`.
    ``telegram_base`` is where channel previews are fetched (tests point it at a loopback
    server)."""
    page_url = url.strip()
    target = page_url if "://" in page_url else f"https://{page_url}"
    resolver = _Resolver(
        fetcher, page_url, parsers=parsers, selector=selector, max_items=max_items, zone=zone
    )

    name = channel_name(target)
    if name is not None:
        poll = channel_url(name, telegram_base)
        try:
            read = await read_source(
                fetcher,
                kind="telegram",
                url=poll,
                selector=None,
                etag=None,
                last_modified=None,
                parsers=parsers,
                max_items=max_items,
                zone=zone,
            )
        except SourceError as exc:
            raise SourceResolveError(f"Telegram channel @{name}: {exc}") from exc
        return resolver.resolved("telegram", poll, read, f"@{name}")

    try:
        page = await fetcher.get(target)
    except FetchError as exc:
        raise SourceResolveError(str(exc), kind=exc.kind, status=exc.status) from exc
    poll_url = page.permanent_url or canonical_url(target)
    kind = "html" if selector else _document_kind(page)
    if kind == "html" and is_channel_preview(page.body):
        kind = "telegram"
    if kind is None:
        raise SourceResolveError(f"{page_url} is not a feed, sitemap or HTML page")
    if kind != "html" or selector:
        try:
            read, _ = await resolver.read_as(kind, page)
        except SourceError as exc:
            raise SourceResolveError(str(exc), kind=exc.kind) from exc
        return resolver.resolved(kind, poll_url, read)

    resolver.tried |= {canonical_url(target), canonical_url(page.url)}
    try:
        links = await parsers.discover(page.body, url=page.url, charset=page.charset)
    except SourceError as exc:
        raise SourceResolveError(f"{page_url}: {exc}", kind=exc.kind) from exc
    advertised = links[:MAX_CANDIDATES]
    site = f"{urlsplit(page.url).scheme}://{urlsplit(page.url).netloc}"
    common = [canonical_url(urljoin(site, path)) for path in COMMON_FEED_PATHS]
    for candidate in [*advertised, *common]:
        found = await resolver.try_candidate(candidate, want="feed")
        if found is not None:
            return found
    sitemaps = [canonical_url(urljoin(site, path)) for path in NEWS_SITEMAP_PATHS]
    for candidate in sitemaps:
        found = await resolver.try_candidate(candidate, want="sitemap")
        if found is not None:
            return found
    robots = [] if resolver.gave_up else await _robots_sitemaps(fetcher, site)
    for candidate in robots:
        found = await resolver.try_candidate(candidate, want="sitemap")
        if found is not None:
            return found
    try:
        read, _ = await resolver.read_as("html", page)
    except SourceError as exc:
        if advertised:
            noun = "a feed" if len(advertised) == 1 else f"{len(advertised)} feeds"
            raise resolver.error(f"{page_url} links {noun} but none could be read") from exc
        raise resolver.error(
            f"{page_url} is an HTML page with no feed, no news sitemap and no article"
            " links recognised (give a CSS selector)"
        ) from exc
    return resolver.resolved("html", poll_url, read)
