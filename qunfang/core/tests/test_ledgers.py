"""Every registered ledger, fed files whose cells mix its own example row with what people and
exports really put in cells: each import ends in a result (rows stored, or every bad row with its
row, column and reason), never an exception, and a refused import writes nothing."""

import csv
import io
import random

import pytest
from django.apps import apps

from opinion_engine.tests.hostile import CELLS
from qunfang.core.ledgers import LEDGERS, ledger_import
from qunfang.core.spreadsheets import SpreadsheetError


def hostile_file(spec, rng: random.Random, rows: int, share: float) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(spec.headers())
    example = list(spec.example) + [""] * (len(spec.columns) - len(spec.example))
    for _ in range(rows):
        writer.writerow([cell if rng.random() >= share else rng.choice(CELLS) for cell in example])
    return out.getvalue().encode("utf-8", "surrogatepass")


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label != "sessions" and model._meta.label != "core.AuditEvent"
    }


@pytest.mark.parametrize("name", sorted(LEDGERS))
@pytest.mark.parametrize("level", ["village", "town"])
def test_any_cells_end_in_stored_rows_or_reasons_and_a_refusal_writes_nothing(cast, name, level):
    spec = LEDGERS[name].spec
    actor = cast.village_cadre if level == "village" else cast.town_cadre
    region = getattr(cast, level)
    headers = set(spec.headers())
    rng = random.Random(f"{name}-{level}")
    for attempt in range(6):
        # Some files with a hostile cell here and there, some with one in almost every row.
        data = hostile_file(spec, rng, rows=4, share=(0.05, 0.4)[attempt % 2])
        before = row_counts()
        try:
            result = ledger_import(
                actor=actor, region=region, ledger_name=name, data=data, filename="t.csv"
            )
        except SpreadsheetError:
            assert row_counts() == before
            continue
        for error in result.errors:
            assert 2 <= error.row <= 5, (attempt, error)
            assert error.column in headers or error.column == "", (attempt, error)
            assert error.message
        if result.errors:
            assert row_counts() == before, attempt
        else:
            assert result.written and result.created + result.updated == 4, attempt
        partial = ledger_import(
            actor=actor,
            region=region,
            ledger_name=name,
            data=data,
            filename="t.csv",
            valid_only=True,
        )
        # The good rows are stored, each bad one is reported; none is both or neither.
        assert partial.created + partial.updated + partial.bad_rows == partial.rows == 4
