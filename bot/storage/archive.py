"""The archive index's rows: filing articles, forgetting them, and finding candidates.

Rules:

- Tables and what each holds: ``bot.storage.archive_schema``; terms, keys and their ids:
  ``bot.storage.archive_terms``.
- Filing (``file_articles``) happens in the transaction that stores the articles, when it
  commits: ``ArchiveRepository.add`` queues the articles on the session, and its commit
  files all it queued in one go (several polls written together cost two statements,
  not two each): the vocabulary rows of the terms the database may lack (insert-or-ignore,
  sorted, so two writers take row locks in one order), then each article's postings. A
  rollback drops the queue; a savepoint's rollback keeps it (no caller uses savepoints
  around ``add``). Terms are remembered as written (``WrittenTerms``) only once the
  transaction has committed.
- Forgetting (``forget_articles``): SQLite deletes the side table's rows, whose trigger
  deletes the postings; PostgreSQL's go with their article. Every
  deletion of articles forgets them first (retention, a source's deletion): SQLite reuses
  the highest ids. Were one missed, a reused id's side row is replaced and its old postings
  only add candidates.
- Candidates: the query's required keys -> their key ids -> the vocabulary's terms -> the
  articles holding one of them (fetched since ``since``), highest id first. An article
  holds one exactly when it is filed under a required key (or a colliding id's).
- Words: ``words_under`` gives the terms filed under some keys with their words, and
  ``holding`` the articles holding some terms (from the postings alone, whatever the
  period), so that a search can decide which words a query word accepts once each
  (``bot.matching.lookup``) before reading any article; ``fetched_since`` (or ``times``
  with a period) then narrows the result of the set algebra to a period, reading only
  the matches' rows rather than every article holding a common word.
- The sync functions take a ``Connection`` (the migration runs them); ``ArchiveRepository``
  runs them on a session's connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Integer, bindparam, column, event, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from bot.storage.archive_schema import LISTS, TABLE, VOCABULARY, WORDS, version_of
from bot.storage.archive_terms import (
    ArticleTerms,
    WrittenTerms,
    key_ids,
    token,
    written_in,
)
from bot.storage.models import Article
from bot.storage.scan import StoredText, select_stored_texts
from bot.storage.types import UTCDateTime

__all__ = ["ArchiveRepository", "FiledWord", "file_articles", "forget_articles"]

# Bound parameters in one statement (well under every backend's limit).
_IDS_PER_QUERY = 500
_FILING = "rasd.archive.filing"  # Session.info: its _Filing
_INTS = ARRAY(Integer)


def _chunks(values: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(values), _IDS_PER_QUERY):
        yield list(values[start : start + _IDS_PER_QUERY])


def _in(values: Sequence[int]) -> str:
    return ", ".join(str(int(v)) for v in values)


def _write_vocabulary(connection: Connection, rows: list[tuple[int, int]]) -> None:
    if not rows:
        return
    if connection.dialect.name == "sqlite":
        connection.execute(
            text(f"INSERT OR IGNORE INTO {VOCABULARY} (key, term) VALUES (:k, :t)"),
            [{"k": k, "t": t} for k, t in rows],
        )
        return
    statement = text(
        f"INSERT INTO {VOCABULARY} (key, term) SELECT * FROM unnest(:keys, :terms) "
        "ON CONFLICT DO NOTHING"
    ).bindparams(bindparam("keys", type_=_INTS), bindparam("terms", type_=_INTS))
    connection.execute(statement, {"keys": [k for k, _ in rows], "terms": [t for _, t in rows]})


def _write_words(connection: Connection, words: dict[int, tuple[str, bool]]) -> None:
    """Each term's word; a term id already holding another word becomes ambiguous ('')."""
    if not words:
        return
    connection.execute(
        text(
            f"INSERT INTO {WORDS} (term, word, capitalised) VALUES (:t, :w, :c) "
            f"ON CONFLICT (term) DO UPDATE SET word = '' WHERE {WORDS}.word <> excluded.word "
            f"OR {WORDS}.capitalised <> excluded.capitalised"
        ),
        [{"t": t, "w": w, "c": c} for t, (w, c) in sorted(words.items())],
    )


def forget_articles(connection: Connection, article_ids: Sequence[int]) -> None:
    """Delete these articles' postings (SQLite, through the side table's trigger;
    PostgreSQL's go with their article)."""
    if connection.dialect.name != "sqlite":
        return
    for chunk in _chunks(article_ids):
        connection.execute(text(f"DELETE FROM {LISTS} WHERE article_id IN ({_in(chunk)})"))


