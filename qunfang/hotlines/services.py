"""Writes of the hotline line of work. Each service validates, stores and audits in one
transaction; access (who may act where) is checked by the caller through org.access.

The child-in-danger escalation hands the child to civil affairs through relief's own service
(relief.services.care_arrange), so the care arrangement obeys every rule relief applies.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qunfang.core.audit import audit_record
from qunfang.core.crypto import blind_index, decrypt, encrypt
from qunfang.core.errors import FieldErrors, clean_text
from qunfang.core.idcard import (
    InvalidIdNumber,
    age_on,
    mask_id_number,
    mask_phone,
    parse_id_number,
    parse_phone,
)
from qunfang.core.models import AuditEvent
from qunfang.hotlines.models import MAX_CALL_MINUTES, MAX_SHIFT_HOURS, Call, Escalation, Line, Shift
from qunfang.org.access import subtree_q
from qunfang.org.models import Department, Membership, Region
from qunfang.org.roles import ROLE_CAPABILITIES, Capability, Level, Role
from qunfang.relief import services as relief_services
from qunfang.relief.models import CHILD_AGE, CareArrangement
from qunfang.residents.models import Person

LINE_NAME_REQUIRED = gettext_noop("请填写热线名称。")
LINE_NUMBER_INVALID = gettext_noop("热线号码只能包含数字和“-”，3到20位。")
LINE_KIND_INVALID = gettext_noop("请选择热线类别。")
LINE_NUMBER_TAKEN = gettext_noop("本区域已登记这个热线号码。")

SHIFT_ORDER = gettext_noop("结束时间应晚于开始时间。")
SHIFT_TOO_LONG = gettext_noop("一个班次不能超过 {hours} 小时。")
SHIFT_NOT_COUNSELLOR = gettext_noop("该用户没有接听热线的职责，不能排班。")
SHIFT_OVERLAP = gettext_noop("该咨询师在 {start}–{end} 已有班次，时间不能重叠。")
LINE_INACTIVE = gettext_noop("这条热线已停用。")

CALL_IN_FUTURE = gettext_noop("来电时间不能晚于现在。")
CALL_DURATION = gettext_noop("通话时长应为 0 到 {limit} 分钟的整数。")
CALLER_TYPE_INVALID = gettext_noop("请选择来电人类别。")
TOPIC_INVALID = gettext_noop("请选择主题。")
RISK_INVALID = gettext_noop("请选择风险等级。")
ACTION_INVALID = gettext_noop("请选择处置方式。")
FOLLOW_UP_BEFORE_CALL = gettext_noop("回访期限不能早于来电日期。")
FOLLOW_UP_REQUIRED = gettext_noop("高风险和紧急来电须定回访期限。")
FOLLOW_UP_NONE = gettext_noop("这次来电没有安排回访。")
FOLLOW_UP_ALREADY = gettext_noop("这次来电已经回访。")
FOLLOW_UP_DATE = gettext_noop("回访日期应在来电日期与今天之间。")
FOLLOW_UP_NOTE_REQUIRED = gettext_noop("请简要填写回访情况。")

ESCALATION_NOT_VILLAGE = gettext_noop("请选择儿童所在的村（社区）。")
ESCALATION_CHILD_REQUIRED = gettext_noop("请填写儿童姓名。")
ESCALATION_SITUATION_REQUIRED = gettext_noop("请写明儿童面临的危险情况。")
ESCALATION_REASON_INVALID = gettext_noop("请选择无人监护原因。")
ESCALATION_EXISTS = gettext_noop("这次来电已经转介过。")
ESCALATION_NOT_CHILD = gettext_noop("身份证号显示此人已满 18 周岁，不属于未成年人救助。")
ESCALATION_CARER_PARTIAL = gettext_noop("立即安置须同时填写照料人、照料人电话和照料地点。")
ESCALATION_NOT_IN_REGISTER = gettext_noop(
    "该村人口台账中没有这个身份证号，请民政先登记再安置；转介已记录为“待民政安置”。"
)
ESCALATION_NOT_PENDING = gettext_noop("这条转介已经处理，不能重复安置或结案。")
ESCALATION_ID_REQUIRED = gettext_noop("安置须填写儿童的身份证号（用于查找人口台账）。")
ESCALATION_NAME_MISMATCH = gettext_noop("身份证号对应的人员姓名与转介的儿童姓名不一致。")
ESCALATION_CLOSE_NOTE = gettext_noop("结案须写明原因（如已由亲属接回）。")


# --- lines ----------------------------------------------------------------------------------


@transaction.atomic
def line_create(
    *,
    actor,
    region: Region,
    name: str,
    number: str,
    kind: str,
    hours: str = "24小时",
    opened_on: dt.date | None = None,
) -> Line:
    """Register a hotline number run by `region`."""
    name, number, hours = clean_text(name), clean_text(number), clean_text(hours) or "24小时"
    errors = FieldErrors()
    if not name:
        errors.add("name", _(LINE_NAME_REQUIRED))
    # ASCII digits: isdigit() also passes "²" and the digits of other scripts.
    if not (3 <= len(number) <= 20) or not all(c in "0123456789-" for c in number):
        errors.add("number", _(LINE_NUMBER_INVALID))
    elif Line.objects.filter(region=region, number=number).exists():
        errors.add("number", _(LINE_NUMBER_TAKEN))
    if kind not in Line.Kind.values:
        errors.add("kind", _(LINE_KIND_INVALID))
    errors.raise_any()
    line = Line.objects.create(
        region=region, name=name, number=number, kind=kind, hours=hours, opened_on=opened_on
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"热线 {line.pk} {number}",
        region_code=region.code,
    )
    return line


# --- counsellors and shifts -----------------------------------------------------------------

HOTLINE_ROLES = [
    role for role, caps in ROLE_CAPABILITIES.items() if Capability.HANDLE_HOTLINE in caps
]


def hotline_memberships(user) -> list[Membership]:
    """The user's active memberships that let them take hotline calls."""
    return list(
        Membership.objects.filter(user=user, is_active=True, role__in=HOTLINE_ROLES)
        .select_related("region")
        .order_by("region__code")
    )


