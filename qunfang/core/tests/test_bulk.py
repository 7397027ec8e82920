import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from qunfang.core import bulk
from qunfang.residents.models import Household

COLUMNS = ("region_id", "village_code", "register_no", "address", "created_at", "updated_at")
TRICKY = ["tab\there", "new\nline", "back\\slash", "\\N", "null", "引号'\"", "", "末尾\\"]


def test_insert_update_and_upsert_keep_every_character(cast):
    now = timezone.now()
    rows = [
        (cast.village.pk, cast.village.code, f"{n:04d}", text, now, now)
        for n, text in enumerate(TRICKY)
    ]
    bulk.insert(Household._meta.db_table, COLUMNS, rows)
    stored = dict(Household.objects.values_list("register_no", "address"))
    assert [stored[f"{n:04d}"] for n in range(len(TRICKY))] == TRICKY

    first = Household.objects.get(register_no="0000")
    later = now + dt.timedelta(hours=1)
    bulk.update(
        Household._meta.db_table, "id", ("address", "updated_at"), [(first.pk, "改\t址", later)]
    )
    first.refresh_from_db()
    assert (first.address, first.updated_at) == ("改\t址", later)

    bulk.upsert(
        Household._meta.db_table,
        COLUMNS,
        [
            (cast.village.pk, cast.village.code, "0001", "覆盖", now, now),
            (cast.village.pk, cast.village.code, "0100", "新", now, now),
        ],
        conflict=["region_id", "register_no"],
        conflict_where="NOT (\"register_no\" = '')",
        update=["address"],
    )
    assert Household.objects.get(register_no="0001").address == "覆盖"
    assert Household.objects.count() == len(TRICKY) + 1


def test_copy_text_escapes_only_what_needs_it():
    now = timezone.now()
    rows = [(1, "plain", now, None, True), (2, "tab\there\\N", dt.date(2020, 2, 3), "x", False)]
    lines = bulk.copy_text(rows).decode().split("\n")
    assert lines[0] == f"1\tplain\t{now.isoformat()}\t\\N\tt"
    assert lines[1] == "2\ttab\\there\\\\N\t2020-02-03\tx\tf"
    assert lines[2] == ""


def test_select_in_finds_rows_by_many_keys_in_one_go(cast):
    now = timezone.now()
    numbers = [f"{n:05d}" for n in range(2000)] + ['q"uo\\te', "空 格"]
    bulk.insert(
        Household._meta.db_table,
        COLUMNS,
        [(cast.village.pk, cast.village.code, number, "", now, now) for number in numbers],
    )
    wanted = [*numbers[::3], 'q"uo\\te', "空 格", "absent"]
    found = bulk.select_in(
        Household._meta.db_table, ("register_no", "region_id"), "register_no", wanted
    )
    assert sorted(number for number, _region in found) == sorted(set(wanted) - {"absent"})
    ids = [pk for (pk,) in bulk.select_in(Household._meta.db_table, ("id",), "register_no", wanted)]
    assert len(bulk.select_in(Household._meta.db_table, ("id",), "id", ids)) == len(ids)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="sequences and COPY pipelines")
def test_reserved_keys_and_a_pipeline_write_rows_that_refer_to_each_other(cast):
    now = str(timezone.now())
    keys = bulk.reserve_ids(Household._meta.db_table, 3)
    assert len(set(keys)) == 3
    with bulk.Pipeline(check_now=[Household._meta.db_table]) as pipe:
        pipe.insert(
            Household._meta.db_table,
            ("id", *COLUMNS),
            [(pk, cast.village.pk, cast.village.code, f"P{pk}", "", now, now) for pk in keys],
        )
        pipe.update(Household._meta.db_table, "id", ("address",), [(keys[0], "新\t址")])
        assert pipe.fetch("SELECT count(*) FROM residents_household") == [(3,)]
    assert Household.objects.get(pk=keys[0]).address == "新\t址"
    # The foreign keys are deferred again once the pipeline is closed: a row naming a region
    # that does not exist is taken for now, and refused when the constraints are checked.
    from django.db import IntegrityError, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Household._meta.db_table} ({', '.join(COLUMNS)}) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [999_999_999, cast.village.code, "X1", "", now, now],
        )
        with pytest.raises(IntegrityError):
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        transaction.set_rollback(True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="sequences and COPY pipelines")
def test_a_failing_statement_in_a_pipeline_is_raised_and_stops_the_rest(cast):
    from django.db import IntegrityError, transaction

    now = str(timezone.now())
    row = (cast.village.pk, cast.village.code, "0001", "", now, now)
    pipeline = bulk.Pipeline(check_now=[Household._meta.db_table])
    with pytest.raises(IntegrityError), transaction.atomic(), pipeline as pipe:
        pipe.insert(Household._meta.db_table, COLUMNS, [row, row])  # same 户号 twice
        pipe.insert(Household._meta.db_table, COLUMNS, [(*row[:2], "0002", *row[3:])])
