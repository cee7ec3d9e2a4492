"""An upgrade keeps every row. For each revision below head, a database at that revision gets
rows in every table (tests/support/table_rows.py: generated from the reflected schema, foreign keys
consistent), the real ``python -m bot migrate`` brings it to head, and every row must still
be there with the values of every column that still exists. SQLite always, PostgreSQL when
CI runs one. A new migration is covered here without a line added to this file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from bot.storage import archive_schema
from bot.storage.db import MIGRATIONS, SchemaError, create_engine, migrate
from bot.storage.models import Base
from tests.support import table_rows
from tests.support.processes import run_cli


def _history() -> tuple[str, list[str]]:
    """The head revision, and every revision before it, oldest first."""
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    older = [r.revision for r in reversed(list(script.walk_revisions())) if r.revision != head]
    return head, older


HEAD, OLDER = _history()


def test_the_history_is_walked_from_the_first_revision() -> None:
    assert OLDER and OLDER[0] == "0001", OLDER


async def _at(url: str, run: Any) -> Any:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(run)
    finally:
        await engine.dispose()


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _filled(connection: Connection) -> table_rows.Tables:
    metadata = table_rows.reflect(connection)
    table_rows.fill(connection, metadata)
    return table_rows.snapshot(connection, metadata)


def _read(connection: Connection) -> tuple[str | None, table_rows.Tables]:
    return _revision(connection), table_rows.snapshot(connection, table_rows.reflect(connection))


def _indexed(connection: Connection) -> set[int]:
    """The article ids the archive index holds."""
    sqlite = connection.dialect.name == "sqlite"  # its postings table cannot be scanned
    table = archive_schema.LISTS if sqlite else archive_schema.TABLE
    return set(connection.scalars(text(f"SELECT article_id FROM {table}")))


@pytest.mark.parametrize("revision", OLDER)
async def test_upgrading_to_head_keeps_every_row(
    revision: str, database_url: str, tmp_path: Path
) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine, revision)
    finally:
        await engine.dispose()
    before = await _at(database_url, _filled)
    assert before, "no tables at this revision"
    for table, rows in before.items():
        assert len(rows) == table_rows.ROWS, f"{table}: not every generated row was stored"

    config = tmp_path / "rasd.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    code, out, err = await run_cli("--config", str(config), "migrate", cwd=tmp_path)
    assert code == 0, err
    assert "database is up to date" in out

    current, after = await _at(database_url, _read)
    assert current == HEAD
    for table, rows in before.items():
        if table not in after:
            assert table not in Base.metadata.tables, f"table {table} vanished in the upgrade"
            continue
        upgraded = after[table]
        lost = sorted(set(rows) - set(upgraded), key=repr)
        assert not lost, f"{table}: rows {lost} lost upgrading from {revision} to {HEAD}"
        for key, row in rows.items():
            kept = {name: value for name, value in row.items() if name in upgraded[key]}
            now = {name: upgraded[key][name] for name in kept}
            assert now == kept, f"{table} row {key} changed upgrading from {revision}"
    if revision < "0006":
        # The upgrade built the archive index (not models: SQLite's postings are an FTS5
        # table): it files every article. From 0006 on, the generated rows are its own.
        assert await _at(database_url, _indexed) == {key[0] for key in after["articles"]}
    if make_url(database_url).get_backend_name() == "sqlite":
        database = make_url(database_url).database
        assert database is not None
        with sqlite3.connect(database) as raw:
            assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
            assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


async def test_the_rows_satisfy_enums_and_checks(database_url: str) -> None:
    """The generator against constraints today's schema does not use yet."""

    def create(connection: Connection) -> None:
        connection.execute(
            text(
                "CREATE TABLE kinds (id INTEGER PRIMARY KEY, "
                "kind VARCHAR(8) NOT NULL CHECK (kind IN ('feed', 'page', 'it''s')), "
                "parent_id INTEGER REFERENCES kinds (id), "
                "at TIMESTAMP NOT NULL, note VARCHAR(3))"
            )
        )

    await _at(database_url, create)
    stored = await _at(database_url, _filled)
    assert sorted(row["kind"] for row in stored["kinds"].values()) == ["feed", "it's", "page"]
    assert [row["parent_id"] for row in stored["kinds"].values()].count(None) == 1


async def test_a_broken_foreign_key_stops_the_upgrade_and_changes_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/rasd.sqlite3"
    engine = create_engine(url)
    try:
        await migrate(engine, OLDER[-1])
        with sqlite3.connect(tmp_path / "rasd.sqlite3") as raw:  # foreign keys off by default
            raw.execute(
                "INSERT INTO articles (id, source_id, guid, url, title, summary, fetched_at) "
                "VALUES (1, 404, 'g', 'https://a.ma/1', 't', 's', '2025-01-13 09:30:00')"
            )
        with pytest.raises(SchemaError, match=r"articles.*sources"):
            await migrate(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_revision) == OLDER[-1]
            on = await connection.exec_driver_sql("PRAGMA foreign_keys")
            assert on.scalar() == 1, "the pooled connection kept foreign keys off"
    finally:
        await engine.dispose()
