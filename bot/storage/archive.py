"""The archive index: every stored article's matching keys, to find candidates for a search.

Rules:

- An article is filed under the keys of its analysis (``bot.matching.AnalyzedDocument``:
  exact stems, one-deletion neighbours, name skeletons, cross-script keys), each stored as
  one plain token, ``k`` + 8 hex digits of its BLAKE2b hash, so that no tokenizer can split
  or fold it. Two keys sharing a token only add a candidate: a search verifies every
  candidate with the compiled query.
- SQLite: an FTS5 table ``article_keys`` (rowid = article id, one column of tokens,
  ``detail=none``: only which article holds which token). PostgreSQL: a table
  ``article_keys`` (article id, a position-free ``tsvector`` of the same tokens, 'simple'
  configuration) with a GIN index, deleted with its article (ON DELETE CASCADE). SQLite's
  rows are deleted explicitly with their article (``remove``), and an insert replaces a
  row left under a reused id.
- Rows are written in the transaction that stores their articles. ``INDEX_VERSION`` is the
  version of the analysis the index was built with, kept beside it (SQLite: the database's
  ``user_version``, which nothing else uses; PostgreSQL: the table's comment): a change of
  the analysis bumps it, and a new migration rebuilds the index (``build_index``).
- The tables are not in ``bot.storage.models`` (SQLite's is virtual): ``is_index_table``
  tells schema comparisons to leave them out.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection, TextClause, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Article, Source
from bot.storage.scan import StoredText
from bot.storage.types import UTCDateTime

__all__ = [
    "INDEX_VERSION",
    "TABLE",
    "ArchiveRepository",
    "create_index",
    "insert_statement",
    "is_index_table",
    "set_version",
    "tokens",
]

INDEX_VERSION = 1
TABLE = "article_keys"
_VERSION_NOTE = "rasd archive index, analysis version "
# Bound parameters in one statement (well under every backend's limit).
_IDS_PER_QUERY = 500


@functools.lru_cache(maxsize=1 << 16)  # the same words come back in article after article
def _token(key: str) -> str:
    return "k" + hashlib.blake2b(key.encode(), digest_size=4).hexdigest()


def tokens(keys: Iterable[str]) -> str:
    """The stored form of an article's keys: distinct tokens, space-separated."""
    return " ".join({_token(key) for key in keys})


def is_index_table(name: str | None) -> bool:
    """True for the index's tables (SQLite's FTS5 table and its shadow tables)."""
    return name is not None and (name == TABLE or name.startswith(TABLE + "_"))


def create_index(connection: Connection) -> None:
    """Create the (empty) index's table for this backend."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(
            f"CREATE VIRTUAL TABLE {TABLE} USING fts5(keys, detail=none, columnsize=0)"
        )
        return
    connection.exec_driver_sql(
        f"CREATE TABLE {TABLE} (article_id INTEGER PRIMARY KEY "
        "REFERENCES articles (id) ON DELETE CASCADE, keys TSVECTOR NOT NULL)"
    )
    connection.exec_driver_sql(f"CREATE INDEX ix_{TABLE}_keys ON {TABLE} USING gin (keys)")


def set_version(connection: Connection, version: int) -> None:
    """Record the analysis version the index holds."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA user_version = {int(version)}")
    else:
        connection.exec_driver_sql(f"COMMENT ON TABLE {TABLE} IS '{_VERSION_NOTE}{int(version)}'")


def _version_of(connection: Connection) -> int | None:
    if connection.dialect.name == "sqlite":
        value = connection.exec_driver_sql("PRAGMA user_version").scalar()
        return int(value) if value else None
    note = connection.exec_driver_sql(f"SELECT obj_description('{TABLE}'::regclass)").scalar()
    if not isinstance(note, str) or not note.startswith(_VERSION_NOTE):
        return None
    return int(note.removeprefix(_VERSION_NOTE))


def insert_statement(dialect: str) -> TextClause:
    """An insert of one article's tokens (``id``, ``keys``: the output of ``tokens``)."""
    if dialect == "sqlite":
        return text(f"INSERT OR REPLACE INTO {TABLE} (rowid, keys) VALUES (:id, :keys)")
    return text(
        f"INSERT INTO {TABLE} (article_id, keys) VALUES (:id, strip(to_tsvector('simple', :keys)))"
    )


def _candidates(dialect: str, since: bool) -> TextClause:
    period = " AND a.fetched_at >= :since" if since else ""
    if dialect == "sqlite":
        statement = text(
            f"SELECT a.id FROM {TABLE} k JOIN articles a ON a.id = k.rowid "
            f"WHERE {TABLE} MATCH :query{period} ORDER BY a.id DESC"
        )
    else:
        statement = text(
            f"SELECT a.id FROM {TABLE} k JOIN articles a ON a.id = k.article_id "
            f"WHERE k.keys @@ to_tsquery('simple', :query){period} ORDER BY a.id DESC"
        )
    return statement.bindparams(bindparam("since", type_=UTCDateTime)) if since else statement


class ArchiveRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def add(self, tokens_of: Mapping[int, str]) -> None:
        """File each article (by id) under its keys (``tokens`` of them)."""
        if tokens_of:
            await self.session.execute(
                insert_statement(self._dialect),
                [{"id": article_id, "keys": keys} for article_id, keys in tokens_of.items()],
            )

    async def remove(self, article_ids: Sequence[int]) -> None:
        """Forget these articles (PostgreSQL's rows go with their article anyway)."""
        if self._dialect != "sqlite":
            return
        for start in range(0, len(article_ids), _IDS_PER_QUERY):
            chunk = ", ".join(str(int(i)) for i in article_ids[start : start + _IDS_PER_QUERY])
            await self.session.execute(text(f"DELETE FROM {TABLE} WHERE rowid IN ({chunk})"))

    async def candidates(self, keys: Iterable[str], since: datetime | None) -> list[int]:
        """Ids of the articles fetched since ``since`` (None: any) filed under one of
        ``keys`` at least, highest first."""
        wanted = sorted({_token(key) for key in keys})
        if not wanted:
            return []
        sqlite = self._dialect == "sqlite"
        query = (" OR " if sqlite else " | ").join(wanted)
        params: dict[str, object] = {"query": query}
        if since is not None:
            params["since"] = since
        rows = await self.session.execute(_candidates(self._dialect, since is not None), params)
        return [int(row[0]) for row in rows.all()]

    async def texts(self, article_ids: Sequence[int]) -> list[StoredText]:
        """These articles (those still stored) with their source's name, highest id first."""
        found: list[StoredText] = []
        for start in range(0, len(article_ids), _IDS_PER_QUERY):
            chunk = list(article_ids[start : start + _IDS_PER_QUERY])
            rows = await self.session.execute(
                select(
                    Article.id,
                    Article.url,
                    Article.title,
                    Article.summary,
                    Article.body,
                    Source.name,
                    func.coalesce(Article.published_at, Article.fetched_at),
                )
                .join(Source, Source.id == Article.source_id)
                .where(Article.id.in_(chunk))
            )
            found.extend(StoredText(*row) for row in rows.all())
        return sorted(found, key=lambda t: t.id, reverse=True)

    async def version(self) -> int | None:
        """The analysis version the index was built with (None: not recorded)."""
        connection = await self.session.connection()
        return await connection.run_sync(_version_of)
