"""The registry of ledgers (台账) and the one import routine they share.

An app declares a ledger in its ledgers.py — columns (core.spreadsheets.LedgerSpec), a
`write` function that stores parsed rows, and an `export` function — and registers it in
AppConfig.ready(). `manage.py import_ledger`, the upload page and the template download then
work for it without further code.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

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
    """What a streaming writer gets: the file, its column plan, the parsed rows chunk by
    chunk (parsing the next chunk only when asked), and whether writing is still useful."""

    table: Table
    plan: ColumnPlan
    chunks: Iterator[list[ParsedRow]]
    result: "ImportResult"
    valid_only: bool
    parse_errors: list[RowError]

    @property
    def writing(self) -> bool:
        """False once the import is bound to be rejected (a bad row and not valid_only):
        rows are then still checked, for the report, but no longer written."""
        return self.valid_only or not (self.parse_errors or self.result.errors)


# stream(actor, region, stream) does what `write` does while the file is still being parsed
# (PostgreSQL only), so that the database stores rows while the next ones are parsed. It
# must report exactly what `write` would for the same rows.
StreamWriter = Callable[[Any, Any, ImportStream], None]
STREAM_CHUNK = 5000


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
    parse_errors: list[RowError] = []

    def chunks() -> Iterator[list[ParsedRow]]:
        for start in range(0, len(table.rows), STREAM_CHUNK):
            parsed, errors = parse_rows(plan, table.rows[start : start + STREAM_CHUNK])
            parse_errors.extend(errors)
            yield parsed

    stream = ImportStream(table, plan, chunks(), result, valid_only, parse_errors)

    def write() -> None:
        assert ledger.stream is not None
        ledger.stream(actor, region, stream)
        for _rest in stream.chunks:  # every row is parsed, for the report, even if not written
            pass
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
