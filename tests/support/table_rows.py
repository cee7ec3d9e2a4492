"""Rows for any schema, read from the database itself: reflect the tables, fill every one of
them with rows whose foreign keys hold, and read them all back in a comparable form.

Nothing here knows Rasd's tables: values come from the column types, their lengths and
nullability, enums and ``IN (...)`` checks, and foreign keys point at rows generated for the
parent table. A column type it cannot fill fails loudly, naming the column."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Connection,
    Enum,
    MetaData,
    SmallInteger,
    Table,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import TSVECTOR

# Per table: row 0 leaves every nullable column NULL, the others fill every column.
ROWS = 3
# Non-ASCII in every text: an upgrade must not mangle the encoding either.
_TEXT = "صدى"
_MOMENT = datetime(2025, 1, 13, 9, 30, 15, 123456, tzinfo=UTC)

Row = dict[str, Any]
Key = tuple[Any, ...]
Tables = dict[str, dict[Key, Row]]


def reflect(connection: Connection) -> MetaData:
    """Every table of the database except Alembic's own bookkeeping and SQLite's virtual
    tables (full-text indexes) with their shadow tables: those hold no rows of their own."""
    metadata = MetaData()
    metadata.reflect(connection)
    skipped = {"alembic_version"}
    for name in virtual_tables(connection):
        skipped.update(t for t in metadata.tables if t == name or t.startswith(name + "_"))
    for name in skipped & set(metadata.tables):
        metadata.remove(metadata.tables[name])
    return metadata


def virtual_tables(connection: Connection) -> list[str]:
    """SQLite's virtual tables (none elsewhere)."""
    if connection.dialect.name != "sqlite":
        return []
    found = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
    )
    return [str(row[0]) for row in found]


def fill(connection: Connection, metadata: MetaData) -> None:
    """Insert ROWS rows into every table, parents before children."""
    made: dict[str, list[Row]] = {}
    for table in metadata.sorted_tables:
        made[table.name] = []
        for i in range(ROWS):  # one by one: a row may point at an earlier row of its table
            row = _row(table, i, made)
            connection.execute(insert(table).values(row))
            made[table.name].append(row)


def snapshot(connection: Connection, metadata: MetaData) -> Tables:
    """Every row of every table, by primary key, with values in a form comparable across
    backends and column types (aware datetimes as naive UTC, as SQLite stores them)."""
    tables: Tables = {}
    for table in metadata.sorted_tables:
        key = [column.name for column in table.primary_key.columns]
        assert key, f"table {table.name} has no primary key: rows cannot be told apart"
        rows: dict[Key, Row] = {}
        for found in connection.execute(select(table)).mappings():
            row = {name: _comparable(value) for name, value in found.items()}
            rows[tuple(row[name] for name in key)] = row
        tables[table.name] = rows
    return tables


def _comparable(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _row(table: Table, i: int, made: Mapping[str, list[Row]]) -> Row:
    row: Row = {}
    own = []  # foreign keys to this same table: filled once the row's own key is known
    for constraint in table.foreign_key_constraints:
        if i == 0 and all(element.parent.nullable for element in constraint.elements):
            continue  # left NULL below
        if constraint.referred_table is table:
            own.append(constraint)
            continue
        parents = made.get(constraint.referred_table.name)
        if not parents:
            raise AssertionError(
                f"{table.name}: no row of {constraint.referred_table.name} to point at (a cycle "
                "of foreign keys with no nullable column to break it)"
            )
        referred = parents[i % len(parents)]
        for element in constraint.elements:
            row[element.parent.name] = referred[element.column.name]
    pointing = {element.parent.name for constraint in own for element in constraint.elements}
    for column in table.columns:
        if column.name in row or column.name in pointing:
            continue
        if i == 0 and column.nullable and not column.primary_key:
            row[column.name] = None
        else:
            row[column.name] = _value(table, column, i)
    for constraint in own:  # row 0 points at itself, the others at row 0
        referred = made[table.name][0] if made[table.name] else row
        for element in constraint.elements:
            row[element.parent.name] = referred[element.column.name]
    return row


def _value(table: Table, column: Column[Any], i: int) -> Any:
    """A value for row ``i`` that differs between rows (unique constraints hold) and from
    the usual defaults (False, 0, "", NULL), so a value reset by a migration shows."""
    allowed = _allowed_values(table, column)
    if allowed:
        return allowed[i % len(allowed)]
    type_ = column.type
    python: Any
    try:
        python = type_.python_type
    except NotImplementedError:
        python = None
    if python is bool:
        return i % 2 == 1
    if python is int:
        if isinstance(type_, SmallInteger):
            return 100 + i
        return (2**40 if isinstance(type_, BigInteger) else 1_000_000) + i
    if python is float:
        return i + 0.25
    if python is Decimal:
        return Decimal(i) + Decimal("0.25")
    if python is str:
        text = f"{column.name} {i} {_TEXT}"
        length = getattr(type_, "length", None)
        return text if length is None or len(text) <= length else f"{i}{column.name}"[:length]
    if python is datetime:
        moment = _MOMENT + timedelta(days=i, minutes=i)
        return moment if getattr(type_, "timezone", False) else moment.replace(tzinfo=None)
    if python is date:
        return _MOMENT.date() + timedelta(days=i)
    if python is time:
        return time(9, 30 + i)
    if python is timedelta:
        return timedelta(seconds=90 + i)
    if python is bytes:
        return bytes([i, 0, 255]) + _TEXT.encode()
    if python is uuid.UUID:
        return uuid.UUID(int=i + 1)
    if isinstance(type_, ARRAY) and python is list:
        item = Column(column.name, type_.item_type)
        return [_value(table, item, i), _value(table, item, i + ROWS)]
    if isinstance(type_, TSVECTOR):
        return f"w{i} {_TEXT}"
    if isinstance(type_, JSON) or python in (dict, list):
        return {"row": i, "items": [i, _TEXT]}
    raise AssertionError(
        f"no value for {table.name}.{column.name} of type {type_!r}: teach "
        "tests/support/table_rows.py to generate one"
    )


# col IN ('a', 'b') as SQLite keeps it; (col)::text = ANY ((ARRAY['a'::..., ...]) on PostgreSQL.
_IN_LIST = re.compile(r"\(?\"?(\w+)\"?\)?\s+IN\s*\(([^)]*)\)", re.IGNORECASE)
_ANY_ARRAY = re.compile(r"\(?\"?(\w+)\"?\)?(?:::\w+(?: \w+)*)?\s*=\s*ANY\s*\(+ARRAY\[([^\]]*)\]")
_LITERAL = re.compile(r"'((?:[^']|'')*)'")


def _allowed_values(table: Table, column: Column[Any]) -> list[Any]:
    """The values an enum type or a CHECK ``IN (...)`` constraint allows, if any."""
    if isinstance(column.type, Enum) and column.type.enums:
        return list(column.type.enums)
    for constraint in table.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        sql = str(constraint.sqltext)
        for pattern in (_IN_LIST, _ANY_ARRAY):
            for match in pattern.finditer(sql):
                if match.group(1) == column.name:
                    values = [v.replace("''", "'") for v in _LITERAL.findall(match.group(2))]
                    if values:
                        return values
    return []
