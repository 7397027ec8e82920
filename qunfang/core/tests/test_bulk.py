import datetime as dt

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
