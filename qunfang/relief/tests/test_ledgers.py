import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from qunfang.core.crypto import decrypt
from qunfang.core.ledgers import LEDGERS, ledger_import
from qunfang.core.models import AuditEvent
from qunfang.core.spreadsheets import LedgerSpec, RowError, write_xlsx
from qunfang.relief import ledgers, services
from qunfang.relief.models import AssistanceCase, CareArrangement, FamilyEvent, WeChatGroup
from qunfang.relief.tests.conftest import ELDER_ID


def xlsx(spec: LedgerSpec, *rows: dict) -> bytes:
    headers = spec.headers()
    return write_xlsx(
        headers, [[row.get(h, "") for h in headers] for row in rows], title=spec.title
    )


def raw_csv(spec: LedgerSpec, *rows: dict) -> bytes:
    """CSV exactly as typed (no formula neutralising), so that "-100" reaches the importer."""
    headers = spec.headers()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return buffer.getvalue().encode("utf-8")


def run(actor, region, name: str, data: bytes, **kwargs):
    return ledger_import(
        actor=actor, region=region, ledger_name=name, data=data, filename="台账.xlsx", **kwargs
    )


def grant_row(**changes) -> dict:
    return {
        "户号": "0001",
        "村（社区）": "南村村",
        "救助原因": "疫情影响",
        "救助方式": "现金",
        "现金金额（元）": "500",
        "发放日期": "2020-02-10",
    } | changes


def test_the_four_ledgers_are_registered_with_chinese_titles():
    titles = {name: LEDGERS[name].spec.title for name in ["assistance", "care", "events", "wechat"]}
    assert titles == {
        "assistance": "临时救助台账",
        "care": "临时照料台账",
        "events": "婚丧事台账",
        "wechat": "民政事务微信群",
    }
    assert ledgers.ASSISTANCE.headers()[:3] == ["户号", "户主姓名", "村（社区）"]


@pytest.mark.parametrize(
    ("mapping", "choices"),
    [
        (ledgers.REASONS, AssistanceCase.Reason),
        (ledgers.FORMS, AssistanceCase.Form),
        (ledgers.CARE_REASONS, CareArrangement.Reason),
        (ledgers.CARE_STATUSES, CareArrangement.Status),
        (ledgers.EVENT_KINDS, FamilyEvent.Kind),
        (ledgers.EVENT_STATUSES, FamilyEvent.Status),
    ],
)
def test_choice_columns_read_every_choice_by_its_chinese_label(mapping, choices):
    assert {str(label): value for value, label in choices.choices} == mapping


# --- 临时救助台账 --------------------------------------------------------------------------------


def test_a_town_cadre_imports_assistance_from_xlsx(cast, homes):
    data = xlsx(
        ledgers.ASSISTANCE,
        grant_row(
            户主姓名="张建国", 救助方式="现金+实物", 实物="米面油", 手续完成日期="2020-03-01"
        ),
        grant_row(户号="0002", 发放日期="2020年2月12日", **{"现金金额（元）": "1,000元"}),
        grant_row(救助方式="实物", 实物="口罩", **{"村（社区）": "原家村", "现金金额（元）": ""}),
    )
    result = run(cast.town_cadre, cast.town, "assistance", data)
    assert result.errors == []
    assert (result.rows, result.created, result.written) == (3, 3, True)
    first = AssistanceCase.objects.get(household=homes.home)
    assert (first.form, first.cash_amount, first.in_kind_description) == ("both", 500, "米面油")
    assert first.paperwork_done_on == dt.date(2020, 3, 1)
    assert first.granted_by == cast.town_cadre
    grid = AssistanceCase.objects.get(household=homes.grid_home)
    assert (grid.region, grid.cash_amount, grid.granted_on) == (
        cast.grid,
        Decimal("1000"),
        dt.date(2020, 2, 12),
    )
    assert grid.paperwork_overdue is True
    assert AssistanceCase.objects.get(household=homes.sibling_home).cash_amount is None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT, region_code=cast.town.code)


def test_it_imports_assistance_from_csv(cast, homes):
    result = run(
        cast.village_cadre, cast.village, "assistance", raw_csv(ledgers.ASSISTANCE, grant_row())
    )
    assert (result.created, result.written) == (1, True)
    assert AssistanceCase.objects.get().household == homes.home


def test_a_village_cadre_cannot_import_into_the_sibling_village(cast, homes):
    data = xlsx(ledgers.ASSISTANCE, grant_row(), grant_row(**{"村（社区）": "原家村"}))
    result = run(cast.village_cadre, cast.village, "assistance", data)
    assert result.errors == [RowError(3, "村（社区）", ledgers.VILLAGE_NOT_FOUND)]
    assert result.written is False
    assert not AssistanceCase.objects.exists()
    partial = run(cast.village_cadre, cast.village, "assistance", data, valid_only=True)
    assert (partial.created, partial.written) == (1, True)
    assert list(AssistanceCase.objects.values_list("household", flat=True)) == [homes.home.pk]


