"""Queries on stored articles. Callers own the session and its transaction."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import Select, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Article, Source

# Bound parameters in one lookup of stored URLs (well under every backend's limit).
_URLS_PER_QUERY = 500

# What the story index holds of an article: id, story id, title key, first seen.
StoryKey = tuple[int, int | None, str, datetime]


class ArticleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def known(
        self, source_id: int, guids: Sequence[str], urls: Sequence[str]
    ) -> tuple[set[str], set[str]]:
        """Which of these guids (for this source) and urls (for any source) are stored."""
        known_guids: set[str] = set()
        known_urls: set[str] = set()
        if guids:
            known_guids = set(
                await self.session.scalars(
                    select(Article.guid).where(
                        Article.source_id == source_id, Article.guid.in_(guids)
                    )
                )
            )
        if urls:
            known_urls = set(
                await self.session.scalars(select(Article.url).where(Article.url.in_(urls)))
            )
        return known_guids, known_urls

    async def guids(self, source_id: int) -> frozenset[str]:
        """Every guid stored for this source (what a poll need not parse again)."""
        rows = await self.session.scalars(
            select(Article.guid).where(Article.source_id == source_id)
        )
        return frozenset(rows)

    async def guids_of(self, source_ids: Sequence[int]) -> dict[int, frozenset[str]]:
        """``guids`` for several sources in one query."""
        found: dict[int, set[str]] = {source_id: set() for source_id in source_ids}
        if found:
            rows = await self.session.execute(
                select(Article.source_id, Article.guid).where(Article.source_id.in_(found))
            )
            for source_id, guid in rows.all():
                found[source_id].add(guid)
        return {source_id: frozenset(guids) for source_id, guids in found.items()}

    async def add(self, article: Article) -> Article:
        self.session.add(article)
        await self.session.flush()
        return article

    async def get(self, article_id: int) -> Article | None:
        return await self.session.get(Article, article_id)

    async def stored_guids_and_urls(
        self, source_id: int, guids: Collection[str], urls: Collection[str]
    ) -> tuple[set[str], set[str]]:
        """Which of these guids (for this source) and urls (for any source) are stored, in
        one query."""
        if not guids and not urls:
            return set(), set()
        wanted = []
        if guids:
            wanted.append(and_(Article.source_id == source_id, Article.guid.in_(guids)))
        if urls:
            wanted.append(Article.url.in_(urls))
        rows = await self.session.execute(
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

    async def stored_urls(self, urls: Collection[str]) -> set[str]:
        """Which of these URLs are stored (for any source), a few queries for many URLs."""
        wanted = sorted(urls)
        found: set[str] = set()
        for start in range(0, len(wanted), _URLS_PER_QUERY):
            chunk = wanted[start : start + _URLS_PER_QUERY]
            found.update(
                await self.session.scalars(select(Article.url).where(Article.url.in_(chunk)))
            )
        return found

    async def insert_many(self, rows: Sequence[Mapping[str, object]]) -> list[int]:
        """Insert the articles (each with its own URL) in one statement; their ids, in the
        order given. (RETURNING in parameter order would make SQLite insert one row per
        statement.)"""
        result = await self.session.execute(
            insert(Article).returning(Article.id, Article.url), list(rows)
        )
        ids = {url: article_id for article_id, url in result.all()}
        return [ids[str(row["url"])] for row in rows]

    async def set_story_ids(self, story_of: Mapping[int, int]) -> None:
        """File each article (by id) under its story (the story's first article id)."""
        if story_of:
            await self.session.execute(
                update(Article),
                [{"id": article_id, "story_id": story} for article_id, story in story_of.items()],
            )

    async def story_keys_since(self, since: datetime) -> list[StoryKey]:
        """The story index's view of the articles first seen at or after ``since``."""
        rows = await self.session.execute(_story_keys().where(Article.fetched_at >= since))
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]

    async def story_keys_after(
        self, after: int, also: Iterable[int], since: datetime
    ) -> list[StoryKey]:
        """``story_keys_since`` limited to ids above ``after``, and the ids in ``also``."""
        ids = list(also)
        newer = Article.id > after
        rows = await self.session.execute(
            _story_keys().where(
                or_(newer, Article.id.in_(ids)) if ids else newer,
                Article.fetched_at >= since,
            )
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]

    async def highest_id(self) -> int:
        return int(await self.session.scalar(select(func.max(Article.id))) or 0)

    async def with_sources(self, article_ids: Iterable[int]) -> dict[int, tuple[Article, str]]:
        """These articles (those still stored), each with its source's name, by id."""
        wanted = list(set(article_ids))
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(Article, Source.name)
            .join(Source, Source.id == Article.source_id)
            .where(Article.id.in_(wanted))
        )
        return {article.id: (article, name) for article, name in rows.all()}


def _story_keys() -> Select[int, int | None, str, datetime]:
    return select(Article.id, Article.story_id, Article.title_key, Article.fetched_at)