def file_articles(
    connection: Connection, terms_of: Mapping[int, ArticleTerms], written: WrittenTerms
) -> set[int]:
    """File each article (by id) under its terms, with the vocabulary rows of the terms not
    in ``written``; the digests of those terms (written once the transaction commits)."""
    if not terms_of:
        return set()
    rows: set[tuple[int, int]] = set()
    words: dict[int, tuple[str, bool]] = {}
    digests: set[int] = set()
    for terms in terms_of.values():
        for item, keys in terms.vocabulary(written):
            if item.digest not in digests:
                digests.add(item.digest)
                rows.update((key, item.id) for key in keys)
                word = (item.word, item.capitalised)
                words[item.id] = word if words.get(item.id, word) == word else ("", False)
    _write_vocabulary(connection, sorted(rows))
    _write_words(connection, words)
    ids = {article_id: terms.ids for article_id, terms in terms_of.items()}
    if connection.dialect.name == "sqlite":
        connection.execute(  # its trigger files the tokens in the FTS5 table
            text(f"INSERT OR REPLACE INTO {LISTS} (article_id, terms) VALUES (:id, :terms)"),
            [{"id": i, "terms": " ".join(map(token, t))} for i, t in ids.items()],
        )
    else:
        connection.execute(
            text(f"INSERT INTO {TABLE} (article_id, terms) VALUES (:id, :terms)").bindparams(
                bindparam("terms", type_=_INTS)
            ),
            [{"id": i, "terms": t} for i, t in ids.items()],
        )
    return digests


def _terms_under(connection: Connection, keys: Iterable[str]) -> list[int]:
    """The terms the vocabulary files under one of these keys, ascending."""
    terms: set[int] = set()
    for chunk in _chunks(sorted(key_ids(keys))):
        found = connection.execute(
            text(f"SELECT DISTINCT term FROM {VOCABULARY} WHERE key IN ({_in(chunk)})")
        )
        terms.update(int(row[0]) for row in found)
    return sorted(terms)


def _candidates(connection: Connection, keys: Iterable[str], since: datetime | None) -> list[int]:
    return _holding(connection, _terms_under(connection, keys), since)


@dataclass(frozen=True, slots=True)
class FiledWord:
    """A term of the vocabulary: its id and its word ('' when two words share the id)."""

    term: int
    word: str
    capitalised: bool


def _words_under(connection: Connection, keys: Iterable[str]) -> list[FiledWord]:
    """The terms filed under one of these keys, with their words."""
    found: dict[int, FiledWord] = {}
    for chunk in _chunks(sorted(key_ids(keys))):
        rows = connection.execute(
            text(
                f"SELECT DISTINCT v.term, w.word, w.capitalised FROM {VOCABULARY} v "
                f"LEFT JOIN {WORDS} w ON w.term = v.term WHERE v.key IN ({_in(chunk)})"
            )
        )
        for term, word, capitalised in rows:
            found[int(term)] = FiledWord(int(term), word or "", bool(capitalised))
    return list(found.values())


