"""Several processes on one database: source and chat leases, shared pacing, workers.

Revision ID: 0004
Revises: 0003
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _owner(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(64), nullable=True)


def upgrade() -> None:
    with op.batch_alter_table("sources") as table:
        table.add_column(_owner("lease_owner"))
        table.add_column(_when("lease_until"))
    with op.batch_alter_table("chats") as table:
        table.add_column(_owner("delivery_owner"))
        table.add_column(_when("delivery_until"))
    op.create_table(
        "pacing",
        sa.Column("name", sa.String(32), primary_key=True),
        _when("next_at", nullable=False),
    )
    op.create_table(
        "workers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        _when("started_at", nullable=False),
        _when("seen_at", nullable=False),
    )
    op.create_index("ix_workers_seen_at", "workers", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_workers_seen_at", table_name="workers")
    op.drop_table("workers")
    op.drop_table("pacing")
    with op.batch_alter_table("chats") as table:
        table.drop_column("delivery_until")
        table.drop_column("delivery_owner")
    with op.batch_alter_table("sources") as table:
        table.drop_column("lease_until")
        table.drop_column("lease_owner")
