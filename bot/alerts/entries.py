"""A poll's entries before they are stored: which are usable and new, and what they match.

Rules:

- An entry without an http(s) link is skipped (an alert must link somewhere); repeats inside
  one poll (same guid or URL) count once; an entry whose guid (for this source) or URL (for
  any source) is stored is not new.
- The URL an article is stored under is its page's ``rel=canonical`` when full text was
  fetched (and that is an http(s) URL of bounded length).
- A missing published time is the first-seen time (now); one in the future is now too.
- The text matched is the full text (``body``) when there is one, else the summary; too old
  entries (published more than ``max_age`` ago) match nothing. Every entry is analysed
  once, for matching and for the archive index (its terms, with the keys of those no
  database of this process holds yet: ``bot.storage.archive_terms.prepare``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.index import SubscriptionIndex
from bot.matching import AnalyzedDocument, Document, Span
from bot.sources.bounds import MAX_TEXT_CHARS, MAX_URL_CHARS, clip
from bot.sources.extract import PageText
from bot.sources.model import ParsedEntry
from bot.sources.urls import canonical_url, is_web_url
from bot.storage.archive_terms import ArticleTerms, prepare
from bot.storage.articles import ArticleRepository

Matches = Mapping[str, "Analysed"]


@dataclass(slots=True)
class Known:
    """What is stored already, read once for several polls written in one transaction (see
    ``ArticleRepository.stored_urls``): this source's guids (None: not read, ``ingest``
    asks), and the URLs stored for any source. ``ingest`` adds the URLs it stores to
    ``urls``, so a later poll of the same transaction sees them."""

    guids: Collection[str] | None
    urls: set[str]


def stored_url(url: str, page: PageText | None) -> str:
    """The address an article is stored under: its page's canonical link, when it has an
    http(s) one."""
    if page is None:
        return url
    stated = canonical_url(page.canonical or url)
    return stated if is_web_url(stated) and len(stated) <= MAX_URL_CHARS else url


def usable(entries: Sequence[ParsedEntry]) -> list[ParsedEntry]:
    """Drop entries without an http(s) link, and repeats inside one feed (same guid or url)."""
    seen_guids: set[str] = set()
    seen_urls: set[str] = set()
    unique = []
    for entry in entries:
        if not is_web_url(entry.url):
            continue  # nothing an alert may link to (none, or javascript:, data:, tg: …)
        guid = entry.guid or entry.url
        if guid in seen_guids or entry.url in seen_urls:
            continue
        seen_guids.add(guid)
        seen_urls.add(entry.url)
        unique.append(entry)
    return unique


def not_stored(
    entries: Sequence[ParsedEntry], known_guids: Collection[str], known_urls: Collection[str]
) -> list[ParsedEntry]:
    return [e for e in entries if (e.guid or e.url) not in known_guids and e.url not in known_urls]


async def new_entries(
    session: AsyncSession,
    source_id: int,
    entries: Sequence[ParsedEntry],
    *,
    known_guids: frozenset[str] | None = None,
) -> list[ParsedEntry]:
    """The entries not stored yet (by this source's guid, or any source's URL), feed order.

    ``known_guids``: this source's stored guids when the caller has just read them (only
    the URLs are queried then)."""
    entries = usable(entries)
    guids = set() if known_guids is not None else {e.guid or e.url for e in entries}
    stored_guids, known_urls = await ArticleRepository(session).stored_guids_and_urls(
        source_id, guids, {e.url for e in entries}
    )
    return not_stored(entries, stored_guids if known_guids is None else known_guids, known_urls)


def entry_urls(entries: Sequence[ParsedEntry], pages: Mapping[str, PageText]) -> set[str]:
    """The URLs ``ingest`` checks for these entries: theirs and their pages' canonical ones."""
    urls = {e.url for e in entries if e.url}
    urls.update(canonical_url(pages[u].canonical or u) for u in list(urls) if u in pages)
    return urls


@dataclass(frozen=True, slots=True)
class Analysed:
    """An entry as matching saw it: its terms as the archive index files them
    (``bot.storage.archive_terms``), and (``matched``) the subscriptions it matches, when
    it was matched (not when too old or not alerting)."""

    terms: ArticleTerms
    found: dict[int, list[Span]]
    matched: bool


def match_entries(
    entries: Sequence[ParsedEntry],
    index: SubscriptionIndex,
    *,
    now: datetime,
    max_age: timedelta | None,
    alert: bool,
    pages: Mapping[str, PageText] | None = None,
) -> dict[str, Analysed]:
    """Each entry analysed (and matched if ``alert`` and not too old), by entry URL, as
    ``ingest`` would do it: done before the write transaction, so the CPU it takes is not
    spent while the write lock is held."""
    pages = pages or {}
    found: dict[str, Analysed] = {}
    for entry in usable(entries):
        body = body_of(entry, pages.get(entry.url))
        found[entry.url] = analyse_entry(
            entry, body, index, match=alert and not too_old(entry, now, max_age)
        )
    return found


def analyse_entry(
    entry: ParsedEntry, body: str, index: SubscriptionIndex, *, match: bool
) -> Analysed:
    """The entry analysed once: its archive terms, and its matches if ``match``."""
    document = AnalyzedDocument(Document(title=entry.title, text=body or entry.summary))
    found = index.match_analyzed(document) if match else {}
    return Analysed(prepare(document), found, match)


def too_old(entry: ParsedEntry, now: datetime, max_age: timedelta | None) -> bool:
    return max_age is not None and entry.published is not None and entry.published < now - max_age


def body_of(entry: ParsedEntry, page: PageText | None) -> str:
    """What is matched and stored as the article's text (bounded: ``bot.sources.bounds``)."""
    # A Telegram post carries its own text (ParsedEntry.text, from the source reader).
    body = (page.text if page else "") or str(getattr(entry, "text", "") or "")
    return clip(body, MAX_TEXT_CHARS)


def published_at(entry: ParsedEntry, now: datetime) -> datetime:
    if entry.published is None or entry.published > now:
        return now
    return entry.published