def test_another_county_finds_nothing_of_this_town(cast, homes):
    result = run(
        cast.other_town_cadre, cast.town, "assistance", xlsx(ledgers.ASSISTANCE, grant_row())
    )
    assert result.errors == [RowError(2, "村（社区）", ledgers.VILLAGE_NOT_FOUND)]
    assert not AssistanceCase.objects.exists()


def test_an_unknown_household_is_a_row_error(cast, homes):
    result = run(
        cast.town_cadre, cast.town, "assistance", xlsx(ledgers.ASSISTANCE, grant_row(户号="9999"))
    )
    assert result.errors == [RowError(2, "户号", "本村（社区）没有户号为“9999”的户")]
    assert not AssistanceCase.objects.exists()


def test_a_head_name_that_does_not_match_is_a_row_error(cast, homes):
    result = run(
        cast.town_cadre,
        cast.town,
        "assistance",
        xlsx(ledgers.ASSISTANCE, grant_row(户主姓名="李雷")),
    )
    assert result.errors == [RowError(2, "户主姓名", ledgers.HEAD_MISMATCH)]


@pytest.mark.parametrize(
    ("_case", "changes", "column", "message"),
    [
        ("negative amount", {"现金金额（元）": "-100"}, "现金金额（元）", "不能小于 0"),
        ("no such date", {"发放日期": "2020-02-30"}, "发放日期", "日期不存在：2020-02-30"),
        ("unknown form", {"救助方式": "支票"}, "救助方式", "救助方式应为：现金、实物、现金+实物"),
        ("cash without amount", {"现金金额（元）": ""}, "现金金额（元）", services.CASH_REQUIRED),
        ("formula", {"原因说明": "=HYPERLINK(1)"}, "原因说明", "不能以 = + - @ 开头（疑似公式）"),
        (
            "granted in the future",
            {"发放日期": "2099-01-01"},
            "发放日期",
            services.GRANTED_IN_FUTURE,
        ),
        (
            "done before granted",
            {"手续完成日期": "2020-01-01"},
            "手续完成日期",
            services.PAPERWORK_BEFORE_GRANT,
        ),
    ],
)
def test_bad_cells_are_row_errors_and_nothing_is_stored(
    cast, homes, _case, changes, column, message
):
    data = raw_csv(ledgers.ASSISTANCE, grant_row(户号="0002"), grant_row(**changes))
    result = run(cast.town_cadre, cast.town, "assistance", data)
    assert result.errors == [RowError(3, column, message)]
    assert result.written is False
    assert not AssistanceCase.objects.exists()
    assert not AuditEvent.objects.filter(target__startswith="临时救助").exists()


def test_reimporting_stores_nothing_twice_and_completes_paperwork(cast, homes):
    data = xlsx(ledgers.ASSISTANCE, grant_row(), grant_row(户号="0002"))
    assert run(cast.town_cadre, cast.town, "assistance", data).created == 2
    again = run(cast.town_cadre, cast.town, "assistance", data)
    assert (again.created, again.updated, again.errors) == (0, 0, [])
    done = xlsx(ledgers.ASSISTANCE, grant_row(手续完成日期="2020-03-02"), grant_row(户号="0002"))
    result = run(cast.town_cadre, cast.town, "assistance", done)
    assert (result.created, result.updated) == (0, 1)
    assert AssistanceCase.objects.count() == 2
    assert AssistanceCase.objects.get(household=homes.home).paperwork_done_on == dt.date(2020, 3, 2)


def test_a_conflicting_grant_on_the_same_day_is_a_row_error(cast, homes):
    run(cast.town_cadre, cast.town, "assistance", xlsx(ledgers.ASSISTANCE, grant_row()))
    changed = xlsx(ledgers.ASSISTANCE, grant_row(**{"现金金额（元）": "800"}))
    result = run(cast.town_cadre, cast.town, "assistance", changed)
    assert result.errors == [RowError(2, "救助方式", ledgers.ASSISTANCE_CONFLICT)]
    assert AssistanceCase.objects.get().cash_amount == 500


def test_a_row_repeated_in_the_file_is_a_row_error(cast, homes):
    result = run(
        cast.town_cadre, cast.town, "assistance", xlsx(ledgers.ASSISTANCE, grant_row(), grant_row())
    )
    assert result.errors == [RowError(3, "户号", "与第2行重复")]
    assert not AssistanceCase.objects.exists()


