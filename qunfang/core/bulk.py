"""Bulk writes for large imports, below the ORM.

Django's bulk_create spends most of its time preparing each field of each object; an import of
100,000 persons needs rows written at the database's own speed. PostgreSQL gets COPY into a
temporary table and one INSERT … SELECT … ON CONFLICT; SQLite gets executemany of the same
upsert. Values must already be database-ready (strings, numbers, dates, datetimes).
"""

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import connection


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        text = text.replace("\r", "\\r")
    return text


def _copy_text(value) -> str:
    """One non-string value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date):  # datetime too: isoformat keeps the offset
        return value.isoformat()
    return str(value)


def _copy(cursor, sql: str, rows: Iterable[tuple], batch: int = 5000) -> None:
    """COPY … FROM STDIN with rows encoded here in bulk; psycopg's write_row costs ~15 µs a row.

    Non-string values (ids, dates, the shared timestamp) repeat a lot, so their text is cached.
    """
    cache: dict = {}

    def text(value) -> str:
        if type(value) is str:
            return _escape(value)
        key = (type(value), value)
        found = cache.get(key)
        if found is None:
            found = cache[key] = _copy_text(value)
        return found

    with cursor.copy(sql) as copy:
        lines: list[str] = []
        for row in rows:
            lines.append("\t".join(map(text, row)))
            if len(lines) >= batch:
                copy.write(("\n".join(lines) + "\n").encode("utf-8"))
                lines.clear()
        if lines:
            copy.write(("\n".join(lines) + "\n").encode("utf-8"))


def upsert(
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple],
    *,
    conflict: Sequence[str],
    update: Sequence[str] | dict[str, str] = (),
    conflict_where: str = "",
) -> None:
    """Insert rows; on a conflict on `conflict` update `update` (or do nothing if empty).

    `update` names columns to take from the new row, or maps columns to SQL expressions
    (the new row is `excluded`). `conflict_where` is the predicate of a partial unique index,
    written as the index itself is (SQLite compares them).
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in columns)
    target = "(" + ", ".join(quote(c) for c in conflict) + ")"
    if conflict_where:
        target += f" WHERE {conflict_where}"
    if update:
        if not isinstance(update, dict):
            update = {c: f"excluded.{quote(c)}" for c in update}
        action = "DO UPDATE SET " + ", ".join(f"{quote(c)} = {expr}" for c, expr in update.items())
    else:
        action = "DO NOTHING"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            staging = quote(f"_bulk_{table}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
                f"SELECT {cols} FROM {quote(table)} WITH NO DATA"
            )
            _copy(cursor.cursor, f"COPY {staging} ({cols}) FROM STDIN", rows)
            cursor.execute(
                f"INSERT INTO {quote(table)} ({cols}) SELECT {cols} FROM {staging} "
                f"ON CONFLICT {target} {action}"
            )
            cursor.execute(f"DROP TABLE {staging}")
        else:
            marks = ", ".join(["%s"] * len(columns))
            insert = f"INSERT INTO {quote(table)} ({cols}) VALUES ({marks})"
            cursor.executemany(f"{insert} ON CONFLICT {target} {action}", rows)


def insert(table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Plain insert of new rows: COPY straight into the table on PostgreSQL."""
    if not rows:
        return
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor.cursor, f"COPY {quote(table)} ({cols}) FROM STDIN", rows)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {quote(table)} ({cols}) VALUES ({marks})", rows)


def update(table: str, key: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Update existing rows found by `key`; each row is (key value, *values of columns)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            staging = quote(f"_bulk_update_{table}")
            all_cols = ", ".join(quote(c) for c in (key, *columns))
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
                f"SELECT {all_cols} FROM {quote(table)} WITH NO DATA"
            )
            _copy(cursor.cursor, f"COPY {staging} ({all_cols}) FROM STDIN", rows)
            assignments = ", ".join(f"{quote(c)} = s.{quote(c)}" for c in columns)
            cursor.execute(
                f"UPDATE {quote(table)} AS t SET {assignments} FROM {staging} AS s "
                f"WHERE t.{quote(key)} = s.{quote(key)}"
            )
            cursor.execute(f"DROP TABLE {staging}")
        else:
            assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
            cursor.executemany(
                f"UPDATE {quote(table)} SET {assignments} WHERE {quote(key)} = %s",
                [(*row[1:], row[0]) for row in rows],
            )
