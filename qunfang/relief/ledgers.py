"""The relief ledgers (台账) as spreadsheets: 临时救助台账, 临时照料台账, 婚丧事台账 and
民政事务微信群. Registered with core.ledgers in ReliefConfig.ready().

`write` finds households, persons and villages only inside the importer's scope and the
region imported into, stores each good row through the services (so every row is validated
and audited) and reports the others as RowErrors without storing them. A row that is already
in the database is not stored twice: re-importing an exported ledger with, say, 手续完成日期
filled in completes the paperwork and leaves the other rows alone.

Choice columns read and write the Chinese labels below whatever the UI language, because the
files are Chinese documents.
"""

import datetime as dt
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from qunfang.core.crypto import blind_index, decrypt
from qunfang.core.idcard import parse_id_number, parse_phone
from qunfang.core.ledgers import ImportResult, Ledger
from qunfang.core.spreadsheets import (
    Column,
    LedgerSpec,
    ParsedRow,
    RowError,
    choice_parser,
    parse_date,
    parse_decimal,
    parse_int,
    parse_plain_text,
)
from qunfang.org.access import can, scoped, subtree_q
from qunfang.org.models import Region
from qunfang.org.roles import Capability
from qunfang.org.selectors import villages_by_name
from qunfang.relief import selectors, services
from qunfang.relief.models import PAPERWORK_DAYS, AssistanceCase, CareArrangement, FamilyEvent
from qunfang.residents.models import Household, Person, Relation

VILLAGE_NOT_FOUND = "本区域内没有这个村（社区）"
VILLAGE_AMBIGUOUS = "本区域内有多个同名的村（社区），请改填12位区划代码"
HOUSEHOLD_NOT_FOUND = "本村（社区）没有户号为“{no}”的户"
HEAD_MISMATCH = "与该户登记的户主姓名不一致"
PERSON_NOT_FOUND = "本区域内没有这个身份证号的人员，请先录入户籍台账"
NAME_MISMATCH = "与该身份证号登记的姓名不一致"
NOT_ALLOWED = "无权在该村（社区）录入"
DUPLICATE_ROW = "与第{row}行重复"
ASSISTANCE_CONFLICT = "该户在这一天已有一条救助方式或金额不同的救助记录，请核对"
CARE_STATUS_CONFLICT = "状态与结束日期不一致：已结束的须填结束日期，照料中的不填"

REASONS = {
    "疫情影响": AssistanceCase.Reason.EPIDEMIC,
    "疾病": AssistanceCase.Reason.ILLNESS,
    "意外事故": AssistanceCase.Reason.ACCIDENT,
    "其他": AssistanceCase.Reason.OTHER,
}
FORMS = {
    "现金": AssistanceCase.Form.CASH,
    "实物": AssistanceCase.Form.IN_KIND,
    "现金+实物": AssistanceCase.Form.BOTH,
}
CARE_REASONS = {
    "监护人隔离": CareArrangement.Reason.CARER_ISOLATED,
    "监护人住院": CareArrangement.Reason.CARER_HOSPITALISED,
    "监护人滞留外地": CareArrangement.Reason.CARER_AWAY,
    "其他": CareArrangement.Reason.OTHER,
}
CARE_STATUSES = {
    "照料中": CareArrangement.Status.ACTIVE,
    "已结束": CareArrangement.Status.ENDED,
}
EVENT_KINDS = {
    "婚事": FamilyEvent.Kind.WEDDING,
    "丧事": FamilyEvent.Kind.FUNERAL,
    "其他": FamilyEvent.Kind.OTHER,
}
EVENT_STATUSES = {
    "延期": FamilyEvent.Status.POSTPONED,
    "简办": FamilyEvent.Status.SIMPLIFIED,
    "取消": FamilyEvent.Status.CANCELLED,
    "已办": FamilyEvent.Status.HELD,
}


def _label(mapping: dict[str, str], value: str) -> str:
    return next((label for label, key in mapping.items() if key == value), value)


def _text(max_length: int) -> Callable[[str], str]:
    return lambda text: parse_plain_text(text, max_length=max_length)


def _id_number(text: str) -> str:
    return parse_id_number(text).value


def _choice(mapping: dict[str, str], header: str, **kwargs) -> Column:
    return Column(
        header=header,
        parse=choice_parser(mapping, header),
        choices=tuple(mapping),
        help="填：" + "、".join(mapping),
        **kwargs,
    )


