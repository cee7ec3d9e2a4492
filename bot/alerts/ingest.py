"""Store a source's new articles and queue their alerts, in one transaction.

Rules:

- An entry without a link is skipped (an alert must link somewhere); repeats inside one
  poll (same guid or URL) count once; an entry whose guid (for this source) or URL (for any
  source) is stored is not new. The URL is the page's ``rel=canonical`` when full text was
  fetched, so the same article reached through two feeds or two URLs is stored once.
- A missing published time is the first-seen time (now); one in the future is now too.
- The text matched is the full text (``body``) when there is one, else the summary.
- Same story (``bot.alerts.stories``): a new article that is a near-identical copy of one
  stored within the window gets its ``story_id`` (not searched on a silent baseline poll).
  A destination (chat, forum topic) gets one alert per story: a copy that would alert a
  destination already holding a row for the story adds its outlet to that row's ``also``
  instead (``edit_pending`` when already sent).
- Only articles first seen after a subscription was created alert it; muted subscriptions
  (``muted_until`` > now) and paused, blocked or disallowed chats get no row.
- ``alert`` is False on a source's first poll (what a feed holds already is old news), and
  articles published more than ``max_age`` ago are stored without alerting.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import AccessPolicy
from bot.alerts.index import ChatMatch, Destination, SubscriptionIndex
from bot.alerts.stories import StoryEntry, StoryIndex, same_story, text_key, title_key
from bot.matching import Document, Span
from bot.sources.bounds import MAX_TEXT_CHARS, MAX_URL_CHARS, clip
from bot.sources.extract import PageText
from bot.sources.model import ParsedEntry
from bot.sources.urls import canonical_url, is_web_url
from bot.storage.chats import ChatRepository
from bot.storage.models import Article, Chat, OutboxItem, Source, Subscription
from bot.storage.outbox import OutboxRepository
from bot.storage.subscriptions import SubscriptionRepository

# Rows in these states have reached (or will reach) the destination: a copy only adds to them.
_LIVE = frozenset({"pending", "sending", "sent"})
# Bound parameters in one lookup of stored URLs (well under every backend's limit).
_URLS_PER_QUERY = 500


@dataclass(frozen=True, slots=True)
class IngestResult:
    new_articles: int
    queued_alerts: int
    also_noted: int = 0


def _canonical(url: str, page: PageText | None) -> str:
    """The address an article is stored under: its page's canonical link, when it has an
    http(s) one."""
    if page is None:
        return url
    stated = canonical_url(page.canonical or url)
    return stated if is_web_url(stated) and len(stated) <= MAX_URL_CHARS else url


def _fresh(entries: Sequence[ParsedEntry]) -> list[ParsedEntry]:
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


async def _stored(
    session: AsyncSession, source_id: int, guids: Collection[str], urls: Collection[str]
) -> tuple[set[str], set[str]]:
    """Which of these guids (for this source) and urls (for any source) are stored, in one
    query."""
    if not guids and not urls:
        return set(), set()
    wanted = []
    if guids:
        wanted.append(and_(Article.source_id == source_id, Article.guid.in_(guids)))
    if urls:
        wanted.append(Article.url.in_(urls))
    rows = await session.execute(
        select(Article.source_id, Article.guid, Article.url).where(or_(*wanted))
    )
    known_guids: set[str] = set()
    known_urls: set[str] = set()
    for stored_source, guid, url in rows.all():
        if stored_source == source_id and guid in guids:
            known_guids.add(guid)
        if url in urls:
            known_urls.add(url)
    return known_guids, known_urls


def _not_stored(
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
    entries = _fresh(entries)
    guids = set() if known_guids is not None else {e.guid or e.url for e in entries}
    stored_guids, known_urls = await _stored(session, source_id, guids, {e.url for e in entries})
    return _not_stored(entries, stored_guids if known_guids is None else known_guids, known_urls)


@dataclass(slots=True)
class Known:
    """What is stored already, read once for several polls written in one transaction (see
    ``stored_urls``): this source's guids (None: not read, ``ingest`` asks), and the URLs
    stored for any source. ``ingest`` adds the URLs it stores to ``urls``, so a later poll
    of the same transaction sees them."""

    guids: Collection[str] | None
    urls: set[str]


def entry_urls(entries: Sequence[ParsedEntry], pages: Mapping[str, PageText]) -> set[str]:
    """The URLs ``ingest`` checks for these entries: theirs and their pages' canonical ones."""
    urls = {e.url for e in entries if e.url}
    urls.update(canonical_url(pages[u].canonical or u) for u in list(urls) if u in pages)
    return urls


