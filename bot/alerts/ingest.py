"""Store a source's new articles and queue their alerts, in one transaction.

Rules:

- Which entries are new, the URL each is stored under, its published time and the text
  matched: ``bot.alerts.entries``. The same article reached through two feeds or two URLs
  is stored once.
- Same story (``bot.alerts.stories``, ``bot.alerts.story_sync``): a new article that is a
  near-identical copy of one stored within the window gets its ``story_id`` (not searched
  on a silent baseline poll).
- Who is alerted, and "also reported by" for copies: ``bot.alerts.alert_queue``.
- Every stored article is filed in the archive index (``bot.storage.archive``) under the
  terms of the analysis matching made of it (made here when the caller did not).
- ``alert`` is False on a source's first poll (what a feed holds already is old news), and
  articles published more than ``max_age`` ago are stored without alerting.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import AccessPolicy
from bot.alerts.alert_queue import StoredArticle, queue_alerts
from bot.alerts.entries import (
    Known,
    Matches,
    analyse_entry,
    body_of,
    published_at,
    stored_url,
    too_old,
    usable,
)
from bot.alerts.index import SubscriptionIndex
from bot.alerts.stories import StoryEntry, StoryIndex, text_key, title_key
from bot.alerts.story_sync import load_stories, story_of, sync_stories
from bot.matching import Span
from bot.sources.extract import PageText
from bot.sources.model import ParsedEntry
from bot.storage.archive import ArchiveRepository
from bot.storage.archive_terms import ArticleTerms
from bot.storage.articles import ArticleRepository


@dataclass(frozen=True, slots=True)
class IngestResult:
    new_articles: int
    queued_alerts: int
    also_noted: int = 0


@dataclass(slots=True)
class _New:
    """An article about to be stored: its row, and what matching needs of it."""

    row: dict[str, object]
    entry: ParsedEntry
    body: str
    key: str


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
    it, or not matched there, is analysed here).
    """
    pages = pages or {}
    unique = usable(entries)
    articles = ArticleRepository(session)
    if not unique:
        return IngestResult(0, 0)
    canonical = {e.url: stored_url(e.url, pages.get(e.url)) for e in unique}
    if known is not None:
        known_guids = known.guids
        if known_guids is None:
            known_guids, _ = await articles.stored_guids_and_urls(
                source_id, {e.guid or e.url for e in unique}, ()
            )
        known_urls = {u for u in (*canonical, *canonical.values()) if u in known.urls}
    else:
        # One query for the three questions: guids stored for this source, entry URLs and
        # canonical URLs stored for any source.
        known_guids, known_urls = await articles.stored_guids_and_urls(
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
        body = body_of(entry, pages.get(entry.url))
        key = title_key(entry.title)
        row: dict[str, object] = {
            "source_id": source_id,
            "guid": entry.guid or entry.url,
            "url": url,
            "title": entry.title,
            "summary": entry.summary,
            "body": body,
            "published_at": published_at(entry, now),
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
    ids = await articles.insert_many([item.row for item in new])
    if known is not None:
        known.urls.update(str(item.row["url"]) for item in new)
    stored: list[StoredArticle] = []
    grouped: dict[int, int] = {}
    terms_of: dict[int, ArticleTerms] = {}
    for item, article_id in zip(new, ids, strict=True):
        entry, body, key = item.entry, item.body, item.key
        story_id = None
        if stories is not None and alert:
            # A baseline (first poll) alerts nobody: its articles are filed as possible
            # first copies of stories, without the cost of searching for earlier ones.
            story_id = await story_of(
                session,
                stories,
                key,
                functools.partial(text_key, body or entry.summary),
                now,
            )
            if story_id is not None:
                grouped[article_id] = story_id
        if stories is not None:
            stories.add(StoryEntry(article_id, story_id or article_id, key, now))
        old = too_old(entry, now, max_age)
        want = alert and not old
        made = matches.get(entry.url) if matches is not None else None
        if made is None or (want and not made.matched):
            made = analyse_entry(entry, body, index, match=want)
        terms_of[article_id] = made.terms
        found: dict[int, list[Span]] = made.found if want else {}
        if alert and not old and (found or story_id is not None):
            stored.append(StoredArticle(article_id, now, story_id, found))
    await articles.set_story_ids(grouped)
    await ArchiveRepository(session).add(terms_of)

    queued, noted = await queue_alerts(session, stored, index, access, now, outlet)
    return IngestResult(new_articles=len(new), queued_alerts=queued, also_noted=noted)