H_REGISTER_NO = "户号"
H_HEAD = "户主姓名"
H_VILLAGE = "村（社区）"
H_NAME = "姓名"
H_ID = "身份证号"

ASSISTANCE = LedgerSpec(
    name="assistance",
    title="临时救助台账",
    columns=(
        Column("register_no", H_REGISTER_NO, required=True, parse=_text(30), text=True),
        Column("head_name", H_HEAD, parse=_text(50), help="可不填；填了则核对是否为该户户主"),
        Column("village", H_VILLAGE, required=True, parse=_text(100)),
        _choice(REASONS, "救助原因", key="reason", required=True),
        Column("reason_detail", "原因说明", parse=_text(200)),
        _choice(FORMS, "救助方式", key="form", required=True),
        Column("cash_amount", "现金金额（元）", parse=parse_decimal),
        Column("in_kind_description", "实物", parse=_text(200)),
        Column("granted_on", "发放日期", required=True, parse=parse_date),
        Column(
            "paperwork_due",
            "补办手续期限",
            parse=parse_date,
            help=f"可不填，默认为发放日期后{PAPERWORK_DAYS}天",
        ),
        Column("paperwork_done_on", "手续完成日期", parse=parse_date),
    ),
    example=(
        "0001",
        "张三",
        "南村村",
        "疫情影响",
        "务工收入中断",
        "现金+实物",
        "500",
        "米面油一份",
        "2020-02-10",
        "",
        "",
    ),
)

CARE = LedgerSpec(
    name="care",
    title="临时照料台账",
    columns=(
        Column("name", H_NAME, required=True, parse=_text(50)),
        Column("id_number", H_ID, required=True, parse=_id_number, text=True, width=22),
        Column("village", H_VILLAGE, parse=_text(100), help="导出时填写；导入时以身份证号为准"),
        _choice(CARE_REASONS, "照料原因", key="reason", required=True),
        Column("carer_name", "照料人", required=True, parse=_text(50)),
        Column("carer_phone", "照料人电话", required=True, parse=parse_phone, text=True),
        Column("place", "照料地点", required=True, parse=_text(200)),
        Column("start_date", "开始日期", required=True, parse=parse_date),
        Column("end_date", "结束日期", parse=parse_date),
        _choice(CARE_STATUSES, "状态", key="status"),
        Column("note", "备注", parse=_text(200)),
    ),
    example=(
        "李小明",
        "11010519491231002X",
        "南村村",
        "监护人隔离",
        "王芳",
        "13800000000",
        "村委会临时照料点",
        "2020-02-05",
        "",
        "照料中",
        "",
    ),
)

EVENTS = LedgerSpec(
    name="events",
    title="婚丧事台账",
    columns=(
        Column("village", H_VILLAGE, required=True, parse=_text(100)),
        Column("register_no", H_REGISTER_NO, parse=_text(30), text=True),
        _choice(EVENT_KINDS, "事项", key="kind", required=True),
        Column("family_name", "联系人（事主）", required=True, parse=_text(50)),
        Column("original_date", "原定日期", required=True, parse=parse_date),
        Column("new_date", "新日期", parse=parse_date),
        Column("expected_size", "预计人数", required=True, parse=parse_int),
        _choice(EVENT_STATUSES, "办理情况", key="status", required=True),
        Column("note", "备注", parse=_text(200)),
    ),
    example=("南村村", "0003", "婚事", "赵四", "2020-02-08", "", "120", "延期", "疫情后再办"),
)

WECHAT = LedgerSpec(
    name="wechat",
    title="民政事务微信群",
    columns=(
        Column("village", H_VILLAGE, required=True, parse=_text(100)),
        Column("name", "群名称", required=True, parse=_text(100)),
        Column("admin_name", "群主", required=True, parse=_text(50)),
        Column("admin_phone", "群主电话", parse=parse_phone, text=True),
        Column("members", "成员数", required=True, parse=parse_int),
        Column("note", "备注", parse=_text(200)),
    ),
    example=("南村村", "南村村民政事务群", "王主任", "13800000000", "35", ""),
)


def _header(spec: LedgerSpec, key: str) -> str:
    return next((c.header for c in spec.columns if c.key == key), "")


