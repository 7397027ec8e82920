import csv
import io

import pytest

from qunfang.core.crypto import decrypt
from qunfang.core.ledgers import ledger_import
from qunfang.core.models import AuditEvent
from qunfang.residents.ledgers import export_persons
from qunfang.residents.models import Household, Person, Tag
from qunfang.residents.testing import make_id, make_person

WANG = make_id()
LI = make_id()


def row(**cells) -> dict:
    base = {"户号": "0001", "姓名": "王秀英", "身份证号": WANG, "联系电话": "13812345678"}
    base.update(cells)
    return {k: v for k, v in base.items() if v is not None}


def run(cast, data, *, region=None, valid_only=False, actor=None, ledger="persons"):
    return ledger_import(
        actor=actor or cast.village_cadre,
        region=region or cast.village,
        ledger_name=ledger,
        data=data,
        filename="t.csv",
        valid_only=valid_only,
    )


def test_it_imports_households_persons_tags_and_guardians(cast, as_xlsx):
    data = as_xlsx(
        row(
            困难类别="低保、独居/空巢/困难老人",
            类别起始日期="2019/1/1",
            **{"监护人/联系人": "王建国", "联系人电话": "13912345678"},
        ),
        row(姓名="李明", 身份证号=LI, 与户主关系="配偶"),
    )
    result = run(cast, data)
    assert result.errors == []
    assert (result.created, result.updated) == (2, 0)
    wang = Person.objects.get(name="王秀英")
    assert wang.region == cast.village
    assert wang.household == Person.objects.get(name="李明").household
    assert decrypt(wang.id_number) == WANG
    assert wang.id_masked == WANG[:6] + "********" + WANG[-4:]
    assert wang.sex == "F"
    assert sorted(wang.tags.values_list("kind", flat=True)) == ["dibao", "elderly"]
    assert wang.guardian_phone_masked == "139****5678"
    assert AuditEvent.objects.filter(action="import", region_code=cast.village.code).count() == 1


def test_reimporting_the_same_people_merges_and_never_duplicates(cast, as_csv):
    run(cast, as_csv(row(), row(姓名="李明", 身份证号=LI)))
    again = run(cast, as_csv(row(联系电话="13700001111"), row(姓名="李明", 身份证号=LI)))
    assert (again.created, again.updated) == (0, 2)
    assert Person.objects.count() == 2
    assert Household.objects.count() == 1
    assert Person.objects.get(name="王秀英").phone_masked == "137****1111"


@pytest.mark.parametrize(
    ("_case", "cells", "column", "reason"),
    [
        (
            "wrong check digit",
            {"身份证号": WANG[:-1] + ("0" if WANG[-1] != "0" else "1")},
            "身份证号",
            "校验位",
        ),
        ("old 15-digit id", {"身份证号": "110105491231002"}, "身份证号", "15位"),
        ("empty name", {"姓名": ""}, "姓名", "必填"),
        ("empty household", {"户号": ""}, "户号", "必填"),
        ("formula in a name", {"姓名": "=HYPERLINK(1)"}, "姓名", "公式"),
        ("bad date", {"出生日期": "1950-02-30"}, "出生日期", "日期不存在"),
        ("date not matching", {"出生日期": "1951-03-08"}, "出生日期", "不一致"),
        ("sex not matching", {"性别": "男"}, "性别", "不一致"),
        ("bad phone", {"联系电话": "12345"}, "联系电话", "联系电话"),
        ("unknown tag", {"困难类别": "富裕户"}, "困难类别", "未知的困难类别"),
        ("tag without guardian", {"困难类别": "低保"}, "监护人/联系人", "必须填写监护人"),
        ("excel number", {"身份证号": "1.40525E+17"}, "身份证号", "科学计数法"),
    ],
)
def test_one_bad_row_stops_the_whole_file(cast, as_csv, _case, cells, column, reason):
    result = run(cast, as_csv(row(姓名="李明", 身份证号=LI), row(**cells)))
    assert not result.written
    assert Person.objects.count() == 0
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert reason in result.errors[0].message


def test_dates_in_several_formats_are_all_read(cast, as_csv):
    ids = [make_id() for _ in range(3)]
    data = as_csv(
        *(
            row(
                姓名="甲乙丙"[n],
                身份证号=number,
                出生日期=f"1950{sep}3{sep}8" if sep else "1950年3月8日",
            )
            for n, (number, sep) in enumerate(zip(ids, ["-", "/", ""], strict=True))
        )
    )
    assert run(cast, data).errors == []


def test_duplicated_ids_in_one_file_name_the_first_row(cast, as_csv):
    result = run(cast, as_csv(row(), row(姓名="王秀英二")))
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "身份证号", "与第2行身份证号重复")
    ]
    assert Person.objects.count() == 0


def test_valid_only_writes_the_good_rows_and_reports_the_rest(cast, as_csv):
    result = run(cast, as_csv(row(), row(姓名="", 身份证号=LI)), valid_only=True)
    assert result.written
    assert result.created == 1
    assert [(e.row, e.column) for e in result.errors] == [(3, "姓名")]
    assert list(Person.objects.values_list("name", flat=True)) == ["王秀英"]


