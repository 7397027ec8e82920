"""Bulk writes for large imports, below the ORM.

Django's bulk_create spends most of its time preparing each field of each object; an import of
100,000 persons needs rows written at the database's own speed. PostgreSQL gets COPY into a
temporary table and one INSERT … SELECT … ON CONFLICT; SQLite gets executemany of the same
upsert. Values must already be database-ready (strings, numbers, dates, datetimes).
"""

import datetime as dt
import queue
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


def copy_escape(text: str) -> str:
    """A string as a COPY text value."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        text = text.replace("\r", "\\r")
    return text


_escape = copy_escape


def _copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if type(value) is str:
        return _escape(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date):  # datetime too: isoformat keeps the offset
        return value.isoformat()
    return _escape(str(value))


def _copy_line(row: tuple) -> str:
    """A row as one line of COPY text (without the newline).

    Nearly every row needs no escaping and no NULL: str() of each value joined by tabs, then
    checked as a whole (a tab, backslash or line break inside a value shows in the line).
    Any other row is encoded value by value. str() of a date, datetime, number or bool is
    input PostgreSQL reads as such ("True" is a boolean too).
    """
    if None not in row:
        line = "\t".join(map(str, row))
        if (
            line.count("\t") == len(row) - 1
            and "\\" not in line
            and "\n" not in line
            and "\r" not in line
        ):
            return line
    return "\t".join(map(_copy_text, row))


def _copy(cursor, sql: str, rows: Iterable[tuple], batch: int = 5000) -> None:
    """COPY … FROM STDIN with rows encoded here in bulk; psycopg's write_row costs ~15 µs a row.

    Rows are sent in batches as they are encoded, so the server stores one batch while the
    next is being prepared.
    """
    line = _copy_line
    with cursor.copy(sql) as copy:
        lines: list[str] = []
        for row in rows:
            lines.append(line(row))
            if len(lines) >= batch:
                lines.append("")
                copy.write("\n".join(lines).encode("utf-8"))
                lines.clear()
        if lines:
            lines.append("")
            copy.write("\n".join(lines).encode("utf-8"))


def copy_text(rows: Iterable[tuple]) -> bytes:
    """Rows in COPY text format, ready to send."""
    lines = [_copy_line(row) for row in rows]
    if not lines:
        return b""
    lines.append("")
    return "\n".join(lines).encode("utf-8")


class Pipeline:
    """Statements sent to PostgreSQL in order by a background thread, on the current
    connection and in its transaction, so that the server stores rows while the caller
    prepares the next ones (an import parses, encrypts and encodes; the server inserts,
    updates indexes and checks foreign keys: on two cores both go at once).

    Use it as a context manager; nothing else may use the connection until it is closed.
    The deferred foreign keys of `check_now` tables are checked at the end of each statement
    while it runs (in the background, instead of all at commit) and deferred again after.
    An error in a statement stops the rest and is raised on closing.
    """

    def __init__(self, check_now: Sequence[str] = ()) -> None:
        if connection.vendor != "postgresql":
            raise RuntimeError("Pipeline needs PostgreSQL")
        connection.ensure_connection()
        self._raw = connection.connection
        self._check_now = check_now
        self._constraints = ""
        self._jobs: queue.Queue = queue.Queue(maxsize=16)
        self._error: BaseException | None = None
        self._abandoned = False
        self._thread = threading.Thread(target=self._run, name="bulk-pipeline", daemon=True)

    def __enter__(self) -> "Pipeline":
        if self._check_now:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferrable "
                    "AND condeferred AND conrelid = ANY(%s::regclass[]) ORDER BY conname",
                    [list(self._check_now)],
                )
                names = [row[0] for row in cursor.fetchall()]
            self._constraints = ", ".join(connection.ops.quote_name(n) for n in names)
        self._thread.start()
        if self._constraints:
            self.execute(f"SET CONSTRAINTS {self._constraints} IMMEDIATE")
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is not None:
            self._abandoned = True  # the transaction is going to be rolled back anyway
        elif self._constraints:
            self.execute(f"SET CONSTRAINTS {self._constraints} DEFERRED")
        self._jobs.put(None)
        self._thread.join()
        if kind is None and self._error is not None:
            self._raise()

    def _raise(self) -> None:
        # As Django's own cursors do: psycopg's errors become django.db's (IntegrityError …).
        assert self._error is not None
        with connection.wrap_database_errors:
            raise self._error

    def execute(self, sql: str, params: Sequence | None = None) -> None:
        self._jobs.put(("execute", sql, params, None))

    def fetch(self, sql: str, params: Sequence | None = None) -> list[tuple]:
        """Run a query after everything queued so far and wait for its rows."""
        reply: dict[str, Any] = {}
        done = threading.Event()
        self._jobs.put(("fetch", sql, params, (reply, done)))
        done.wait()
        if self._error is not None:
            self._raise()
        return reply["rows"]

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        """bulk.insert, queued: the rows are encoded now, by the caller."""
        if not rows:
            return
        quote = connection.ops.quote_name
        cols = ", ".join(quote(c) for c in columns)
        self._jobs.put(("copy", f"COPY {quote(table)} ({cols}) FROM STDIN", copy_text(rows), None))

    def insert_text(self, table: str, columns: Sequence[str], data: bytes) -> None:
        """insert() of rows the caller has already encoded as COPY text."""
        if not data:
            return
        quote = connection.ops.quote_name
        cols = ", ".join(quote(c) for c in columns)
        self._jobs.put(("copy", f"COPY {quote(table)} ({cols}) FROM STDIN", data, None))

    def update(self, table: str, key: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        """bulk.update, queued."""
        if rows:
            self.update_text(table, key, columns, copy_text(rows))

    def update_text(self, table: str, key: str, columns: Sequence[str], data: bytes) -> None:
        """update() of rows (key, *columns) the caller has already encoded as COPY text."""
        if not data:
            return
        quote = connection.ops.quote_name
        staging = quote(f"_bulk_update_{table}")
        all_cols = ", ".join(quote(c) for c in (key, *columns))
        assignments = ", ".join(f"{quote(c)} = s.{quote(c)}" for c in columns)
        self.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
            f"SELECT {all_cols} FROM {quote(table)} WITH NO DATA"
        )
        self._jobs.put(("copy", f"COPY {staging} ({all_cols}) FROM STDIN", data, None))
        self.execute(
            f"UPDATE {quote(table)} AS t SET {assignments} FROM {staging} AS s "
            f"WHERE t.{quote(key)} = s.{quote(key)}"
        )
        self.execute(f"DROP TABLE {staging}")

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            kind, sql, payload, reply = job
            try:
                if self._error is None and not self._abandoned:
                    with self._raw.cursor() as cursor:
                        if kind == "copy":
                            with cursor.copy(sql) as copy:
                                copy.write(payload)
                        else:
                            cursor.execute(sql, payload)
                            if kind == "fetch":
                                reply[0]["rows"] = cursor.fetchall()
            except BaseException as error:  # raised again by the caller's thread
                self._error = error
            finally:
                if reply is not None:
                    reply[1].set()


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


def reserve_ids(table: str, count: int) -> list[int] | None:
    """`count` fresh primary keys from the table's sequence (PostgreSQL), so that new rows and
    the rows that refer to them can be written without reading the keys back. None on a
    database without sequences: insert there and look the keys up."""
    if connection.vendor != "postgresql":
        return None
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        # The sequence is named as a constant (looked up per row, it costs the server ten
        # times the nextval), and the keys come back as one text value, not 100,000 rows.
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, 'id')", [connection.ops.quote_name(table)]
        )
        sequence = cursor.fetchone()[0]
        cursor.execute(
            "SELECT string_agg(nextval(%s::regclass)::text, ',') FROM generate_series(1, %s)",
            [sequence, count],
        )
        return list(map(int, cursor.fetchone()[0].split(",")))


def select_in(
    table: str, columns: Sequence[str], key: str, values: Sequence, *, where: str = ""
) -> list[tuple]:
    """SELECT columns FROM table WHERE key IN values [AND where]: one array parameter on
    PostgreSQL (one round trip for 100,000 keys), chunks of 900 on SQLite (its variable
    limit). `where` is trusted SQL without parameters."""
    if not values:
        return []
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in columns)
    extra = f" AND ({where})" if where else ""
    found: list[tuple] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            literal, kind = _array_literal(values)
            cursor.execute(
                f"SELECT {cols} FROM {quote(table)} WHERE {quote(key)} = ANY(%s::{kind}[]){extra}",
                [literal],
            )
            return cursor.fetchall()
        values = list(values)
        for start in range(0, len(values), 900):
            chunk = values[start : start + 900]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {cols} FROM {quote(table)} WHERE {quote(key)} IN ({marks}){extra}",
                chunk,
            )
            found.extend(cursor.fetchall())
    return found


def _array_literal(values: Sequence) -> tuple[str, str]:
    """A PostgreSQL array literal of ints or strings, and its element type: one text
    parameter is sent far faster than psycopg's adaptation of a 100,000-item list."""
    if all(type(value) is int for value in values):
        return "{" + ",".join(map(str, values)) + "}", "bigint"
    items = []
    for value in values:
        value = str(value)
        if "\\" in value or '"' in value:
            value = value.replace("\\", "\\\\").replace('"', '\\"')
        items.append(f'"{value}"')
    return "{" + ",".join(items) + "}", "text"


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
