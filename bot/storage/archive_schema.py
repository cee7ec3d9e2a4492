"""The archive index's tables, and the analysis version they were built with.

Rules:

- ``archive_vocabulary (key, term)``: for every term ever indexed, one row per key it is
  filed under (``bot.storage.archive_terms``), primary key (key, term) (SQLite: WITHOUT
  ROWID). Not pruned by retention: a stale row only proposes a term no article holds, and
  its size follows the language's vocabulary, not the archive's length. Pruning it would
  also break the writers' caches (``WrittenTerms``: a term believed written, then pruned,
  would be written for a new article without its keys), so nothing deletes from it.
- ``archive_words (term, word, capitalised)``: each term's own word, so a search can test
  the words filed under a query word's keys once each instead of reading every article
  that holds one (``bot.matching.lookup``). Written with the term's vocabulary rows. Two
  different words sharing a term id (a 32-bit hash) leave ``word`` empty: that term is
  ambiguous, and the articles holding it are verified one by one.
- Postings. SQLite: a contentless FTS5 table ``article_terms`` (rowid = article id, one
  token per term id, ``detail=none``), written and deleted only through
  ``article_term_lists`` (article id, its tokens), whose triggers pass each insert and
  delete on to it: SQLite 3.40 deletes from a contentless table only with the tokens it
  was given, which the side table keeps, and one statement does both. (Tokens rather than
  ids packed 4 bytes each: 2.5 times the side table, still a fraction of the articles,
  and no second statement per write.) PostgreSQL: ``article_terms``
  (article id, ``INTEGER[]`` of term ids) with a GIN index, deleted with its article (ON
  DELETE CASCADE).
- ``INDEX_VERSION`` is the version of the analysis the index was built with, kept beside
  it (SQLite: the database's ``user_version``, which nothing else uses; PostgreSQL:
  ``article_terms``' comment): a change of the analysis bumps it, and a new migration
  rebuilds the index (as ``0006_archive_index`` builds it).
- The tables are not in ``bot.storage.models`` (SQLite's postings are virtual):
  ``is_index_table`` tells schema comparisons to leave them out.
"""

from __future__ import annotations

from sqlalchemy import Connection

__all__ = [
    "INDEX_VERSION",
    "LISTS",
    "TABLE",
    "VOCABULARY",
    "WORDS",
    "create_index",
    "drop_index",
    "is_index_table",
    "set_version",
    "version_of",
]

INDEX_VERSION = 5
VOCABULARY = "archive_vocabulary"
WORDS = "archive_words"
TABLE = "article_terms"  # the postings
LISTS = "article_term_lists"  # SQLite: each article's term ids, to delete its postings
_VERSION_NOTE = "rasd archive index, analysis version "


def is_index_table(name: str | None) -> bool:
    """True for the index's tables (with SQLite's FTS5 shadow tables)."""
    if name is None:
        return False
    return name in (VOCABULARY, WORDS, TABLE, LISTS) or name.startswith(TABLE + "_")


def create_index(connection: Connection) -> None:
    """Create the (empty) index's tables for this backend."""
    run = connection.exec_driver_sql
    run(
        f"CREATE TABLE {WORDS} (term INTEGER PRIMARY KEY, word TEXT NOT NULL, "
        "capitalised BOOLEAN NOT NULL)"
    )
    if connection.dialect.name == "sqlite":
        run(
            f"CREATE TABLE {VOCABULARY} (key INTEGER NOT NULL, term INTEGER NOT NULL, "
            "PRIMARY KEY (key, term)) WITHOUT ROWID"
        )
        run(
            f"CREATE VIRTUAL TABLE {TABLE} USING fts5(terms, content='', detail=none, columnsize=0)"
        )
        run(f"CREATE TABLE {LISTS} (article_id INTEGER PRIMARY KEY, terms TEXT NOT NULL)")
        run(
            f"CREATE TRIGGER {LISTS}_insert AFTER INSERT ON {LISTS} BEGIN "
            f"INSERT INTO {TABLE} (rowid, terms) VALUES (new.article_id, new.terms); END"
        )
        run(
            f"CREATE TRIGGER {LISTS}_delete AFTER DELETE ON {LISTS} BEGIN "
            f"INSERT INTO {TABLE} ({TABLE}, rowid, terms) "
            "VALUES ('delete', old.article_id, old.terms); END"
        )
        return
    run(
        f"CREATE TABLE {VOCABULARY} (key INTEGER NOT NULL, term INTEGER NOT NULL, "
        "PRIMARY KEY (key, term))"
    )
    run(
        f"CREATE TABLE {TABLE} (article_id INTEGER PRIMARY KEY "
        "REFERENCES articles (id) ON DELETE CASCADE, terms INTEGER[] NOT NULL)"
    )
    run(f"CREATE INDEX ix_{TABLE}_terms ON {TABLE} USING gin (terms)")


def drop_index(connection: Connection) -> None:
    """Drop the index's tables (and forget the version)."""
    for name in (LISTS, TABLE, VOCABULARY, WORDS):  # the side table's triggers go with it
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA user_version = 0")


def set_version(connection: Connection, version: int) -> None:
    """Record the analysis version the index holds."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA user_version = {int(version)}")
    else:
        connection.exec_driver_sql(f"COMMENT ON TABLE {TABLE} IS '{_VERSION_NOTE}{int(version)}'")


def version_of(connection: Connection) -> int | None:
    """The analysis version the index was built with (None: not recorded)."""
    if connection.dialect.name == "sqlite":
        value = connection.exec_driver_sql("PRAGMA user_version").scalar()
        return int(value) if value else None
    note = connection.exec_driver_sql(f"SELECT obj_description('{TABLE}'::regclass)").scalar()
    if not isinstance(note, str) or not note.startswith(_VERSION_NOTE):
        return None
    return int(note.removeprefix(_VERSION_NOTE))
