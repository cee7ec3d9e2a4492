"""The story index filled from storage, and a new article's story looked up in it.

``load_stories`` fills a ``StoryIndex`` with the articles stored within its window (once, at
the first poll that needs it); ``sync_stories`` adds to a shared one (several pollers on
PostgreSQL) what other processes stored since. ``story_of`` finds the story of an article
among the index's candidates, each verified against the stored article (one pruned, or
from a transaction that rolled back, is skipped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.stories import StoryEntry, StoryIndex, same_story, text_key
from bot.storage.articles import ArticleRepository, StoryKey


def _entries(rows: Iterable[StoryKey]) -> Iterable[StoryEntry]:
    for article_id, story_id, key, seen_at in rows:
        yield StoryEntry(article_id, story_id or article_id, key or "", seen_at)


async def load_stories(session: AsyncSession, stories: StoryIndex, now: datetime) -> None:
    """Fill the story index with the articles stored within its window."""
    articles = ArticleRepository(session)
    rows = await articles.story_keys_since(now - stories.window)
    last = await articles.highest_id() if stories.shared else 0
    stories.load(_entries(rows), last_id=last)


async def sync_stories(session: AsyncSession, stories: StoryIndex, now: datetime) -> int:
    """Add to a shared story index the articles other processes stored since its last sync
    (see ``StoryIndex``); returns how many."""
    after, gaps = stories.unsynced()
    rows = await ArticleRepository(session).story_keys_after(after, gaps, now - stories.window)
    return stories.merge(_entries(rows), now)


async def story_of(
    session: AsyncSession, stories: StoryIndex, key: str, text: Callable[[], str], now: datetime
) -> int | None:
    """The story an article with this title key (and text key, made when needed) belongs to,
    if any."""
    articles = ArticleRepository(session)
    for candidate in stories.candidates(key, now):
        other = await articles.get(candidate.article_id)
        if other is None:
            continue  # pruned, or from a transaction that was rolled back
        other_text = text_key(other.body or other.summary)
        if same_story(key, text(), candidate.title_key, other_text):
            return candidate.story_id
    return None