@transaction.atomic
def shift_create(
    *,
    actor,
    line: Line,
    counsellor,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    note: str = "",
) -> Shift:
    """Put a counsellor on duty. One counsellor is never on two shifts at once (on any line)."""
    # Lock the counsellor so two planners cannot book overlapping shifts at the same moment.
    counsellor = get_user_model().objects.select_for_update().get(pk=counsellor.pk)
    errors = FieldErrors()
    memberships = hotline_memberships(counsellor)
    if not memberships:
        errors.add("counsellor", _(SHIFT_NOT_COUNSELLOR))
    if not line.is_active:
        errors.add("line", _(LINE_INACTIVE))
    if ends_at <= starts_at:
        errors.add("ends_at", _(SHIFT_ORDER))
    elif ends_at - starts_at > dt.timedelta(hours=MAX_SHIFT_HOURS):
        errors.add("ends_at", _(SHIFT_TOO_LONG).format(hours=MAX_SHIFT_HOURS))
    else:
        clash = (
            Shift.objects.filter(
                counsellor=counsellor, starts_at__lt=ends_at, ends_at__gt=starts_at
            )
            .order_by("starts_at")
            .first()
        )
        if clash is not None:
            errors.add(
                "starts_at",
                _(SHIFT_OVERLAP).format(
                    start=f"{timezone.localtime(clash.starts_at):%m-%d %H:%M}",
                    end=f"{timezone.localtime(clash.ends_at):%m-%d %H:%M}",
                ),
            )
    errors.raise_any()
    shift = Shift.objects.create(
        line=line,
        counsellor=counsellor,
        region=memberships[0].region,
        starts_at=starts_at,
        ends_at=ends_at,
        note=clean_text(note),
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"热线值班 {shift.pk} {counsellor.get_username()}",
        region_code=shift.region.code,
        detail={"line": line.number, "starts_at": starts_at.isoformat()},
    )
    return shift


# --- the call log ---------------------------------------------------------------------------


