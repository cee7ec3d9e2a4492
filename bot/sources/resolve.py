"""Turn whatever URL an admin pastes (feed or site page) into a pollable feed."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from bot.sources.discover import discover_feed_links
from bot.sources.fetch import FetchError, FetchResult, fetch
from bot.sources.parse import FeedParseError, ParsedFeed, is_html, looks_like_feed, parse_feed
from bot.sources.urls import canonical_url

__all__ = ["ResolvedSource", "SourceResolveError", "resolve_source"]

# How many advertised feeds to try before giving up on a page.
_MAX_CANDIDATES = 5


@dataclass(frozen=True, slots=True)
class ResolvedSource:
    page_url: str
    feed_url: str
    title: str
    feed: ParsedFeed
    fetched: FetchResult


class SourceResolveError(Exception):
    """The URL could not be turned into a feed; ``str(error)`` is fit to show an admin."""


def _html_text(result: FetchResult) -> bytes | str:
    """The page as text when the HTTP charset decodes it, else raw bytes (the HTML
    parser then honours ``<meta charset>``)."""
    if result.charset:
        try:
            return result.body.decode(result.charset)
        except (LookupError, UnicodeError):
            pass
    return result.body


async def resolve_source(
    session: aiohttp.ClientSession,
    url: str,
    *,
    timeout: float = 20.0,  # noqa: ASYNC109 - per-request aiohttp timeout
    max_bytes: int = 5_000_000,
) -> ResolvedSource:
    """Fetch ``url`` once; parse it if it is a feed, otherwise follow the feed
    links of the HTML page (in order) until one parses.

    Raises :class:`SourceResolveError` with a short reason ("HTTP 404", "<url> is
    an HTML page that links no feed", ...).  A scheme-less URL gets ``https://``.
    """
    page_url = url.strip()
    target = page_url if "://" in page_url else f"https://{page_url}"
    try:
        page = await fetch(session, target, timeout=timeout, max_bytes=max_bytes)
    except FetchError as exc:
        raise SourceResolveError(str(exc)) from exc

    if looks_like_feed(page.body, page.content_type) or not is_html(page.body, page.content_type):
        try:
            feed = parse_feed(page.body, base_url=page.url, charset=page.charset)
        except FeedParseError as exc:
            if looks_like_feed(page.body, page.content_type):
                raise SourceResolveError(str(exc)) from exc
            raise SourceResolveError(f"{page_url} is not a feed or HTML page") from exc
        return ResolvedSource(
            page_url=page_url,
            feed_url=canonical_url(target),
            title=feed.title,
            feed=feed,
            fetched=page,
        )

    own = {canonical_url(target), canonical_url(page.url)}
    candidates = [
        link for link in discover_feed_links(_html_text(page), page.url) if link not in own
    ][:_MAX_CANDIDATES]
    if not candidates:
        raise SourceResolveError(f"{page_url} is an HTML page that links no feed")

    failures: list[str] = []
    for candidate in candidates:
        try:
            fetched = await fetch(session, candidate, timeout=timeout, max_bytes=max_bytes)
            feed = parse_feed(fetched.body, base_url=fetched.url, charset=fetched.charset)
        except (FetchError, FeedParseError) as exc:
            failures.append(f"{candidate}: {exc}")
            continue
        return ResolvedSource(
            page_url=page_url,
            feed_url=candidate,
            title=feed.title,
            feed=feed,
            fetched=fetched,
        )
    noun = "a feed" if len(candidates) == 1 else f"{len(candidates)} feeds"
    raise SourceResolveError(
        f"{page_url} links {noun} but none could be read ({'; '.join(failures)})"
    )