def _errors_from(spec: LedgerSpec, row: int, error: ValidationError, fields: dict[str, str]):
    """A service's ValidationError as RowErrors under the columns its fields came from."""
    if not hasattr(error, "error_dict"):
        return [RowError(row, "", message) for message in error.messages]
    return [
        RowError(row, _header(spec, fields.get(field, field)), message)
        for field, field_messages in error.message_dict.items()
        for message in field_messages
    ]


class _Villages:
    """Villages the importer may reach below the region, found by code, name or short name."""

    def __init__(self, actor, region: Region) -> None:
        self.by_key = villages_by_name(actor, region)

    def find(self, text: str) -> tuple[Region | None, str]:
        matches = self.by_key.get(text.strip(), [])
        if not matches:
            return None, VILLAGE_NOT_FOUND
        if len(matches) > 1:
            return None, VILLAGE_AMBIGUOUS
        return matches[0], ""


def _households(actor, region: Region) -> dict[tuple[str, str], Household]:
    """(village code, 户号) → household, in scope below the region; a grid's households
    belong to its village."""
    rows = (
        scoped(Household.objects.all(), actor)
        .filter(subtree_q(region.code, "region__code"))
        .exclude(register_no="")
    )
    return {(h.village_code, h.register_no): h for h in rows}


def _may_write(actor, region: Region) -> bool:
    return can(actor, Capability.EDIT_RECORDS, region.code)


# --- 临时救助台账 --------------------------------------------------------------------------

ASSISTANCE_FIELDS = {"done_on": "paperwork_done_on", "household": "register_no"}


def write_assistance(actor, region: Region, rows: list[ParsedRow], result: ImportResult) -> None:
    villages = _Villages(actor, region)
    households = _households(actor, region)
    heads = dict(
        scoped(Person.objects.filter(relation=Relation.HEAD), actor)
        .filter(subtree_q(region.code, "region__code"))
        .values_list("household_id", "name")
    )
    seen: dict[tuple[int, dt.date], int] = {}
    for row in rows:
        values = row.values
        village, problem = villages.find(values["village"])
        if village is None:
            result.errors.append(RowError(row.row, H_VILLAGE, problem))
            continue
        household = households.get((village.code, values["register_no"]))
        if household is None:
            message = HOUSEHOLD_NOT_FOUND.format(no=values["register_no"])
            result.errors.append(RowError(row.row, H_REGISTER_NO, message))
            continue
        if not _may_write(actor, household.region):
            result.errors.append(RowError(row.row, H_VILLAGE, NOT_ALLOWED))
            continue
        head = heads.get(household.pk)
        if values["head_name"] and head and values["head_name"] != head:
            result.errors.append(RowError(row.row, H_HEAD, HEAD_MISMATCH))
            continue
        key = (household.pk, values["granted_on"])
        if key in seen:
            message = DUPLICATE_ROW.format(row=seen[key])
            result.errors.append(RowError(row.row, H_REGISTER_NO, message))
            continue
        seen[key] = row.row
        try:
            with transaction.atomic():
                _store_assistance(actor, household, values, result)
        except ValidationError as error:
            result.errors.extend(_errors_from(ASSISTANCE, row.row, error, ASSISTANCE_FIELDS))
        except _Conflict as conflict:
            result.errors.append(RowError(row.row, conflict.column, conflict.message))


