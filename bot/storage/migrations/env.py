"""Alembic environment: migrations always run on a connection handed over by bot.storage.db."""

from __future__ import annotations

from alembic import context

from bot.storage.archive_schema import is_index_table
from bot.storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `python -m bot migrate`")

if (
    connection.dialect.name == "sqlite"
    and connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
):
    # A table rebuilt in batch mode is dropped first: the drop would cascade to its children.
    raise RuntimeError("SQLite migrations run with foreign keys off (bot.storage.db.migrate)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    # The archive index's tables are made by hand (an FTS5 table on SQLite), not models.
    include_name=lambda name, type_, _parents: type_ != "table" or not is_index_table(name),
)
with context.begin_transaction():
    context.run_migrations()