async def stored_urls(session: AsyncSession, urls: Collection[str]) -> set[str]:
    """Which of these URLs are stored (for any source), a few queries for many URLs."""
    wanted = sorted(urls)
    found: set[str] = set()
    for start in range(0, len(wanted), _URLS_PER_QUERY):
        chunk = wanted[start : start + _URLS_PER_QUERY]
        found.update(await session.scalars(select(Article.url).where(Article.url.in_(chunk))))
    return found


Matches = Mapping[str, dict[int, list[Span]]]


def match_entries(
    entries: Sequence[ParsedEntry],
    index: SubscriptionIndex,
    *,
    now: datetime,
    max_age: timedelta | None,
    pages: Mapping[str, PageText] | None = None,
) -> dict[str, dict[int, list[Span]]]:
    """The subscriptions each entry matches, by entry URL, as ``ingest`` would find them
    (too old ones left out): done before the write transaction, so the CPU it takes is
    not spent while the write lock is held."""
    pages = pages or {}
    found: dict[str, dict[int, list[Span]]] = {}
    for entry in _fresh(entries):
        if _too_old(entry, now, max_age):
            continue
        page = pages.get(entry.url)
        body = _body(entry, page)
        found[entry.url] = index.match_subscriptions(
            Document(title=entry.title, text=body or entry.summary)
        )
    return found


def _too_old(entry: ParsedEntry, now: datetime, max_age: timedelta | None) -> bool:
    return max_age is not None and entry.published is not None and entry.published < now - max_age


def _body(entry: ParsedEntry, page: PageText | None) -> str:
    # A Telegram post carries its own text (ParsedEntry.text, from the source reader).
    body = (page.text if page else "") or str(getattr(entry, "text", "") or "")
    return clip(body, MAX_TEXT_CHARS)  # what is matched and stored (bot.sources.bounds)


def _may_alert(chat: Chat | None, access: AccessPolicy) -> bool:
    return (
        chat is not None
        and not chat.paused
        and not chat.blocked
        and access.allows(chat.id, allowed_in_db=chat.allowed)
    )


def _listens(subscription: Subscription | None, seen_at: datetime, now: datetime) -> bool:
    if subscription is None or subscription.created_at > seen_at:
        return False
    return subscription.muted_until is None or subscription.muted_until <= now


def _story_columns() -> Select[int, int | None, str, datetime]:
    return select(Article.id, Article.story_id, Article.title_key, Article.fetched_at)


async def load_stories(session: AsyncSession, stories: StoryIndex, now: datetime) -> None:
    """Fill the story index with the articles stored within its window."""
    rows = await session.execute(_story_columns().where(Article.fetched_at >= now - stories.window))
    last = await session.scalar(select(func.max(Article.id))) if stories.shared else None
    stories.load(
        (
            StoryEntry(article_id, story_id or article_id, key or "", seen_at)
            for article_id, story_id, key, seen_at in rows.all()
        ),
        last_id=last or 0,
    )


async def sync_stories(session: AsyncSession, stories: StoryIndex, now: datetime) -> int:
    """Add to a shared story index the articles other processes stored since its last sync
    (see ``StoryIndex``); returns how many."""
    after, gaps = stories.unsynced()
    newer = Article.id > after
    rows = await session.execute(
        _story_columns().where(
            or_(newer, Article.id.in_(gaps)) if gaps else newer,
            Article.fetched_at >= now - stories.window,
        )
    )
    return stories.merge(
        (
            StoryEntry(article_id, story_id or article_id, key or "", seen_at)
            for article_id, story_id, key, seen_at in rows.all()
        ),
        now,
    )