def test_a_person_registered_outside_the_scope_is_not_taken_over(cast, as_csv):
    make_person(cast.sibling_village, id_number=WANG)
    result = run(cast, as_csv(row()))
    assert not result.written
    assert "管辖范围以外" in result.errors[0].message
    assert Person.objects.get(id_index__isnull=False).region == cast.sibling_village


def test_a_town_import_places_rows_by_village_name_or_code(cast, as_csv):
    data = as_csv(
        row(**{"村（社区）": "南村村"}),
        row(姓名="李明", 身份证号=LI, 户号="0002", **{"村（社区）": cast.sibling_village.code}),
        row(姓名="赵三", 身份证号=make_id(), 户号="0003", **{"村（社区）": "米山村"}),
        row(姓名="钱四", 身份证号=make_id(), 户号="0004"),
    )
    result = run(cast, data, region=cast.town, actor=cast.town_cadre)
    assert [(e.row, e.column) for e in result.errors] == [(4, "村（社区）"), (5, "村（社区）")]
    assert "找不到" in result.errors[0].message
    assert "必须填写村" in result.errors[1].message
    ok = run(cast, data, region=cast.town, actor=cast.town_cadre, valid_only=True)
    assert ok.created == 2
    assert Person.objects.get(name="李明").region == cast.sibling_village


def test_a_grid_column_places_people_in_the_grid(cast, as_csv):
    run(cast, as_csv(row(网格="第一网格")))
    assert Person.objects.get().region == cast.grid


def test_exports_mask_by_default_and_reveal_only_on_request(cast, as_csv):
    run(
        cast,
        as_csv(row(困难类别="低保", **{"监护人/联系人": "王建国", "联系人电话": "13912345678"})),
    )
    headers, rows = export_persons(cast.village_cadre, cast.village, reveal=False)
    masked = next(iter(rows))
    assert masked[headers.index("身份证号")] == WANG[:6] + "********" + WANG[-4:]
    assert masked[headers.index("联系电话")] == "138****5678"
    assert masked[headers.index("困难类别")] == "低保"
    _headers, rows = export_persons(cast.village_cadre, cast.village, reveal=True)
    assert next(iter(rows))[headers.index("身份证号")] == WANG


def test_an_export_round_trips_through_the_importer(cast, as_csv):
    run(cast, as_csv(row(), row(姓名="李明", 身份证号=LI)))
    headers, rows = export_persons(cast.village_cadre, cast.village, reveal=True)
    from qunfang.core.spreadsheets import write_csv

    again = run(cast, write_csv(headers, rows))
    assert again.errors == []
    assert (again.created, again.updated) == (0, 2)


def test_the_roster_replaces_a_villages_previous_roster(cast):
    from qunfang.core.spreadsheets import write_csv
    from qunfang.residents.models import RosterEntry

    data = write_csv(["户号", "姓名", "身份证号"], [["0001", "王秀英", WANG], ["0001", "李明", LI]])
    assert run(cast, data, ledger="roster").created == 2
    data = write_csv(["户号", "姓名", "身份证号"], [["0009", "孙九", make_id()]])
    run(cast, data, ledger="roster")
    assert list(RosterEntry.objects.values_list("name", flat=True)) == ["孙九"]


def test_tags_are_not_duplicated_by_a_reimport(cast, as_csv):
    data = as_csv(
        row(
            困难类别="低保",
            类别起始日期="2019-01-01",
            **{"监护人/联系人": "王建国", "联系人电话": "13912345678"},
        )
    )
    run(cast, data)
    run(cast, data)
    assert Tag.objects.count() == 1


def test_csv_exports_read_back_in_excel_order(cast, as_csv):
    run(cast, as_csv(row(姓名="王秀英")))
    from qunfang.core.spreadsheets import write_csv

    headers, rows = export_persons(cast.village_cadre, cast.village, reveal=False)
    text = write_csv(headers, rows).decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0][:5] == ["村（社区）", "网格", "户号", "家庭住址", "姓名"]
    assert parsed[1][4] == "王秀英"


@pytest.fixture(params=["here", "pooled"])
def small_chunks(request, monkeypatch):
    """Imports parse and store a few rows at a time (on PostgreSQL), so that a file of a
    handful of rows crosses chunk boundaries as a 100,000-row one does; once parsed in the
    importing process, once in worker processes as a large file is."""
    import qunfang.core.ledgers

    monkeypatch.setattr(qunfang.core.ledgers, "STREAM_CHUNK", 2)
    if request.param == "pooled":
        monkeypatch.setattr(qunfang.core.ledgers, "POOL_MIN_ROWS", 0)
    return request.param