def call_validate(
    *,
    received_at: dt.datetime,
    duration_minutes: object,
    caller_type: str,
    topic: str,
    risk: str,
    action: str,
    follow_up_due: dt.date | None,
) -> None:
    """Raise a ValidationError keyed by field for anything wrong with one call."""
    errors = FieldErrors()
    if received_at > timezone.now() + dt.timedelta(minutes=1):
        errors.add("received_at", _(CALL_IN_FUTURE))
    if (
        not isinstance(duration_minutes, int)
        or isinstance(duration_minutes, bool)
        or not 0 <= duration_minutes <= MAX_CALL_MINUTES
    ):
        errors.add("duration_minutes", _(CALL_DURATION).format(limit=MAX_CALL_MINUTES))
    if caller_type not in Call.CallerType.values:
        errors.add("caller_type", _(CALLER_TYPE_INVALID))
    if topic not in Call.Topic.values:
        errors.add("topic", _(TOPIC_INVALID))
    if risk not in Call.Risk.values:
        errors.add("risk", _(RISK_INVALID))
    if action not in Call.Action.values:
        errors.add("action", _(ACTION_INVALID))
    received_on = timezone.localtime(received_at).date()
    if follow_up_due is not None and follow_up_due < received_on:
        errors.add("follow_up_due", _(FOLLOW_UP_BEFORE_CALL))
    elif follow_up_due is None and risk in (Call.Risk.HIGH, Call.Risk.CRITICAL):
        errors.add("follow_up_due", _(FOLLOW_UP_REQUIRED))
    errors.raise_any()


@transaction.atomic
def call_record(
    *,
    actor,
    line: Line,
    region: Region,
    received_at: dt.datetime,
    duration_minutes: int,
    caller_type: str,
    topic: str,
    risk: str,
    action: str,
    caller_phone: str = "",
    notes: str = "",
    follow_up_due: dt.date | None = None,
) -> Call:
    """Log one call. The caller's number and the notes are stored encrypted."""
    errors = FieldErrors()
    try:
        call_validate(
            received_at=received_at,
            duration_minutes=duration_minutes,
            caller_type=caller_type,
            topic=topic,
            risk=risk,
            action=action,
            follow_up_due=follow_up_due,
        )
    except ValidationError as error:
        for field, field_messages in error.message_dict.items():
            for message in field_messages:
                errors.add(field, message)
    phone = ""
    if clean_text(caller_phone):
        try:
            phone = parse_phone(caller_phone)
        except ValueError as error:
            errors.add("caller_phone", str(error))
    errors.raise_any()
    call = Call.objects.create(
        line=line,
        region=region,
        taken_by=actor,
        received_at=received_at,
        duration_minutes=duration_minutes,
        caller_type=caller_type,
        caller_phone=encrypt(phone),
        caller_phone_index=blind_index(phone) if phone else "",
        caller_phone_masked=mask_phone(phone),
        topic=topic,
        risk=risk,
        action=action,
        notes=encrypt(clean_text(notes)),
        follow_up_due=follow_up_due,
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"热线来电 {call.pk} {line.number}",
        region_code=region.code,
        detail={"topic": topic, "risk": risk},
    )
    return call


