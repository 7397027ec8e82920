"""The registry of ledgers (台账) and the one import routine they share.

An app declares a ledger in its ledgers.py — columns (core.spreadsheets.LedgerSpec), a
`write` function that stores parsed rows, and an `export` function — and registers it in
AppConfig.ready(). `manage.py import_ledger`, the upload page and the template download then
work for it without further code.
"""

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections, transaction

from qunfang.core.audit import audit_record
from qunfang.core.models import AuditEvent
from qunfang.core.spreadsheets import (
    ColumnPlan,
    LedgerSpec,
    ParsedRow,
    RowError,
    Table,
    parse_rows,
    parse_table,
    read_table,
)


class ImportRejected(Exception):
    """Raised inside the import transaction so that nothing at all is written."""

    def __init__(self, result: "ImportResult") -> None:
        super().__init__(f"{len(result.errors)} bad rows")
        self.result = result


@dataclass
class ImportResult:
    ledger: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def bad_rows(self) -> int:
        return len({error.row for error in self.errors})


# write(actor, region, rows, result) stores the good rows; it appends RowErrors to result for
# rows that fail checks needing the database (an unknown village, a duplicate in the file…)
# and must not write those rows.
Writer = Callable[[Any, Any, list[ParsedRow], ImportResult], None]
# export(user, region, *, reveal) → (headers, rows); `reveal` is only True for users allowed
# to see full personal data, and the caller audits it.
Exporter = Callable[..., tuple[Sequence[str], Iterable[Sequence[Any]]]]


@dataclass
class ImportStream:
    """What a streaming writer gets: the file, its column plan, and whether writing is still
    useful. It asks for the parsed rows chunk by chunk with chunks()."""

    table: Table
    plan: ColumnPlan
    result: "ImportResult"
    valid_only: bool
    parse_errors: list[RowError] = field(default_factory=list)

    @property
    def writing(self) -> bool:
        """False once the import is bound to be rejected (a bad row and not valid_only):
        rows are then still checked, for the report, but no longer written."""
        return self.valid_only or not (self.parse_errors or self.result.errors)

    def parse(self, start: int) -> list[ParsedRow]:
        """The good rows of the chunk at `start` parsed again, here; their parse errors are
        not recorded twice."""
        return parse_rows(self.plan, self.table.rows[start : start + STREAM_CHUNK])[0]

    @contextmanager
    def chunks(
        self, work: Callable[[list[ParsedRow]], Any] | None = None
    ) -> Iterator[Iterator["StreamChunk"]]:
        """The chunks of the file in order, each parsed only when asked for (its parse errors
        recorded), and every chunk parsed by the end, for the report.

        With `work` and a file of POOL_MIN_ROWS rows or more, the chunks are parsed and given
        to work() in worker processes forked now (they share this process's memory as it is:
        the file, the writer's lookups, the encryption keys), as many as there are cores; the
        caller then gets work()'s outcome of each chunk instead of its rows. Open this before
        anything starts a thread (bulk.Pipeline): a fork copies only the calling thread.
        work() must not use the database, and its outcome must pickle.
        """
        starts = range(0, len(self.table.rows), STREAM_CHUNK)
        if work is None or len(self.table.rows) < POOL_MIN_ROWS or not _can_fork():
            chunks = self._parsed(starts)
            yield chunks
            for _rest in chunks:
                pass
            return
        global _POOL_JOB
        _POOL_JOB = (self.plan, self.table.rows, STREAM_CHUNK, work)
        workers = min(os.cpu_count() or 1, len(starts))
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_in_worker)
        try:
            chunks = self._worked(starts, pool.imap(_work_chunk, starts))
            yield chunks
            for _rest in chunks:
                pass
            pool.close()
        finally:
            pool.terminate()
            pool.join()
            _POOL_JOB = None

    def _parsed(self, starts: range) -> Iterator["StreamChunk"]:
        for start in starts:
            parsed, errors = parse_rows(self.plan, self.table.rows[start : start + STREAM_CHUNK])
            self.parse_errors.extend(errors)
            yield StreamChunk(start, parsed, None)

    def _worked(self, starts: range, outcomes: Iterator[tuple]) -> Iterator["StreamChunk"]:
        for start, (errors, outcome) in zip(starts, outcomes, strict=True):
            self.parse_errors.extend(errors)
            yield StreamChunk(start, None, outcome)


@dataclass
class StreamChunk:
    """One chunk of a streamed file: its first row's position, and either its good rows
    (parsed here) or what the writer's work() made of them in a worker process."""

    start: int
    rows: list[ParsedRow] | None
    outcome: Any