def test_a_large_file_is_parsed_in_worker_processes(cast, as_csv, small_chunks):
    import os

    from qunfang.core.ledgers import ImportResult, ImportStream
    from qunfang.core.spreadsheets import ColumnPlan, read_table
    from qunfang.residents.ledgers import PERSONS

    ids = [make_id() for _ in range(5)]
    table = read_table(as_csv(*household_rows(4, ids), row(姓名="", 身份证号=ids[4])))
    stream = ImportStream(
        table, ColumnPlan(PERSONS, table.headers), ImportResult(ledger="persons"), False
    )
    with stream.chunks(
        lambda rows: (os.getpid(), [r.values["id_number"].value for r in rows])
    ) as chunks:
        got = list(chunks)
    if small_chunks == "pooled":
        assert all(chunk.rows is None for chunk in got)
        assert {chunk.outcome[0] for chunk in got} - {os.getpid()} == {
            chunk.outcome[0] for chunk in got
        }
        assert [n for chunk in got for n in chunk.outcome[1]] == ids[:4]
    else:
        assert all(chunk.outcome is None for chunk in got)
        assert [r.values["id_number"].value for chunk in got for r in chunk.rows] == ids[:4]
    assert [chunk.start for chunk in got] == [0, 2, 4]
    assert [(e.row, e.column) for e in stream.parse_errors] == [(6, "姓名")]
    # A chunk parsed again here gives the same rows without reporting its errors twice.
    assert [r.row for r in stream.parse(4)] == []
    assert len(stream.parse_errors) == 1


def household_rows(count: int, ids: list[str]) -> list[dict]:
    # Pairs of persons share a household, so households span chunk boundaries.
    return [
        row(姓名=f"人{'甲乙丙丁戊己庚辛壬癸'[n]}", 身份证号=ids[n], 户号=f"{n // 2 + 1:04d}")
        for n in range(count)
    ]


def test_a_file_crossing_chunks_is_stored_whole(cast, as_csv, small_chunks):
    ids = [make_id() for _ in range(7)]
    rows = household_rows(7, ids)
    rows[1]["家庭住址"] = "南村1号"
    result = run(cast, as_csv(*rows))
    assert result.errors == []
    assert (result.created, result.updated) == (7, 0)
    assert Household.objects.count() == 4
    assert Person.objects.get(name="人甲").household.address == ""  # the first row decides
    again = run(cast, as_csv(*rows[:3], row(姓名="人丁", 身份证号=ids[3], 户号="0002")))
    assert (again.created, again.updated) == (0, 4)
    assert Person.objects.count() == 7


def test_a_bad_row_in_a_later_chunk_stops_the_whole_file(cast, as_csv, small_chunks):
    ids = [make_id() for _ in range(6)]
    rows = household_rows(6, ids)
    rows[4]["姓名"] = ""
    rows[5]["身份证号"] = ids[0]  # duplicate: only reported if no cell fails to parse
    result = run(cast, as_csv(*rows))
    assert not result.written
    assert [(e.row, e.column) for e in result.errors] == [(6, "姓名")]
    assert not Person.objects.exists() and not Household.objects.exists()
    rows[4]["姓名"] = "人戊"
    result = run(cast, as_csv(*rows))
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (7, "身份证号", "与第2行身份证号重复")
    ]
    assert not Person.objects.exists()


def test_valid_only_across_chunks_writes_every_good_row(cast, as_csv, small_chunks):
    ids = [make_id() for _ in range(6)]
    rows = household_rows(6, ids)
    rows[2]["性别"] = "男" if make_id_sex(ids[2]) == "F" else "女"
    rows[5]["困难类别"] = "低保"
    result = run(cast, as_csv(*rows), valid_only=True)
    assert result.written
    assert [(e.row, e.column) for e in result.errors] == [(4, "性别"), (7, "监护人/联系人")]
    assert result.created == 4
    assert Person.objects.count() == 4
    assert AuditEvent.objects.get(action="import").detail["bad_rows"] == 2


def make_id_sex(number: str) -> str:
    return "M" if int(number[16]) % 2 else "F"


def test_new_persons_are_encoded_as_the_generic_copy_encoding_would(cast, as_csv):
    from qunfang.core import bulk
    from qunfang.core.spreadsheets import parse_table, read_table
    from qunfang.residents.ledgers import PERSONS, _new_person_lines, _person_rows

    data = as_csv(
        row(
            困难类别="低保",
            **{"监护人/联系人": "王\t建国", "联系人关系": "儿\\子", "联系人电话": "0356-1234567"},
        ),
        row(姓名="李明", 身份证号=LI, 联系电话="", 与户主关系="儿子", 人员状态="外出"),
    )
    rows, errors = parse_table(PERSONS, read_table(data))
    assert errors == []
    items = [(parsed, cast.village, f"index{n}") for n, parsed in enumerate(rows)]
    households = {(cast.village.id, "0001"): 7}
    now = "2020-02-03 08:00:00+00:00"
    generic = bulk.copy_text(
        [
            (pk, *values)
            for pk, values in zip([11, 12], _person_rows(items, {}, households, now), strict=True)
        ]
    )
    fast = _new_person_lines(items, [11, 12], households, now)

    def comparable(data: bytes) -> list[list[str]]:
        lines = [line.split("\t") for line in data.decode().split("\n")]
        for cells in lines[:-1]:
            for column in (7, 10, 16):  # ciphertexts: fresh nonces, compared by presence
                cells[column] = bool(cells[column])
        return lines

    assert comparable(fast) == comparable(generic)
    assert "王\\t建国" in fast.decode()
