"""Saved searches: a /search message's page buttons read their search back by id.

Revision ID: 0007
Revises: 0006

A new table only; nothing existing changes. Rows are pruned with the articles (retention).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "searches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("newest_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_searches_created_at", "searches", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_searches_created_at", table_name="searches")
    op.drop_table("searches")