def test_an_export_reimports_without_duplicates(cast, homes, cases):
    headers, rows = ledgers.export_assistance(cast.town_cadre, cast.town, reveal=False)
    data = write_xlsx(headers, rows, title="临时救助台账")
    result = run(cast.town_cadre, cast.town, "assistance", data)
    assert (result.errors, result.created, result.updated) == ([], 0, 0)
    assert AssistanceCase.objects.count() == 3


def test_the_assistance_export_is_scoped(cast, homes, cases):
    headers, rows = ledgers.export_assistance(cast.village_cadre, cast.village, reveal=False)
    assert headers == ledgers.ASSISTANCE.headers()
    assert [row[:4] for row in rows] == [["0001", "张建国", "南村村", "疫情影响"]]
    _headers, town_rows = ledgers.export_assistance(cast.town_cadre, cast.town, reveal=False)
    assert sorted(row[2] for row in town_rows) == ["南村村", "原家村"]


# --- 临时照料台账 --------------------------------------------------------------------------------


def care_row(**changes) -> dict:
    return {
        "姓名": "张奶奶",
        "身份证号": ELDER_ID,
        "照料原因": "监护人住院",
        "照料人": "邻居李红",
        "照料人电话": "13912340001",
        "照料地点": "邻居家",
        "开始日期": "2020-02-05",
    } | changes


def test_care_is_imported_by_id_number(cast, homes):
    data = xlsx(
        ledgers.CARE,
        care_row(),
        care_row(
            姓名="张小明",
            身份证号=decrypt(homes.child.id_number),
            结束日期="2020-03-01",
            状态="已结束",
        ),
    )
    result = run(cast.village_cadre, cast.village, "care", data)
    assert (result.errors, result.created) == ([], 2)
    elder = CareArrangement.objects.get(person=homes.elder)
    assert (elder.status, elder.carer_phone_masked) == ("active", "139****0001")
    assert decrypt(elder.carer_phone) == "13912340001"
    child = CareArrangement.objects.get(person=homes.child)
    assert (child.status, child.end_date) == ("ended", dt.date(2020, 3, 1))
    again = run(
        cast.village_cadre,
        cast.village,
        "care",
        xlsx(ledgers.CARE, care_row(结束日期="2020-03-03")),
    )
    assert (again.created, again.updated) == (0, 1)
    assert CareArrangement.objects.get(person=homes.elder).status == "ended"


@pytest.mark.parametrize(
    ("_case", "changes", "column", "message"),
    [
        (
            "sibling villager",
            {"姓名": "王小花", "身份证号": "sibling"},
            "身份证号",
            ledgers.PERSON_NOT_FOUND,
        ),
        ("wrong name", {"姓名": "李奶奶"}, "姓名", ledgers.NAME_MISMATCH),
        (
            "bad check digit",
            {"身份证号": "110105194912310021"},
            "身份证号",
            "身份证号校验位错误，请核对",
        ),
        (
            "bad phone",
            {"照料人电话": "110"},
            "照料人电话",
            "联系电话应为11位手机号或带区号的固定电话",
        ),
        (
            "working-age adult",
            {"姓名": "张建国", "身份证号": "head"},
            "身份证号",
            "临时照料对象应为未满 18 周岁的儿童或 60 周岁以上的老年人。",
        ),
        ("ended without a date", {"状态": "已结束"}, "状态", ledgers.CARE_STATUS_CONFLICT),
    ],
)
def test_bad_care_rows_are_row_errors(cast, homes, _case, changes, column, message):
    ids = {"sibling": decrypt(homes.sibling_child.id_number), "head": decrypt(homes.head.id_number)}
    row = care_row(**changes)
    row["身份证号"] = ids.get(row["身份证号"], row["身份证号"])
    result = run(cast.village_cadre, cast.village, "care", xlsx(ledgers.CARE, row))
    assert result.errors == [RowError(2, column, message)]
    assert not CareArrangement.objects.exists()


def test_the_care_export_masks_numbers_unless_revealed(cast, care):
    headers, rows = ledgers.export_care(cast.town_cadre, cast.town, reveal=False)
    assert headers == ledgers.CARE.headers()
    assert {row[0] for row in rows} == {"张小明", "王小花"}
    assert all("*" in row[1] and row[5] == "139****0001" for row in rows)
    _headers, revealed = ledgers.export_care(cast.town_cadre, cast.town, reveal=True)
    assert all("*" not in row[1] and row[5] == "13912340001" for row in revealed)
    _headers, own = ledgers.export_care(cast.village_cadre, cast.village, reveal=False)
    assert [row[0] for row in own] == ["张小明"]


# --- 婚丧事台账 ---------------------------------------------------------------------------------