@transaction.atomic
def call_follow_up(*, actor, call: Call, note: str, done_on: dt.date | None = None) -> Call:
    """Record that a call was followed up (回访)."""
    done_on = done_on or timezone.localdate()
    call = Call.objects.select_for_update(of=("self",)).select_related("region").get(pk=call.pk)
    note = clean_text(note)
    errors = FieldErrors()
    if call.follow_up_due is None:
        errors.add("done_on", _(FOLLOW_UP_NONE))
    elif call.follow_up_done_on is not None:
        errors.add("done_on", _(FOLLOW_UP_ALREADY))
    elif not timezone.localtime(call.received_at).date() <= done_on <= timezone.localdate():
        errors.add("done_on", _(FOLLOW_UP_DATE))
    if not note:
        errors.add("note", _(FOLLOW_UP_NOTE_REQUIRED))
    errors.raise_any()
    overdue = call.follow_up_overdue
    call.follow_up_done_on = done_on
    call.follow_up_note = note[:200]
    call.save(update_fields=["follow_up_done_on", "follow_up_note", "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"热线来电 {call.pk} 回访",
        region_code=call.region.code,
        detail={"done_on": done_on.isoformat(), "was_overdue": overdue},
    )
    return call


def may_read_notes(user, code: str) -> bool:
    """Counselling notes are for those who answer the line: counsellors, and the staff of the
    Youth League committee that runs 12355 (团委), at or above the call's region. Others who
    handle hotline matters (leaders, towns, other work groups) see the log without the notes."""
    if user.is_superuser:
        return True
    return any(
        code.startswith(m.region.code)
        and (
            m.role == Role.COUNSELLOR
            or (m.department is not None and m.department.kind == Department.Kind.YOUTH_LEAGUE)
        )
        for m in Membership.objects.filter(user=user, is_active=True).select_related(
            "region", "department"
        )
    )


def call_read_notes(*, actor, call: Call, request=None) -> str:
    """The counsellor's notes of a call, decrypted; every read is audited. Refused (403) to
    anyone `may_read_notes` does not allow."""
    if not may_read_notes(actor, call.region.code):
        raise PermissionDenied
    audit_record(
        action=AuditEvent.Action.READ,
        actor=actor,
        target=f"热线来电 {call.pk} 咨询记录",
        region_code=call.region.code,
        request=request,
    )
    return decrypt(call.notes)


def call_reveal_phone(*, actor, call: Call, request=None) -> str:
    """The caller's full number, for a role allowed to see it; every reveal is audited."""
    audit_record(
        action=AuditEvent.Action.READ,
        actor=actor,
        target=f"热线来电 {call.pk} 完整来电号码",
        region_code=call.region.code,
        request=request,
    )
    return decrypt(call.caller_phone)


def calls_from_same_number(call: Call) -> int:
    """How many calls on record came from the caller's number (this one included)."""
    if not call.caller_phone_index:
        return 0
    return Call.objects.filter(caller_phone_index=call.caller_phone_index).count()


# --- child-in-danger escalation to civil affairs ---------------------------------------------


def _child_in_register(village: Region, id_number: str) -> Person | None:
    return (
        Person.objects.filter(subtree_q(village.code, "region__code"))
        .filter(id_index=blind_index(id_number))
        .select_related("region")
        .first()
    )


def _care_errors_into(errors: FieldErrors, error: ValidationError) -> None:
    """relief's errors keyed by its field names, keyed by the escalation form's instead."""
    names = {"person": "child_id_number", "start_date": "child_id_number"}
    for field, field_messages in error.message_dict.items():
        for message in field_messages:
            errors.add(names.get(field, field), message)


@transaction.atomic
def call_escalate(
    *,
    actor,
    call: Call,
    village: Region,
    child_name: str,
    situation: str,
    reason: str,
    child_id_number: str = "",
    carer_name: str = "",
    carer_phone: str = "",
    place: str = "",
) -> Escalation:
    """Hand a child in danger to civil affairs of the child's village.

    When the child's ID number finds them in the village's population register and a carer
    is named, a temporary care arrangement (relief.CareArrangement) is made now through
    relief.services.care_arrange and linked to the escalation; otherwise the escalation waits
    as PENDING for civil affairs to place the child (escalation_place)."""
    call = Call.objects.select_for_update(of=("self",)).get(pk=call.pk)
    child_name, situation = clean_text(child_name), clean_text(situation)
    carer_name, carer_phone, place = (
        clean_text(carer_name),
        clean_text(carer_phone),
        clean_text(place),
    )
    errors = FieldErrors()
    if Escalation.objects.filter(call=call).exists():
        errors.add("__all__", _(ESCALATION_EXISTS))
    if village.level != Level.VILLAGE:
        errors.add("village", _(ESCALATION_NOT_VILLAGE))
    if not child_name:
        errors.add("child_name", _(ESCALATION_CHILD_REQUIRED))
    if not situation:
        errors.add("situation", _(ESCALATION_SITUATION_REQUIRED))
    if reason not in CareArrangement.Reason.values:
        errors.add("reason", _(ESCALATION_REASON_INVALID))
    id_number = _parse_child_id(errors, child_id_number)
    carer_given = [bool(carer_name), bool(carer_phone), bool(place)]
    if any(carer_given) and not all(carer_given):
        errors.add("carer_name", _(ESCALATION_CARER_PARTIAL))
    errors.raise_any()
    escalation = Escalation.objects.create(
        call=call,
        region=village,
        child_name=child_name,
        child_id_number=encrypt(id_number),
        child_id_index=blind_index(id_number) if id_number else "",
        child_id_masked=mask_id_number(id_number) if id_number else "",
        situation=situation[:500],
        reason=reason,
        created_by=actor,
    )
    call.action = Call.Action.ESCALATED
    call.save(update_fields=["action", "updated_at"])
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"困境儿童转介 {escalation.pk} 来电{call.pk}",
        region_code=village.code,
        detail={"reason": reason},
    )
    if id_number and all(carer_given):
        person = _child_in_register(village, id_number)
        if person is not None:
            _place(
                actor=actor,
                escalation=escalation,
                person=person,
                carer_name=carer_name,
                carer_phone=carer_phone,
                place=place,
            )
    return escalation