def _holding(connection: Connection, terms: Sequence[int], since: datetime | None) -> list[int]:
    """Ids of the articles fetched since ``since`` holding one of these terms, highest
    first (without a period, from the postings alone)."""
    if not terms:
        return []
    wanted = sorted(set(terms))
    params: dict[str, object] = {}
    if connection.dialect.name == "sqlite":
        params["query"] = " OR ".join(map(token, wanted))
        if since is None:
            statement = text(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :query")
        else:
            statement = text(
                f"SELECT a.id FROM {TABLE} p JOIN articles a ON a.id = p.rowid "
                f"WHERE {TABLE} MATCH :query AND a.fetched_at >= :since"
            )
    else:
        params["terms"] = wanted
        if since is None:
            statement = text(f"SELECT article_id FROM {TABLE} WHERE terms && :terms")
        else:
            statement = text(
                f"SELECT a.id FROM {TABLE} p JOIN articles a ON a.id = p.article_id "
                "WHERE p.terms && :terms AND a.fetched_at >= :since"
            )
        statement = statement.bindparams(bindparam("terms", type_=_INTS))
    if since is not None:
        statement = statement.bindparams(bindparam("since", type_=UTCDateTime))
        params["since"] = since
    return sorted((int(row[0]) for row in connection.execute(statement, params)), reverse=True)


def _times(
    connection: Connection, article_ids: Sequence[int], since: datetime | None
) -> dict[int, datetime]:
    """Each of these articles' time (published, else first seen), of those first seen
    since ``since`` (None: all)."""
    found: dict[int, datetime] = {}
    period = "" if since is None else " AND fetched_at >= :since"
    for chunk in _chunks(article_ids):
        statement = text(
            "SELECT id, COALESCE(published_at, fetched_at) FROM articles "
            f"WHERE id IN ({_in(chunk)}){period}"
        ).columns(column("id", Integer), column("published", UTCDateTime))
        params: dict[str, object] = {}
        if since is not None:
            statement = statement.bindparams(bindparam("since", type_=UTCDateTime))
            params["since"] = since
        found.update((int(i), when) for i, when in connection.execute(statement, params))
    return found


def _fetched_since(
    connection: Connection, article_ids: Sequence[int], since: datetime
) -> list[int]:
    """Those of these articles first seen since ``since``, highest first."""
    return sorted(_times(connection, article_ids, since), reverse=True)


@dataclass(slots=True)
class _Filing:
    """A session's articles to file at its commit, and the terms it wrote."""

    written: WrittenTerms
    queued: dict[int, ArticleTerms] = field(default_factory=dict)
    digests: set[int] = field(default_factory=set)  # written once the commit is done


def _filing(session: Session) -> _Filing | None:
    found = session.info.get(_FILING)
    return found if isinstance(found, _Filing) else None


def _before_commit(session: Session) -> None:
    filing = _filing(session)
    if filing is not None and filing.queued:
        queued, filing.queued = filing.queued, {}
        filing.digests |= file_articles(session.connection(), queued, filing.written)


def _after_commit(session: Session) -> None:
    filing = _filing(session)
    if filing is not None:
        filing.written.add_all(filing.digests)
        filing.digests.clear()


def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    filing = _filing(session)
    if filing is not None:
        filing.digests.clear()  # those rows may be gone
        if not previous.nested:
            filing.queued.clear()


def _listen() -> None:
    """Listen to every session's commits, once per process (a session without queued
    articles costs a dictionary lookup)."""
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)


class ArchiveRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, terms_of: Mapping[int, ArticleTerms]) -> None:
        """File each article (by id) under its terms (``archive_terms.prepare``) when the
        transaction commits."""
        if not terms_of:
            return
        _listen()
        sync = self.session.sync_session
        filing = _filing(sync)
        if filing is None:
            filing = sync.info[_FILING] = _Filing(written_in(self.session.get_bind()))
        filing.queued.update(terms_of)

    async def remove(self, article_ids: Sequence[int]) -> None:
        """Forget these articles (PostgreSQL's rows go with their article anyway)."""
        if not article_ids:
            return
        filing = _filing(self.session.sync_session)
        if filing is not None:
            for article_id in article_ids:
                filing.queued.pop(article_id, None)
        connection = await self.session.connection()
        await connection.run_sync(forget_articles, article_ids)

    async def candidates(self, keys: Iterable[str], since: datetime | None) -> list[int]:
        """Ids of the articles fetched since ``since`` (None: any) filed under one of
        ``keys`` at least, highest first."""
        connection = await self.session.connection()
        return await connection.run_sync(_candidates, keys, since)

    async def words_under(self, keys: Iterable[str]) -> list[FiledWord]:
        """The vocabulary's terms filed under one of ``keys``, with their words."""
        connection = await self.session.connection()
        return await connection.run_sync(_words_under, keys)

    async def holding(self, terms: Sequence[int]) -> list[int]:
        """Ids of the articles holding one of ``terms``, highest first, from the postings
        alone (narrow them to a period with ``fetched_since``: once, after the set algebra,
        rather than for each word)."""
        connection = await self.session.connection()
        return await connection.run_sync(_holding, terms, None)

    async def fetched_since(self, article_ids: Sequence[int], since: datetime) -> list[int]:
        """Those of these articles (still stored) first seen since ``since``, highest first."""
        connection = await self.session.connection()
        return await connection.run_sync(_fetched_since, article_ids, since)

    async def times(
        self, article_ids: Sequence[int], since: datetime | None
    ) -> dict[int, datetime]:
        """Each of these articles' time (published, else first seen), by id, of those
        first seen since ``since`` (None: all still stored)."""
        connection = await self.session.connection()
        return await connection.run_sync(_times, article_ids, since)

    async def texts(self, article_ids: Sequence[int]) -> list[StoredText]:
        """These articles (those still stored) with their source's name, highest id first."""
        found: list[StoredText] = []
        for chunk in _chunks(article_ids):
            rows = await self.session.execute(select_stored_texts().where(Article.id.in_(chunk)))
            found.extend(StoredText(*row) for row in rows.all())
        return sorted(found, key=lambda t: t.id, reverse=True)

    async def version(self) -> int | None:
        """The analysis version the index was built with (None: not recorded)."""
        connection = await self.session.connection()
        return await connection.run_sync(version_of)
