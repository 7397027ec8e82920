"""Writes of relief work. Each service validates, stores and audits in one transaction.

Access (who may act on which household, person or village) is checked by the caller through
org.access before a service is called; services check the data itself. The `*_validate`
functions are shared with the admin forms so that the back office applies the same rules.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qunfang.core.audit import audit_record
from qunfang.core.crypto import encrypt
from qunfang.core.errors import FieldErrors, clean_text
from qunfang.core.idcard import age_on, mask_phone, parse_phone
from qunfang.core.models import AuditEvent
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.relief.models import (
    CHILD_AGE,
    ELDERLY_AGE,
    MAX_GATHERING,
    AssistanceCase,
    CareArrangement,
    FamilyEvent,
    WeChatGroup,
    default_paperwork_due,
)
from qunfang.residents.models import Household, Person

REASON_INVALID = gettext_noop("请选择救助原因。")
REASON_DETAIL_REQUIRED = gettext_noop("救助原因为“其他”时请填写原因说明。")
FORM_INVALID = gettext_noop("请选择救助方式。")
CASH_REQUIRED = gettext_noop("现金救助须填写大于 0 的金额。")
CASH_NEGATIVE = gettext_noop("救助金额不能为负数。")
CASH_NOT_FOR_IN_KIND = gettext_noop("只发实物时不填写现金金额。")
IN_KIND_REQUIRED = gettext_noop("实物救助须写明发放的物品。")
GRANTED_IN_FUTURE = gettext_noop("发放日期不能晚于今天。")
DUE_BEFORE_GRANT = gettext_noop("补办手续期限不能早于发放日期。")
PAPERWORK_ALREADY_DONE = gettext_noop("这笔救助的手续已经补齐。")
PAPERWORK_BEFORE_GRANT = gettext_noop("手续完成日期不能早于发放日期。")
PAPERWORK_IN_FUTURE = gettext_noop("手续完成日期不能晚于今天。")

CARE_REASON_INVALID = gettext_noop("请选择照料原因。")
CARER_REQUIRED = gettext_noop("请填写照料人姓名。")
CARER_PHONE_REQUIRED = gettext_noop("请填写照料人电话。")
PLACE_REQUIRED = gettext_noop("请填写照料地点。")
CARE_NOT_CHILD_OR_ELDERLY = gettext_noop(
    "临时照料对象应为未满 {child} 周岁的儿童或 {elderly} 周岁以上的老年人。"
)
CARE_PERSON_GONE = gettext_noop("该人员已迁出或死亡，不能安排照料。")
CARE_ALREADY_ACTIVE = gettext_noop("该人员正在临时照料中，请先结束原有照料。")
CARE_START_IN_FUTURE = gettext_noop("开始日期不能晚于今天。")
CARE_ALREADY_ENDED = gettext_noop("这项照料已经结束。")
CARE_END_BEFORE_START = gettext_noop("结束日期不能早于开始日期。")
CARE_END_IN_FUTURE = gettext_noop("结束日期不能晚于今天。")
CARE_END_DATE_REQUIRED = gettext_noop("已结束的照料须填写结束日期。")

EVENT_KIND_INVALID = gettext_noop("请选择事项（婚事、丧事或其他）。")
EVENT_STATUS_INVALID = gettext_noop("请选择办理情况。")
EVENT_FAMILY_REQUIRED = gettext_noop("请填写联系人（事主）。")
EVENT_NOT_VILLAGE = gettext_noop("婚丧事须登记在村（社区）。")
EVENT_HOUSEHOLD_ELSEWHERE = gettext_noop("所选户不在该村（社区）。")
EVENT_SIZE_INVALID = gettext_noop("预计人数应为不小于 0 的整数。")
EVENT_TOO_LARGE = gettext_noop(
    "疫情期间禁止大规模聚集：简办或照常办理的婚丧事不能超过 {limit} 人。"
)
EVENT_NEW_DATE_EARLY = gettext_noop("新日期应晚于原定日期。")

WECHAT_NOT_VILLAGE = gettext_noop("民政事务微信群须对应一个村（社区）。")
WECHAT_NAME_REQUIRED = gettext_noop("请填写群名称。")
WECHAT_ADMIN_REQUIRED = gettext_noop("请填写群主姓名。")
WECHAT_MEMBERS_INVALID = gettext_noop("成员数应为不小于 0 的整数。")


def _is_whole_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# --- temporary assistance (临时救助) ---------------------------------------------------------


def assistance_validate(
    *,
    reason: str,
    reason_detail: str,
    form: str,
    cash_amount: Decimal | None,
    in_kind_description: str,
    granted_on: dt.date,
    paperwork_due: dt.date,
) -> None:
    """Raise a ValidationError keyed by field for anything wrong with one grant."""
    errors = FieldErrors()
    if reason not in AssistanceCase.Reason.values:
        errors.add("reason", _(REASON_INVALID))
    elif reason == AssistanceCase.Reason.OTHER and not reason_detail:
        errors.add("reason_detail", _(REASON_DETAIL_REQUIRED))
    gives_cash = form in (AssistanceCase.Form.CASH, AssistanceCase.Form.BOTH)
    gives_goods = form in (AssistanceCase.Form.IN_KIND, AssistanceCase.Form.BOTH)
    if form not in AssistanceCase.Form.values:
        errors.add("form", _(FORM_INVALID))
    if cash_amount is not None and cash_amount < 0:
        errors.add("cash_amount", _(CASH_NEGATIVE))
    elif gives_cash and not cash_amount:
        errors.add("cash_amount", _(CASH_REQUIRED))
    elif form == AssistanceCase.Form.IN_KIND and cash_amount:
        errors.add("cash_amount", _(CASH_NOT_FOR_IN_KIND))
    if gives_goods and not in_kind_description:
        errors.add("in_kind_description", _(IN_KIND_REQUIRED))
    if granted_on > timezone.localdate():
        errors.add("granted_on", _(GRANTED_IN_FUTURE))
    if paperwork_due < granted_on:
        errors.add("paperwork_due", _(DUE_BEFORE_GRANT))
    errors.raise_any()


@transaction.atomic
def assistance_grant(
    *,
    actor,
    household: Household,
    reason: str,
    form: str,
    granted_on: dt.date,
    reason_detail: str = "",
    cash_amount: Decimal | None = None,
    in_kind_description: str = "",
    paperwork_due: dt.date | None = None,
) -> AssistanceCase:
    """Grant temporary assistance now; the paperwork follows by `paperwork_due`
    (先救助后补手续; PAPERWORK_DAYS after the grant unless given)."""
    reason_detail = clean_text(reason_detail)
    in_kind_description = clean_text(in_kind_description)
    if paperwork_due is None:
        paperwork_due = default_paperwork_due(granted_on)
    assistance_validate(
        reason=reason,
        reason_detail=reason_detail,
        form=form,
        cash_amount=cash_amount,
        in_kind_description=in_kind_description,
        granted_on=granted_on,
        paperwork_due=paperwork_due,
    )
    case = AssistanceCase(
        household=household,
        region=household.region,
        reason=reason,
        reason_detail=reason_detail,
        form=form,
        cash_amount=cash_amount if form != AssistanceCase.Form.IN_KIND else None,
        in_kind_description=in_kind_description,
        granted_on=granted_on,
        paperwork_due=paperwork_due,
        granted_by=actor,
    )
    case.full_clean()
    case.save()
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"临时救助 {case.pk} 户{household.register_no or household.pk}",
        region_code=case.region.code,
        detail={
            "form": form,
            "cash_amount": str(case.cash_amount) if case.cash_amount is not None else None,
            "granted_on": granted_on.isoformat(),
        },
    )
    return case


@transaction.atomic
def assistance_complete_paperwork(
    *, actor, case: AssistanceCase, done_on: dt.date | None = None
) -> AssistanceCase:
    """Record that the paperwork of a grant is complete (补手续), today unless `done_on`."""
    done_on = done_on or timezone.localdate()
    case = (
        AssistanceCase.objects.select_for_update(of=("self",))
        .select_related("region")
        .get(pk=case.pk)
    )
    errors = FieldErrors()
    if case.paperwork_done_on is not None:
        errors.add("done_on", _(PAPERWORK_ALREADY_DONE))
    elif done_on < case.granted_on:
        errors.add("done_on", _(PAPERWORK_BEFORE_GRANT))
    elif done_on > timezone.localdate():
        errors.add("done_on", _(PAPERWORK_IN_FUTURE))
    errors.raise_any()
    overdue = case.paperwork_overdue
    case.paperwork_done_on = done_on
    case.save(update_fields=["paperwork_done_on", "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"临时救助 {case.pk} 补手续",
        region_code=case.region.code,
        detail={"paperwork_done_on": done_on.isoformat(), "was_overdue": overdue},
    )
    return case


# --- temporary care (临时照料) ----------------------------------------------------------------


def _care_errors(
    *,
    person: Person,
    reason: str,
    carer_name: str,
    place: str,
    start_date: dt.date,
    end_date: dt.date | None,
    status: str,
    exclude_pk: int | None,
) -> FieldErrors:
    errors = FieldErrors()
    if reason not in CareArrangement.Reason.values:
        errors.add("reason", _(CARE_REASON_INVALID))
    if not carer_name:
        errors.add("carer_name", _(CARER_REQUIRED))
    if not place:
        errors.add("place", _(PLACE_REQUIRED))
    if start_date > timezone.localdate():
        errors.add("start_date", _(CARE_START_IN_FUTURE))
    if end_date is not None and end_date < start_date:
        errors.add("end_date", _(CARE_END_BEFORE_START))
    elif status == CareArrangement.Status.ENDED and end_date is None:
        errors.add("end_date", _(CARE_END_DATE_REQUIRED))
    if person.status in (Person.Status.MOVED, Person.Status.DECEASED):
        errors.add("person", _(CARE_PERSON_GONE))
    elif CHILD_AGE <= age_on(person.birth_date, start_date) < ELDERLY_AGE:
        errors.add(
            "person", _(CARE_NOT_CHILD_OR_ELDERLY).format(child=CHILD_AGE, elderly=ELDERLY_AGE)
        )
    if status == CareArrangement.Status.ACTIVE:
        active = CareArrangement.objects.filter(person=person, status=CareArrangement.Status.ACTIVE)
        if exclude_pk is not None:
            active = active.exclude(pk=exclude_pk)
        if active.exists():
            errors.add("person", _(CARE_ALREADY_ACTIVE))
    return errors


def care_validate(
    *,
    person: Person,
    reason: str,
    carer_name: str,
    place: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    status: str = CareArrangement.Status.ACTIVE,
    exclude_pk: int | None = None,
) -> None:
    """Raise a ValidationError keyed by field for anything wrong with one arrangement: care
    is for a child or an elderly person who still lives here, one arrangement at a time."""
    _care_errors(
        person=person,
        reason=reason,
        carer_name=carer_name,
        place=place,
        start_date=start_date,
        end_date=end_date,
        status=status,
        exclude_pk=exclude_pk,
    ).raise_any()


def _phone_into(errors: FieldErrors, field: str, raw: str, *, required: bool, message: str) -> str:
    if not raw:
        if required:
            errors.add(field, _(message))
        return ""
    try:
        return parse_phone(raw)
    except ValueError as error:
        errors.add(field, str(error))
        return ""


@transaction.atomic
def care_arrange(
    *,
    actor,
    person: Person,
    reason: str,
    carer_name: str,
    carer_phone: str,
    place: str,
    start_date: dt.date,
    note: str = "",
) -> CareArrangement:
    """Place a child or an elderly person in temporary care (临时照料)."""
    # Lock the person so two cadres cannot open two active arrangements at once.
    person = (
        Person.objects.select_for_update(of=("self",)).select_related("region").get(pk=person.pk)
    )
    carer_name, place, note = clean_text(carer_name), clean_text(place), clean_text(note)
    errors = _care_errors(
        person=person,
        reason=reason,
        carer_name=carer_name,
        place=place,
        start_date=start_date,
        end_date=None,
        status=CareArrangement.Status.ACTIVE,
        exclude_pk=None,
    )
    phone = _phone_into(
        errors, "carer_phone", clean_text(carer_phone), required=True, message=CARER_PHONE_REQUIRED
    )
    errors.raise_any()
    arrangement = CareArrangement(
        person=person,
        region=person.region,
        reason=reason,
        carer_name=carer_name,
        carer_phone=encrypt(phone),
        carer_phone_masked=mask_phone(phone),
        place=place,
        start_date=start_date,
        note=note,
    )
    arrangement.full_clean()
    arrangement.save()
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"临时照料 {arrangement.pk} 人员{person.pk}",
        region_code=person.region.code,
        detail={"reason": reason, "start_date": start_date.isoformat()},
    )
    return arrangement


@transaction.atomic
def care_end(
    *, actor, arrangement: CareArrangement, end_date: dt.date | None = None
) -> CareArrangement:
    """End a temporary care arrangement, today unless `end_date`."""
    end_date = end_date or timezone.localdate()
    arrangement = (
        CareArrangement.objects.select_for_update(of=("self",))
        .select_related("region")
        .get(pk=arrangement.pk)
    )
    errors = FieldErrors()
    if arrangement.status == CareArrangement.Status.ENDED:
        errors.add("end_date", _(CARE_ALREADY_ENDED))
    elif end_date < arrangement.start_date:
        errors.add("end_date", _(CARE_END_BEFORE_START))
    elif end_date > timezone.localdate():
        errors.add("end_date", _(CARE_END_IN_FUTURE))
    errors.raise_any()
    arrangement.end_date = end_date
    arrangement.status = CareArrangement.Status.ENDED
    arrangement.save(update_fields=["end_date", "status", "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"临时照料 {arrangement.pk} 结束",
        region_code=arrangement.region.code,
        detail={"end_date": end_date.isoformat()},
    )
    return arrangement


# --- weddings and funerals (婚丧事) ---------------------------------------------------------


def family_event_validate(
    *,
    region: Region,
    household: Household | None,
    kind: str,
    family_name: str,
    original_date: dt.date,
    new_date: dt.date | None,
    expected_size: object,
    status: str,
) -> None:
    """Raise a ValidationError keyed by field; a gathering that goes ahead stays small."""
    errors = FieldErrors()
    if region.level != Level.VILLAGE:
        errors.add("village", _(EVENT_NOT_VILLAGE))
    elif household is not None and not household.region.code.startswith(region.code):
        errors.add("household", _(EVENT_HOUSEHOLD_ELSEWHERE))
    if kind not in FamilyEvent.Kind.values:
        errors.add("kind", _(EVENT_KIND_INVALID))
    if status not in FamilyEvent.Status.values:
        errors.add("status", _(EVENT_STATUS_INVALID))
    if not family_name:
        errors.add("family_name", _(EVENT_FAMILY_REQUIRED))
    if not _is_whole_count(expected_size):
        errors.add("expected_size", _(EVENT_SIZE_INVALID))
    elif expected_size > MAX_GATHERING and status in (
        FamilyEvent.Status.SIMPLIFIED,
        FamilyEvent.Status.HELD,
    ):
        errors.add("expected_size", _(EVENT_TOO_LARGE).format(limit=MAX_GATHERING))
    if new_date is not None and new_date <= original_date:
        errors.add("new_date", _(EVENT_NEW_DATE_EARLY))
    errors.raise_any()


@transaction.atomic
def family_event_record(
    *,
    actor,
    region: Region,
    kind: str,
    family_name: str,
    original_date: dt.date,
    expected_size: int,
    status: str,
    household: Household | None = None,
    new_date: dt.date | None = None,
    note: str = "",
) -> FamilyEvent:
    """Record a wedding or funeral in a village and how it is handled (红事不办、白事简办)."""
    family_name, note = clean_text(family_name), clean_text(note)
    family_event_validate(
        region=region,
        household=household,
        kind=kind,
        family_name=family_name,
        original_date=original_date,
        new_date=new_date,
        expected_size=expected_size,
        status=status,
    )
    event = FamilyEvent(
        region=region,
        household=household,
        kind=kind,
        family_name=family_name,
        original_date=original_date,
        new_date=new_date,
        expected_size=expected_size,
        status=status,
        note=note,
    )
    event.full_clean()
    event.save()
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"婚丧事 {event.pk} {event.get_kind_display()}",
        region_code=region.code,
        detail={"status": status, "expected_size": expected_size},
    )
    return event


_UNCHANGED = object()


@transaction.atomic
def family_event_update(
    *,
    actor,
    event: FamilyEvent,
    status: str,
    new_date: dt.date | None | object = _UNCHANGED,
    expected_size: int | object = _UNCHANGED,
    note: str | object = _UNCHANGED,
) -> FamilyEvent:
    """Change how an event is handled (a postponed wedding later held, …). Arguments left
    out keep their stored values; `new_date=None` clears the new date."""
    event = (
        FamilyEvent.objects.select_for_update(of=("self",))
        .select_related("region", "household__region")
        .get(pk=event.pk)
    )
    before = {
        "status": event.status,
        "new_date": event.new_date.isoformat() if event.new_date else None,
        "expected_size": event.expected_size,
    }
    if new_date is not _UNCHANGED:
        event.new_date = new_date
    if expected_size is not _UNCHANGED:
        event.expected_size = expected_size
    if note is not _UNCHANGED:
        event.note = clean_text(note)
    event.status = status
    family_event_validate(
        region=event.region,
        household=event.household,
        kind=event.kind,
        family_name=event.family_name,
        original_date=event.original_date,
        new_date=event.new_date,
        expected_size=event.expected_size,
        status=event.status,
    )
    event.full_clean()
    event.save()
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"婚丧事 {event.pk} {event.get_kind_display()}",
        region_code=event.region.code,
        detail={
            "old": before,
            "new": {
                "status": event.status,
                "new_date": event.new_date.isoformat() if event.new_date else None,
                "expected_size": event.expected_size,
            },
        },
    )
    return event


# --- the villages' civil-affairs WeChat groups (民政事务微信群) -------------------------------


def _wechat_errors(*, region: Region, name: str, admin_name: str, members: object) -> FieldErrors:
    errors = FieldErrors()
    if region.level != Level.VILLAGE:
        errors.add("village", _(WECHAT_NOT_VILLAGE))
    if not name:
        errors.add("name", _(WECHAT_NAME_REQUIRED))
    if not admin_name:
        errors.add("admin_name", _(WECHAT_ADMIN_REQUIRED))
    if not _is_whole_count(members):
        errors.add("members", _(WECHAT_MEMBERS_INVALID))
    return errors


def wechat_group_validate(*, region: Region, name: str, admin_name: str, members: object) -> None:
    """Raise a ValidationError keyed by field for anything wrong with one group."""
    _wechat_errors(region=region, name=name, admin_name=admin_name, members=members).raise_any()


@transaction.atomic
def wechat_group_save(
    *,
    actor,
    region: Region,
    name: str,
    admin_name: str,
    admin_phone: str = "",
    members: int = 0,
    note: str = "",
) -> tuple[WeChatGroup, bool]:
    """Create the village's group called `name`, or update it if the village has one by that
    name. Returns (group, created)."""
    name, admin_name, note = clean_text(name), clean_text(admin_name), clean_text(note)
    errors = _wechat_errors(region=region, name=name, admin_name=admin_name, members=members)
    phone = _phone_into(errors, "admin_phone", clean_text(admin_phone), required=False, message="")
    errors.raise_any()
    group = (
        WeChatGroup.objects.select_for_update(of=("self",)).filter(region=region, name=name).first()
    )
    created = group is None
    if created:
        group = WeChatGroup(region=region, name=name)
    group.admin_name = admin_name
    group.admin_phone = encrypt(phone)
    group.admin_phone_masked = mask_phone(phone)
    group.members = members
    group.note = note
    # Uniqueness of (region, name) holds: the row was looked up above.
    group.full_clean(validate_unique=False, validate_constraints=False)
    group.save()
    audit_record(
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"微信群 {group.pk} {name}",
        region_code=region.code,
        detail={"members": members},
    )
    return group, created