def event_row(**changes) -> dict:
    return {
        "村（社区）": "南村村",
        "事项": "婚事",
        "联系人（事主）": "赵家",
        "原定日期": "2020-02-08",
        "预计人数": "120",
        "办理情况": "延期",
    } | changes


def test_events_are_imported_and_updated(cast, homes):
    data = xlsx(
        ledgers.EVENTS,
        event_row(户号="0001"),
        event_row(事项="丧事", 办理情况="简办", 预计人数="30", **{"联系人（事主）": "周家"}),
    )
    result = run(cast.village_cadre, cast.village, "events", data)
    assert (result.errors, result.created) == ([], 2)
    assert FamilyEvent.objects.get(kind="wedding").household == homes.home
    held = xlsx(ledgers.EVENTS, event_row(办理情况="已办", 预计人数="40", 新日期="2020-05-01"))
    result = run(cast.village_cadre, cast.village, "events", held)
    assert (result.created, result.updated) == (0, 1)
    wedding = FamilyEvent.objects.get(kind="wedding")
    assert (wedding.status, wedding.expected_size, wedding.new_date) == (
        "held",
        40,
        dt.date(2020, 5, 1),
    )


@pytest.mark.parametrize(
    ("_case", "changes", "column", "message"),
    [
        ("fractional head count", {"预计人数": "12.5"}, "预计人数", "应为整数，实际为“12.5”"),
        (
            "a gathering over 50",
            {"办理情况": "简办"},
            "预计人数",
            services.EVENT_TOO_LARGE.format(limit=50),
        ),
        ("sibling village", {"村（社区）": "原家村"}, "村（社区）", ledgers.VILLAGE_NOT_FOUND),
        ("unknown household", {"户号": "0099"}, "户号", "本村（社区）没有户号为“0099”的户"),
    ],
)
def test_bad_event_rows_are_row_errors(cast, homes, _case, changes, column, message):
    result = run(
        cast.village_cadre, cast.village, "events", xlsx(ledgers.EVENTS, event_row(**changes))
    )
    assert result.errors == [RowError(2, column, message)]
    assert not FamilyEvent.objects.exists()


def test_the_events_export_is_scoped(cast, events):
    headers, rows = ledgers.export_events(cast.village_cadre, cast.village, reveal=False)
    assert headers == ledgers.EVENTS.headers()
    assert [(row[0], row[3], row[7]) for row in rows] == [("南村村", "赵家", "延期")]


# --- 民政事务微信群 -----------------------------------------------------------------------------


def group_row(**changes) -> dict:
    return {
        "村（社区）": "南村村",
        "群名称": "南村村民政事务群",
        "群主": "王主任",
        "群主电话": "13800001111",
        "成员数": "30",
    } | changes


def test_groups_are_imported_by_village_and_name(cast):
    code_row = group_row(**{"村（社区）": cast.sibling_village.code}, 群名称="原家村群")
    result = run(cast.town_cadre, cast.town, "wechat", xlsx(ledgers.WECHAT, group_row(), code_row))
    assert (result.errors, result.created) == ([], 2)
    again = run(cast.town_cadre, cast.town, "wechat", xlsx(ledgers.WECHAT, group_row(成员数="41")))
    assert (again.created, again.updated) == (0, 1)
    assert WeChatGroup.objects.get(region=cast.village).members == 41
    assert WeChatGroup.objects.get(region=cast.sibling_village).admin_phone_masked == "138****1111"


@pytest.mark.parametrize(
    ("_case", "changes", "column", "message"),
    [
        ("fractional members", {"成员数": "3.5"}, "成员数", "应为整数，实际为“3.5”"),
        ("bad phone", {"群主电话": "123"}, "群主电话", "联系电话应为11位手机号或带区号的固定电话"),
        ("unknown village", {"村（社区）": "不存在村"}, "村（社区）", ledgers.VILLAGE_NOT_FOUND),
        ("no admin", {"群主": ""}, "群主", "必填，不能为空"),
    ],
)
def test_bad_group_rows_are_row_errors(cast, _case, changes, column, message):
    result = run(cast.town_cadre, cast.town, "wechat", xlsx(ledgers.WECHAT, group_row(**changes)))
    assert result.errors == [RowError(2, column, message)]
    assert not WeChatGroup.objects.exists()


def test_the_group_export_masks_phones_unless_revealed(cast, groups):
    headers, rows = ledgers.export_wechat(cast.village_cadre, cast.village, reveal=False)
    assert headers == ledgers.WECHAT.headers()
    assert rows == [["南村村", "南村村民政事务群", "王主任", "138****1111", 30, ""]]
    _headers, revealed = ledgers.export_wechat(cast.village_cadre, cast.village, reveal=True)
    assert revealed[0][3] == "13800001111"
