"""Source kinds and health, article bodies and stories; chat modes, topics, mutes, notices.

Revision ID: 0003
Revises: 0002
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def _flag(name: str) -> sa.Column[bool]:
    return sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())


def _thread_id() -> sa.Column[int]:
    return sa.Column("thread_id", sa.BigInteger(), nullable=False, server_default="0")


def upgrade() -> None:
    with op.batch_alter_table("sources") as table:
        table.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="feed"))
        table.add_column(sa.Column("selector", sa.Text(), nullable=True))
        table.add_column(_flag("full_text"))
        table.add_column(_when("unhealthy_since"))
    with op.batch_alter_table("articles") as table:
        table.add_column(sa.Column("body", sa.Text(), nullable=False, server_default=""))
        table.add_column(sa.Column("story_id", sa.Integer(), nullable=True))
        table.add_column(sa.Column("title_key", sa.Text(), nullable=False, server_default=""))
        table.create_index("ix_articles_story_id", ["story_id"])
    with op.batch_alter_table("chats") as table:
        table.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="private"))
        table.add_column(
            sa.Column("mode", sa.String(16), nullable=False, server_default="immediate")
        )
        table.add_column(
            sa.Column("digest_time", sa.String(5), nullable=False, server_default="08:00")
        )
        table.add_column(sa.Column("quiet_start", sa.String(5), nullable=True))
        table.add_column(sa.Column("quiet_end", sa.String(5), nullable=True))
        table.add_column(_when("last_digest_at"))
    with op.batch_alter_table("subscriptions") as table:
        table.add_column(_thread_id())
        table.add_column(_when("muted_until"))
        table.drop_constraint("uq_subscriptions_chat_query", type_="unique")
        table.create_unique_constraint(
            "uq_subscriptions_chat_query", ["chat_id", "thread_id", "query"]
        )
    with op.batch_alter_table("outbox") as table:
        table.add_column(_thread_id())
        table.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="alert"))
        table.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        table.add_column(sa.Column("also", sa.JSON(), nullable=False, server_default="[]"))
        table.add_column(_flag("edit_pending"))
        table.add_column(_flag("plain"))
        table.alter_column("article_id", existing_type=sa.Integer(), nullable=True)
        table.drop_constraint("uq_outbox_chat_article", type_="unique")
        table.create_unique_constraint(
            "uq_outbox_chat_article", ["chat_id", "thread_id", "article_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as table:
        table.drop_constraint("uq_outbox_chat_article", type_="unique")
        table.create_unique_constraint("uq_outbox_chat_article", ["chat_id", "article_id"])
        for column in ("plain", "edit_pending", "also", "payload", "kind", "thread_id"):
            table.drop_column(column)
    with op.batch_alter_table("subscriptions") as table:
        table.drop_constraint("uq_subscriptions_chat_query", type_="unique")
        table.create_unique_constraint("uq_subscriptions_chat_query", ["chat_id", "query"])
        table.drop_column("muted_until")
        table.drop_column("thread_id")
    with op.batch_alter_table("chats") as table:
        for column in ("last_digest_at", "quiet_end", "quiet_start", "digest_time", "mode", "kind"):
            table.drop_column(column)
    with op.batch_alter_table("articles") as table:
        table.drop_index("ix_articles_story_id")
        for column in ("title_key", "story_id", "body"):
            table.drop_column(column)
    with op.batch_alter_table("sources") as table:
        for column in ("unhealthy_since", "full_text", "selector", "kind"):
            table.drop_column(column)