async def _story_of(
    session: AsyncSession, stories: StoryIndex, key: str, text: Callable[[], str], now: datetime
) -> int | None:
    """The story an article with this title key (and text key, made when needed) belongs to,
    if any."""
    for candidate in stories.candidates(key, now):
        other = await session.get(Article, candidate.article_id)
        if other is None:
            continue  # pruned, or from a transaction that was rolled back
        other_text = text_key(other.body or other.summary)
        if same_story(key, text(), candidate.title_key, other_text):
            return candidate.story_id
    return None


async def _story_rows(
    session: AsyncSession, story_id: int
) -> dict[Destination, tuple[OutboxItem, str]]:
    """The alert rows already queued for a story, by destination, with their outlet name."""
    rows = await session.execute(
        select(OutboxItem, Source.name)
        .join(Article, Article.id == OutboxItem.article_id)
        .join(Source, Source.id == Article.source_id)
        .where(
            OutboxItem.kind == "alert",
            or_(Article.id == story_id, Article.story_id == story_id),
        )
        .order_by(OutboxItem.id)
    )
    found: dict[Destination, tuple[OutboxItem, str]] = {}
    for row, outlet in rows.all():
        found.setdefault((row.chat_id, row.thread_id), (row, outlet))
    return found


def _note_also(row: OutboxItem, row_outlet: str, outlet: str) -> bool:
    """Add ``outlet`` to the row's "also reported by"; True when it changed."""
    if row.status not in _LIVE or outlet == row_outlet or outlet in (row.also or []):
        return False
    row.also = [*(row.also or []), outlet]  # a new list, so the JSON column is saved
    if row.status == "sent":
        row.edit_pending = True
    return True


def _published(entry: ParsedEntry, now: datetime) -> datetime:
    if entry.published is None or entry.published > now:
        return now
    return entry.published


@dataclass(slots=True)
class _Stored:
    article_id: int
    seen_at: datetime
    story_id: int | None
    found: dict[int, list[Span]]


@dataclass(slots=True)
class _New:
    """An article about to be stored: its row, and what matching needs of it."""

    row: dict[str, object]
    entry: ParsedEntry
    body: str
    key: str


async def _insert(session: AsyncSession, rows: Sequence[dict[str, object]]) -> list[int]:
    """Insert the articles (each with its own URL) in one statement; their ids, in the order
    given. (RETURNING in parameter order would make SQLite insert one row per statement.)"""
    result = await session.execute(insert(Article).returning(Article.id, Article.url), rows)
    ids = {url: article_id for article_id, url in result.all()}
    return [ids[str(row["url"])] for row in rows]


