"""The archive index: every stored article filed under its terms (for search).

Revision ID: 0006
Revises: 0005

Creates the index's tables (``bot.storage.archive_schema``: the vocabulary of terms by key;
the postings, FTS5 on SQLite, an integer array with a GIN index on PostgreSQL), then files
every stored article, ``BATCH`` at a time in id order, and records the analysis version it
was built with. The analysis is the matcher's (``bot.matching``, through
``bot.storage.archive_terms``), the same as at ingest: the text is the body when there is
one, else the summary.
"""

import sqlalchemy as sa
from alembic import op

from bot.matching import AnalyzedDocument, Document
from bot.storage.archive import file_articles
from bot.storage.archive_schema import INDEX_VERSION, create_index, drop_index, set_version
from bot.storage.archive_terms import WrittenTerms, terms_of

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    connection = op.get_bind()
    create_index(connection)
    read = sa.text(
        "SELECT id, title, summary, body FROM articles WHERE id > :after ORDER BY id LIMIT :n"
    )
    written = WrittenTerms()  # this build's own: the terms whose rows it has inserted
    after = 0
    while True:
        rows = connection.execute(read, {"after": after, "n": BATCH}).all()
        if not rows:
            break
        filed = {
            article_id: terms_of(AnalyzedDocument(Document(title=title, text=body or summary)))
            for article_id, title, summary, body in rows
        }
        written.add_all(file_articles(connection, filed, written))
        after = rows[-1][0]
    set_version(connection, INDEX_VERSION)


def downgrade() -> None:
    drop_index(op.get_bind())
