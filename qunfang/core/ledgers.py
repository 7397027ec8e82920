"""The registry of ledgers (台账) and the one import routine they share.

An app declares a ledger in its ledgers.py — columns (core.spreadsheets.LedgerSpec), a
`write` function that stores parsed rows, and an `export` function — and registers it in
AppConfig.ready(). `manage.py import_ledger`, the upload page and the template download then
work for it without further code.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from qunfang.core.audit import audit_record
from qunfang.core.models import AuditEvent
from qunfang.core.spreadsheets import (
    LedgerSpec,
    ParsedRow,
    RowError,
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


@dataclass(frozen=True)
class Ledger:
    spec: LedgerSpec
    write: Writer
    export: Exporter | None = None
    import_capability: str = "edit_records"
    view_capability: str = "view_ledger"


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
    parsed, errors = parse_table(ledger.spec, table)
    result = ImportResult(ledger=ledger_name, rows=len(table.rows), errors=list(errors))
    if errors and not valid_only:
        result.errors.sort(key=lambda e: (e.row, e.column))
        return result
    try:
        with transaction.atomic():
            ledger.write(actor, region, parsed, result)
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