class _Conflict(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _store_assistance(actor, household: Household, values: dict, result: ImportResult) -> None:
    existing = AssistanceCase.objects.filter(
        household=household, granted_on=values["granted_on"]
    ).first()
    done_on = values["paperwork_done_on"]
    if existing is not None:
        amount = values["cash_amount"] if values["form"] != AssistanceCase.Form.IN_KIND else None
        if existing.form != values["form"] or existing.cash_amount != amount:
            raise _Conflict("救助方式", ASSISTANCE_CONFLICT)
        if done_on and existing.paperwork_done_on is None:
            services.assistance_complete_paperwork(actor=actor, case=existing, done_on=done_on)
            result.updated += 1
        return
    case = services.assistance_grant(
        actor=actor,
        household=household,
        reason=values["reason"],
        reason_detail=values["reason_detail"] or "",
        form=values["form"],
        cash_amount=values["cash_amount"],
        in_kind_description=values["in_kind_description"] or "",
        granted_on=values["granted_on"],
        paperwork_due=values["paperwork_due"],
    )
    if done_on:
        services.assistance_complete_paperwork(actor=actor, case=case, done_on=done_on)
    result.created += 1


def export_assistance(user, region: Region, *, reveal: bool = False):
    cases = selectors.assistance_case_list(user, region=region)
    names = _village_names(case.region.code for case in cases)
    rows = [
        [
            case.household.register_no,
            case.head_name or "",
            names.get(case.region.code[:12], case.region.display_name),
            _label(REASONS, case.reason),
            case.reason_detail,
            _label(FORMS, case.form),
            case.cash_amount,
            case.in_kind_description,
            case.granted_on,
            case.paperwork_due,
            case.paperwork_done_on,
        ]
        for case in cases
    ]
    return ASSISTANCE.headers(), rows


def _village_names(codes: Iterable[str]) -> dict[str, str]:
    wanted = {code[:12] for code in codes}
    return {v.code: v.display_name for v in Region.objects.filter(code__in=wanted)}


# --- 临时照料台账 --------------------------------------------------------------------------

CARE_FIELDS = {"person": "id_number"}


def write_care(actor, region: Region, rows: list[ParsedRow], result: ImportResult) -> None:
    people = scoped(Person.objects.all(), actor).filter(subtree_q(region.code, "region__code"))
    indexes = [blind_index(row.values["id_number"]) for row in rows]
    by_index: dict[str, Person] = {}
    # Batches keep the IN list under every database's parameter limit.
    for start in range(0, len(indexes), 500):
        batch = people.filter(id_index__in=indexes[start : start + 500]).select_related("region")
        by_index.update((person.id_index, person) for person in batch)
    seen: dict[tuple[int, dt.date], int] = {}
    for row, index in zip(rows, indexes, strict=True):
        values = row.values
        person = by_index.get(index)
        if person is None:
            result.errors.append(RowError(row.row, H_ID, PERSON_NOT_FOUND))
            continue
        if person.name != values["name"]:
            result.errors.append(RowError(row.row, H_NAME, NAME_MISMATCH))
            continue
        if not _may_write(actor, person.region):
            result.errors.append(RowError(row.row, H_ID, NOT_ALLOWED))
            continue
        status, end_date = values["status"], values["end_date"]
        if status is not None and (status == CareArrangement.Status.ENDED) != bool(end_date):
            result.errors.append(RowError(row.row, "状态", CARE_STATUS_CONFLICT))
            continue
        key = (person.pk, values["start_date"])
        if key in seen:
            result.errors.append(RowError(row.row, H_ID, DUPLICATE_ROW.format(row=seen[key])))
            continue
        seen[key] = row.row
        try:
            with transaction.atomic():
                _store_care(actor, person, values, result)
        except ValidationError as error:
            result.errors.extend(_errors_from(CARE, row.row, error, CARE_FIELDS))


def _store_care(actor, person: Person, values: dict, result: ImportResult) -> None:
    existing = CareArrangement.objects.filter(
        person=person, start_date=values["start_date"]
    ).first()
    end_date = values["end_date"]
    if existing is not None:
        if end_date and existing.status == CareArrangement.Status.ACTIVE:
            services.care_end(actor=actor, arrangement=existing, end_date=end_date)
            result.updated += 1
        return
    arrangement = services.care_arrange(
        actor=actor,
        person=person,
        reason=values["reason"],
        carer_name=values["carer_name"],
        carer_phone=values["carer_phone"],
        place=values["place"],
        start_date=values["start_date"],
        note=values["note"] or "",
    )
    if end_date:
        services.care_end(actor=actor, arrangement=arrangement, end_date=end_date)
    result.created += 1


def export_care(user, region: Region, *, reveal: bool = False):
    arrangements = selectors.care_arrangement_list(user, region=region)
    names = _village_names(a.region.code for a in arrangements)
    rows = [
        [
            a.person.name,
            decrypt(a.person.id_number) if reveal else a.person.id_masked,
            names.get(a.region.code[:12], a.region.display_name),
            _label(CARE_REASONS, a.reason),
            a.carer_name,
            decrypt(a.carer_phone) if reveal else a.carer_phone_masked,
            a.place,
            a.start_date,
            a.end_date,
            _label(CARE_STATUSES, a.status),
            a.note,
        ]
        for a in arrangements
    ]
    return CARE.headers(), rows


# --- 婚丧事台账 ----------------------------------------------------------------------------

EVENT_FIELDS = {"village": "village", "household": "register_no"}


def write_events(actor, region: Region, rows: list[ParsedRow], result: ImportResult) -> None:
    villages = _Villages(actor, region)
    households = _households(actor, region)
    for row in rows:
        values = row.values
        village, problem = villages.find(values["village"])
        if village is None:
            result.errors.append(RowError(row.row, H_VILLAGE, problem))
            continue
        if not _may_write(actor, village):
            result.errors.append(RowError(row.row, H_VILLAGE, NOT_ALLOWED))
            continue
        household = None
        if values["register_no"]:
            household = households.get((village.code, values["register_no"]))
            if household is None:
                message = HOUSEHOLD_NOT_FOUND.format(no=values["register_no"])
                result.errors.append(RowError(row.row, H_REGISTER_NO, message))
                continue
        try:
            with transaction.atomic():
                _store_event(actor, village, household, values, result)
        except ValidationError as error:
            result.errors.extend(_errors_from(EVENTS, row.row, error, EVENT_FIELDS))


def _store_event(actor, village: Region, household, values: dict, result: ImportResult) -> None:
    existing = FamilyEvent.objects.filter(
        region=village,
        kind=values["kind"],
        family_name=values["family_name"],
        original_date=values["original_date"],
    ).first()
    if existing is None:
        services.family_event_record(
            actor=actor,
            region=village,
            household=household,
            kind=values["kind"],
            family_name=values["family_name"],
            original_date=values["original_date"],
            new_date=values["new_date"],
            expected_size=values["expected_size"],
            status=values["status"],
            note=values["note"] or "",
        )
        result.created += 1
        return
    changed = (existing.status, existing.new_date, existing.expected_size) != (
        values["status"],
        values["new_date"],
        values["expected_size"],
    )
    if changed:
        services.family_event_update(
            actor=actor,
            event=existing,
            status=values["status"],
            new_date=values["new_date"],
            expected_size=values["expected_size"],
        )
        result.updated += 1


def export_events(user, region: Region, *, reveal: bool = False):
    events = selectors.family_event_list(user, region=region)
    rows = [
        [
            e.region.display_name,
            e.household.register_no if e.household else "",
            _label(EVENT_KINDS, e.kind),
            e.family_name,
            e.original_date,
            e.new_date,
            e.expected_size,
            _label(EVENT_STATUSES, e.status),
            e.note,
        ]
        for e in events
    ]
    return EVENTS.headers(), rows


# --- 民政事务微信群 ------------------------------------------------------------------------

WECHAT_FIELDS: dict[str, str] = {}


def write_wechat(actor, region: Region, rows: list[ParsedRow], result: ImportResult) -> None:
    villages = _Villages(actor, region)
    seen: dict[tuple[int, str], int] = {}
    for row in rows:
        values = row.values
        village, problem = villages.find(values["village"])
        if village is None:
            result.errors.append(RowError(row.row, H_VILLAGE, problem))
            continue
        if not _may_write(actor, village):
            result.errors.append(RowError(row.row, H_VILLAGE, NOT_ALLOWED))
            continue
        key = (village.pk, values["name"])
        if key in seen:
            result.errors.append(RowError(row.row, "群名称", DUPLICATE_ROW.format(row=seen[key])))
            continue
        seen[key] = row.row
        try:
            with transaction.atomic():
                _group, created = services.wechat_group_save(
                    actor=actor,
                    region=village,
                    name=values["name"],
                    admin_name=values["admin_name"],
                    admin_phone=values["admin_phone"] or "",
                    members=values["members"],
                    note=values["note"] or "",
                )
        except ValidationError as error:
            result.errors.extend(_errors_from(WECHAT, row.row, error, WECHAT_FIELDS))
        else:
            if created:
                result.created += 1
            else:
                result.updated += 1


def export_wechat(user, region: Region, *, reveal: bool = False):
    groups = selectors.wechat_group_list(user, region=region)
    rows = [
        [
            g.region.display_name,
            g.name,
            g.admin_name,
            decrypt(g.admin_phone) if reveal else g.admin_phone_masked,
            g.members,
            g.note,
        ]
        for g in groups
    ]
    return WECHAT.headers(), rows


RELIEF_LEDGERS = [
    Ledger(spec=ASSISTANCE, write=write_assistance, export=export_assistance),
    Ledger(spec=CARE, write=write_care, export=export_care),
    Ledger(spec=EVENTS, write=write_events, export=export_events),
    Ledger(spec=WECHAT, write=write_wechat, export=export_wechat),
]