# stream(actor, region, stream) does what `write` does while the file is still being parsed
# (PostgreSQL only), so that the database stores rows while the next ones are parsed. It
# must report exactly what `write` would for the same rows.
StreamWriter = Callable[[Any, Any, ImportStream], None]
# Small enough that the database is soon given work and finishes soon after the last chunk
# is ready (pooled, 2 cores: 22,300 rows/s with 2,500 against 20,700 with 5,000, medians of 5).
STREAM_CHUNK = 2500
# A file of one chunk gains nothing from a worker (the database would wait for it all the
# same); from two chunks on, workers pay (5,000 rows: 0.37 s pooled against 0.43 s here).
POOL_MIN_ROWS = 2 * STREAM_CHUNK
# (column plan, rows, chunk size, work) of the pooled import in progress: set before the
# workers are forked, so that each has it without anything being sent.
_POOL_JOB: tuple | None = None


def _can_fork() -> bool:
    """Fork only a single-threaded process (the import command, the bench). In a threaded web
    server another thread may hold a lock (logging, the database driver) that the child would
    inherit held forever; uploads there parse in-process, as before the pool."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _in_worker() -> None:
    """A worker must never use the database connections it inherits: they belong to the
    importing process, in the middle of its transaction. They are dropped here, so that a
    query by mistake would open its own (psycopg leaves alone, when collecting it, a
    connection another process opened; workers exit without running finalizers)."""
    for wrapper in connections.all(initialized_only=True):
        wrapper.connection = None


def _work_chunk(start: int) -> tuple[list[RowError], Any]:
    assert _POOL_JOB is not None
    plan, rows, size, work = _POOL_JOB
    parsed, errors = parse_rows(plan, rows[start : start + size])
    return errors, work(parsed)


@dataclass(frozen=True)
class Ledger:
    spec: LedgerSpec
    write: Writer
    export: Exporter | None = None
    import_capability: str = "edit_records"
    view_capability: str = "view_ledger"
    stream: StreamWriter | None = None


LEDGERS: dict[str, Ledger] = {}


def register_ledger(ledger: Ledger) -> None:
    LEDGERS[ledger.spec.name] = ledger


def ledger_import(
    *,
    actor,
    region,
    ledger_name: str,
    data: bytes,
    filename: str = "",
    valid_only: bool = False,
    request=None,
) -> ImportResult:
    """Read, check and store a ledger file under `region`, all or nothing by default.

    Raises core.spreadsheets.SpreadsheetError for a file that cannot be read at all. With
    valid_only, good rows are stored and bad ones reported; otherwise any bad row means
    nothing is stored. Either way every bad row comes back with its row, column and reason.
    """
    ledger = LEDGERS[ledger_name]
    table = read_table(data)
    if ledger.stream is not None and connection.vendor == "postgresql":
        return _streamed_import(ledger, actor, region, table, filename, valid_only, request)
    parsed, errors = parse_table(ledger.spec, table)
    result = ImportResult(ledger=ledger_name, rows=len(table.rows), errors=list(errors))
    if errors and not valid_only:
        result.errors.sort(key=lambda e: (e.row, e.column))
        return result

    def write() -> None:
        ledger.write(actor, region, parsed, result)

    return _store(ledger, actor, region, result, write, filename, valid_only, request)


def _streamed_import(
    ledger: Ledger, actor, region, table: Table, filename: str, valid_only: bool, request
) -> ImportResult:
    """ledger_import with parsing and writing interleaved. The outcome is the same as the
    plain path's: with a bad row and not valid_only, everything is rolled back and, if any
    cell failed to parse, only the parse errors are reported (the plain path never gets to
    the writer then)."""
    plan = ColumnPlan(ledger.spec, table.headers)
    result = ImportResult(ledger=ledger.spec.name, rows=len(table.rows))
    stream = ImportStream(table, plan, result, valid_only)
    parse_errors = stream.parse_errors

    def write() -> None:
        assert ledger.stream is not None
        ledger.stream(actor, region, stream)
        if parse_errors and not valid_only:
            result.errors = list(parse_errors)
        else:
            result.errors = parse_errors + result.errors

    return _store(ledger, actor, region, result, write, filename, valid_only, request)


def _store(
    ledger: Ledger,
    actor,
    region,
    result: ImportResult,
    write: Callable[[], None],
    filename: str,
    valid_only: bool,
    request,
) -> ImportResult:
    """Run `write` in one transaction and record the import; roll it all back when a bad row
    was found and not valid_only."""
    try:
        with transaction.atomic():
            write()
            if result.errors and not valid_only:
                raise ImportRejected(result)
            audit_record(
                action=AuditEvent.Action.IMPORT,
                actor=actor,
                target=f"{ledger.spec.title} {filename}"[:200],
                region_code=region.code,
                request=request,
                detail={
                    "rows": result.rows,
                    "created": result.created,
                    "updated": result.updated,
                    "bad_rows": result.bad_rows,
                },
            )
            result.written = True
    except ImportRejected:
        result.created = result.updated = 0
        result.written = False
    result.errors.sort(key=lambda e: (e.row, e.column))
    return result
