"""The archive index: every stored article filed under its terms (for search).

Revision ID: 0006
Revises: 0005

Creates the index's tables (``bot.storage.archive_schema``: the vocabulary of terms by key;
the postings, FTS5 on SQLite, an integer array with a GIN index on PostgreSQL), then files
every stored article and records the analysis version it was built with
(``bot.storage.archive_build``).
"""

from alembic import op

from bot.storage.archive_build import build
from bot.storage.archive_schema import create_index, drop_index

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    create_index(connection)
    build(connection)


def downgrade() -> None:
    drop_index(op.get_bind())
