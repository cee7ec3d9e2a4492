"""Building the archive index over the articles already stored: by a migration, when the
index is created (``0006``) and whenever the analysis it was built with changes (a
migration that bumps ``INDEX_VERSION`` calls ``rebuild``).

Rules:

- Every stored article is filed, ``BATCH`` at a time in id order, with the analysis ingest
  uses (``bot.storage.archive_terms``: the body when there is one, else the summary), then
  the version of that analysis is recorded (``INDEX_VERSION``).
- ``rebuild`` leaves an index already at ``INDEX_VERSION`` alone (a database migrated from
  before ``0006`` was built by it with today's analysis); any other is dropped and built
  again, since an older analysis filed words under other keys and a search would miss them.
- Runs inside the migration's transaction: an interrupted build leaves the old index.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from bot.matching import AnalyzedDocument, Document
from bot.storage.archive import file_articles
from bot.storage.archive_schema import (
    INDEX_VERSION,
    create_index,
    drop_index,
    set_version,
    version_of,
)
from bot.storage.archive_terms import WrittenTerms, terms_of

__all__ = ["BATCH", "build", "rebuild"]

BATCH = 500  # articles read and filed at a time

_READ = text("SELECT id, title, summary, body FROM articles WHERE id > :after ORDER BY id LIMIT :n")


def build(connection: Connection) -> None:
    """File every stored article in the (empty) index and record the analysis version."""
    written = WrittenTerms()  # this build's own: the terms whose rows it has inserted
    after = 0
    while True:
        rows = connection.execute(_READ, {"after": after, "n": BATCH}).all()
        if not rows:
            break
        filed = {
            article_id: terms_of(AnalyzedDocument(Document(title=title, text=body or summary)))
            for article_id, title, summary, body in rows
        }
        written.add_all(file_articles(connection, filed, written))
        after = rows[-1][0]
    set_version(connection, INDEX_VERSION)


def rebuild(connection: Connection) -> bool:
    """Build the index again unless it holds today's analysis; True when it was rebuilt."""
    if version_of(connection) == INDEX_VERSION:
        return False
    drop_index(connection)
    create_index(connection)
    build(connection)
    return True