async def ingest(
    session: AsyncSession,
    *,
    source_id: int,
    entries: Sequence[ParsedEntry],
    index: SubscriptionIndex,
    access: AccessPolicy,
    now: datetime,
    alert: bool,
    max_age: timedelta | None,
    pages: Mapping[str, PageText] | None = None,
    stories: StoryIndex | None = None,
    outlet: str = "",
    known: Known | None = None,
    matches: Matches | None = None,
) -> IngestResult:
    """Add the entries not yet stored; queue one outbox row per matching destination.

    ``pages`` maps an entry's URL to its fetched page (full text, canonical URL).
    ``stories`` groups copies of a story; ``outlet`` is this source's name for "also".
    ``known``: what is stored, when the caller has read it (no query then). ``matches``:
    ``match_entries`` of these entries, when the caller has made it (an entry missing from
    it is matched here).
    """
    pages = pages or {}
    unique = _fresh(entries)
    if not unique:
        return IngestResult(0, 0)
    canonical = {e.url: _canonical(e.url, pages.get(e.url)) for e in unique}
    if known is not None:
        known_guids = known.guids
        if known_guids is None:
            known_guids, _ = await _stored(
                session, source_id, {e.guid or e.url for e in unique}, ()
            )
        known_urls = {u for u in (*canonical, *canonical.values()) if u in known.urls}
    else:
        # One query for the three questions: guids stored for this source, entry URLs and
        # canonical URLs stored for any source.
        known_guids, known_urls = await _stored(
            session,
            source_id,
            {e.guid or e.url for e in unique},
            {e.url for e in unique} | set(canonical.values()),
        )
    fresh = [e for e in unique if (e.guid or e.url) not in known_guids and e.url not in known_urls]
    if not fresh:
        return IngestResult(0, 0)

    new: list[_New] = []
    taken = set(known_urls)
    # Oldest first, so alerts arrive in publication order.
    for entry in reversed(fresh):
        url = canonical[entry.url]
        if url in taken:
            continue  # the same article under another address
        taken.add(url)
        body = _body(entry, pages.get(entry.url))
        key = title_key(entry.title)
        row: dict[str, object] = {
            "source_id": source_id,
            "guid": entry.guid or entry.url,
            "url": url,
            "title": entry.title,
            "summary": entry.summary,
            "body": body,
            "published_at": _published(entry, now),
            "fetched_at": now,
            "story_id": None,
            "title_key": key,
        }
        new.append(_New(row, entry, body, key))
    if not new:
        return IngestResult(0, 0)
    if stories is not None:  # before the insert: the index gets this poll's articles below
        if not stories.loaded:
            await load_stories(session, stories, now)
        elif stories.shared and alert:
            await sync_stories(session, stories, now)
    ids = await _insert(session, [item.row for item in new])
    if known is not None:
        known.urls.update(str(item.row["url"]) for item in new)
    stored: list[_Stored] = []
    grouped: list[dict[str, int]] = []
    for item, article_id in zip(new, ids, strict=True):
        entry, body, key = item.entry, item.body, item.key
        story_id = None
        if stories is not None and alert:
            # A baseline (first poll) alerts nobody: its articles are filed as possible
            # first copies of stories, without the cost of searching for earlier ones.
            story_id = await _story_of(
                session,
                stories,
                key,
                functools.partial(text_key, body or entry.summary),
                now,
            )
            if story_id is not None:
                grouped.append({"id": article_id, "story_id": story_id})
        if stories is not None:
            stories.add(StoryEntry(article_id, story_id or article_id, key, now))
        too_old = _too_old(entry, now, max_age)
        found: dict[int, list[Span]] = {}
        if alert and not too_old:
            made = matches.get(entry.url) if matches is not None else None
            found = (
                made
                if made is not None
                else index.match_subscriptions(
                    Document(title=entry.title, text=body or entry.summary)
                )
            )
        if alert and not too_old and (found or story_id is not None):
            stored.append(_Stored(article_id, now, story_id, found))
    if grouped:
        await session.execute(update(Article), grouped)

    queued, noted = await _queue(session, stored, index, access, now, outlet)
    return IngestResult(new_articles=len(new), queued_alerts=queued, also_noted=noted)


async def _queue(
    session: AsyncSession,
    stored: Sequence[_Stored],
    index: SubscriptionIndex,
    access: AccessPolicy,
    now: datetime,
    outlet: str,
) -> tuple[int, int]:
    """Outbox rows for the stored articles' matches; "also" notes for story copies."""
    subscriptions = await SubscriptionRepository(session).many(
        subscription_id for item in stored for subscription_id in item.found
    )
    by_item: list[dict[Destination, ChatMatch]] = []
    for item in stored:
        listening = {
            subscription_id: spans
            for subscription_id, spans in item.found.items()
            if _listens(subscriptions.get(subscription_id), item.seen_at, now)
        }
        by_item.append(index.group(listening))
    chats = await ChatRepository(session).many(chat_id for found in by_item for chat_id, _ in found)
    outbox = OutboxRepository(session)
    queued = noted = 0
    for item, found in zip(stored, by_item, strict=True):
        earlier: dict[Destination, tuple[OutboxItem, str]] = {}
        if item.story_id is not None:
            earlier = await _story_rows(session, item.story_id)
            for row, row_outlet in earlier.values():
                noted += _note_also(row, row_outlet, outlet)
        for (chat_id, thread_id), match in found.items():
            if (chat_id, thread_id) in earlier or not _may_alert(chats.get(chat_id), access):
                continue
            await outbox.queue(
                chat_id=chat_id,
                thread_id=thread_id,
                kind="alert",
                now=now,
                article_id=item.article_id,
                subscription_ids=match.subscription_ids,
                spans=[[s.field, s.start, s.end] for s in match.spans],
            )
            queued += 1
        if found and item.story_id is not None:
            await session.flush()  # the next copy in this poll must see these rows
    return queued, noted