def _parse_child_id(errors: FieldErrors, raw: str) -> str:
    raw = clean_text(raw)
    if not raw:
        return ""
    try:
        parsed = parse_id_number(raw)
    except InvalidIdNumber as error:
        errors.add("child_id_number", str(error))
        return ""
    if age_on(parsed.birth_date, timezone.localdate()) >= CHILD_AGE:
        errors.add("child_id_number", _(ESCALATION_NOT_CHILD))
    return parsed.value


def _place(*, actor, escalation: Escalation, person: Person, carer_name, carer_phone, place):
    errors = FieldErrors()
    if person.name != escalation.child_name:
        errors.add("child_id_number", _(ESCALATION_NAME_MISMATCH))
        errors.raise_any()
    try:
        arrangement = relief_services.care_arrange(
            actor=actor,
            person=person,
            reason=escalation.reason,
            carer_name=carer_name,
            carer_phone=carer_phone,
            place=place,
            start_date=timezone.localdate(),
            note=_("热线转介（来电 %(call)s）") % {"call": escalation.call_id},
        )
    except ValidationError as error:
        _care_errors_into(errors, error)
        errors.raise_any()
    escalation.care = arrangement
    escalation.status = Escalation.Status.PLACED
    escalation.save(update_fields=["care", "status", "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"困境儿童转介 {escalation.pk} 已安置",
        region_code=escalation.region.code,
        detail={"care": arrangement.pk},
    )
    return escalation


@transaction.atomic
def escalation_place(
    *,
    actor,
    escalation: Escalation,
    child_id_number: str,
    carer_name: str,
    carer_phone: str,
    place: str,
) -> Escalation:
    """Civil affairs places a pending escalation's child in temporary care."""
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("region")
        .get(pk=escalation.pk)
    )
    errors = FieldErrors()
    if escalation.status != Escalation.Status.PENDING:
        errors.add("__all__", _(ESCALATION_NOT_PENDING))
        errors.raise_any()
    id_number = _parse_child_id(errors, child_id_number)
    if not clean_text(child_id_number):
        errors.add("child_id_number", _(ESCALATION_ID_REQUIRED))
    errors.raise_any()
    person = _child_in_register(escalation.region, id_number)
    if person is None:
        errors.add("child_id_number", _(ESCALATION_NOT_IN_REGISTER))
        errors.raise_any()
    escalation.child_id_number = encrypt(id_number)
    escalation.child_id_index = blind_index(id_number)
    escalation.child_id_masked = mask_id_number(id_number)
    escalation.save(update_fields=["child_id_number", "child_id_index", "child_id_masked"])
    return _place(
        actor=actor,
        escalation=escalation,
        person=person,
        carer_name=clean_text(carer_name),
        carer_phone=clean_text(carer_phone),
        place=clean_text(place),
    )


@transaction.atomic
def escalation_close(*, actor, escalation: Escalation, note: str) -> Escalation:
    """Close a pending escalation that needs no placement (the child is safe with family)."""
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("region")
        .get(pk=escalation.pk)
    )
    note = clean_text(note)
    errors = FieldErrors()
    if escalation.status != Escalation.Status.PENDING:
        errors.add("__all__", _(ESCALATION_NOT_PENDING))
    if not note:
        errors.add("note", _(ESCALATION_CLOSE_NOTE))
    errors.raise_any()
    escalation.status = Escalation.Status.CLOSED
    escalation.closed_note = note[:200]
    escalation.save(update_fields=["status", "closed_note", "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"困境儿童转介 {escalation.pk} 结案",
        region_code=escalation.region.code,
    )
    return escalation
