"""The archive index: every stored article filed under its matching keys (for search).

Revision ID: 0006
Revises: 0005

Creates the index's table (``bot.storage.archive``: FTS5 on SQLite, a tsvector with a GIN
index on PostgreSQL), then files every stored article, ``BATCH`` at a time in id order, and
records the analysis version it was built with. The analysis is the matcher's
(``bot.matching``), the same as at ingest: the text is the body when there is one, else the
summary.
"""

import sqlalchemy as sa
from alembic import op

from bot.matching import AnalyzedDocument, Document
from bot.storage.archive import (
    INDEX_VERSION,
    TABLE,
    create_index,
    insert_statement,
    set_version,
    tokens,
)

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    connection = op.get_bind()
    create_index(connection)
    insert = insert_statement(connection.dialect.name)
    read = sa.text(
        "SELECT id, title, summary, body FROM articles WHERE id > :after ORDER BY id LIMIT :n"
    )
    after = 0
    while True:
        rows = connection.execute(read, {"after": after, "n": BATCH}).all()
        if not rows:
            break
        filed = []
        for article_id, title, summary, body in rows:
            document = AnalyzedDocument(Document(title=title, text=body or summary))
            filed.append({"id": article_id, "keys": tokens(document.keys)})
        connection.execute(insert, filed)
        after = rows[-1][0]
    set_version(connection, INDEX_VERSION)


def downgrade() -> None:
    op.execute(f"DROP TABLE {TABLE}")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA user_version = 0")
