"""Who made each subscription, for the per-person cap across chats.

Revision ID: 0005
Revises: 0004

A plain ADD COLUMN on every backend: no table is rebuilt. Subscriptions of private chats
were made by that chat's user; those of groups and channels stay unattributed (NULL).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("subscriptions", sa.Column("created_by", sa.BigInteger(), nullable=True))
    op.execute("UPDATE subscriptions SET created_by = chat_id WHERE chat_id > 0")
    op.create_index("ix_subscriptions_created_by", "subscriptions", ["created_by"])


def downgrade() -> None:
    op.drop_index("ix_subscriptions_created_by", table_name="subscriptions")
    with op.batch_alter_table("subscriptions") as table:
        table.drop_column("created_by")
