import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from qunfang.core.crypto import decrypt
from qunfang.core.models import AuditEvent
from qunfang.hotlines import services
from qunfang.hotlines.models import Call, Escalation, Line, Shift
from qunfang.hotlines.tests.conftest import hours_ago, log_call
from qunfang.relief.models import CareArrangement
from qunfang.relief.tests.conftest import add_household, add_person, child_birth, make_id_number
from qunfang.residents.models import Relation


def messages_of(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


# --- lines and shifts -----------------------------------------------------------------------


def test_a_line_number_is_digits_and_unique_in_its_region(cast, lines):
    with pytest.raises(ValidationError) as caught:
        services.line_create(
            actor=cast.hq, region=cast.district, name="", number="12355", kind="psychological"
        )
    errors = messages_of(caught.value)
    assert errors["name"] == ["请填写热线名称。"]
    assert errors["number"] == ["本区域已登记这个热线号码。"]
    with pytest.raises(ValidationError) as caught:
        services.line_create(
            actor=cast.hq, region=cast.district, name="x", number="12a55", kind="nope"
        )
    assert set(messages_of(caught.value)) == {"number", "kind"}
    for number in ("12²55", "12٣55"):  # str.isdigit() passes both
        with pytest.raises(ValidationError) as caught:
            services.line_create(
                actor=cast.hq, region=cast.district, name="x", number=number, kind="psychological"
            )
        assert set(messages_of(caught.value)) == {"number"}


def test_a_counsellor_cannot_hold_two_overlapping_shifts(cast, lines):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    first = services.shift_create(
        actor=cast.hq,
        line=lines.psych,
        counsellor=cast.counsellor,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=8),
    )
    assert first.region == cast.district
    with pytest.raises(ValidationError) as caught:
        services.shift_create(
            actor=cast.hq,
            line=lines.rescue,  # another line does not help: one person, one place at a time
            counsellor=cast.counsellor,
            starts_at=start + dt.timedelta(hours=7),
            ends_at=start + dt.timedelta(hours=12),
        )
    assert "已有班次" in messages_of(caught.value)["starts_at"][0]
    # Back to back is fine.
    services.shift_create(
        actor=cast.hq,
        line=lines.rescue,
        counsellor=cast.counsellor,
        starts_at=start + dt.timedelta(hours=8),
        ends_at=start + dt.timedelta(hours=16),
    )
    assert Shift.objects.filter(counsellor=cast.counsellor).count() == 2


def test_a_shift_needs_a_hotline_role_an_order_and_a_sane_length(cast, lines):
    start = timezone.now() + dt.timedelta(days=2)
    with pytest.raises(ValidationError) as caught:
        services.shift_create(
            actor=cast.hq,
            line=lines.psych,
            counsellor=cast.village_cadre,
            starts_at=start,
            ends_at=start - dt.timedelta(hours=1),
        )
    errors = messages_of(caught.value)
    assert errors["counsellor"] == ["该用户没有接听热线的职责，不能排班。"]
    assert errors["ends_at"] == ["结束时间应晚于开始时间。"]
    with pytest.raises(ValidationError) as caught:
        services.shift_create(
            actor=cast.hq,
            line=lines.psych,
            counsellor=cast.counsellor,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=25),
        )
    assert messages_of(caught.value)["ends_at"] == ["一个班次不能超过 24 小时。"]


# --- calls ----------------------------------------------------------------------------------


def test_the_callers_number_and_the_notes_are_stored_encrypted(cast, lines):
    call = log_call(cast.counsellor, lines.psych, cast.village, caller_phone="138 1234 5678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT caller_phone, notes FROM hotlines_call WHERE id = %s", [call.pk])
        phone, notes = cursor.fetchone()
    assert "13812345678" not in phone and "睡不着" not in notes
    assert decrypt(phone) == "13812345678"
    assert call.caller_phone_masked == "138****5678"
    assert call.taken_by == cast.counsellor
    assert AuditEvent.objects.filter(action="create", target__startswith="热线来电").exists()


def test_a_call_is_validated_field_by_field(cast, lines):
    with pytest.raises(ValidationError) as caught:
        log_call(
            cast.counsellor,
            lines.psych,
            cast.village,
            received_at=timezone.now() + dt.timedelta(hours=2),
            duration_minutes=601,
            risk=Call.Risk.CRITICAL,
            topic="gossip",
            caller_phone="12345",
        )
    errors = messages_of(caught.value)
    assert errors["received_at"] == ["来电时间不能晚于现在。"]
    assert errors["duration_minutes"] == ["通话时长应为 0 到 600 分钟的整数。"]
    assert errors["follow_up_due"] == ["高风险和紧急来电须定回访期限。"]
    assert errors["topic"] == ["请选择主题。"]
    assert "caller_phone" in errors
    assert Call.objects.count() == 0


def test_an_anonymous_call_keeps_no_number(cast, lines):
    call = log_call(cast.counsellor, lines.psych, cast.village, caller_phone="")
    assert (call.caller_phone, call.caller_phone_masked, call.caller_phone_index) == ("", "", "")
    assert services.calls_from_same_number(call) == 0


def test_repeat_callers_are_recognised_by_the_blind_index(cast, lines):
    first = log_call(cast.counsellor, lines.psych, cast.village)
    log_call(cast.counsellor, lines.rescue, cast.village, received_at=hours_ago(1))
    assert services.calls_from_same_number(first) == 2


def test_only_those_who_answer_the_line_read_the_notes(cast, calls):
    """Counsellors and the Youth League's staff read notes; a leader, a town cadre or another
    work group's staff who handle hotline matters do not, and no read is recorded for them."""
    for user in (cast.hq, cast.dept, cast.town_cadre):
        assert not services.may_read_notes(user, calls.own.region.code)
        with pytest.raises(PermissionDenied):
            services.call_read_notes(actor=user, call=calls.own)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.READ).exists()
    assert services.may_read_notes(cast.counsellor, calls.own.region.code)


def test_reading_the_notes_is_audited(cast, calls):
    notes = services.call_read_notes(actor=cast.counsellor, call=calls.own)
    assert "睡不着" in notes
    event = AuditEvent.objects.get(action=AuditEvent.Action.READ)
    assert event.actor == cast.counsellor
    assert event.region_code == cast.village.code


def test_a_follow_up_is_recorded_once_and_an_overdue_one_is_flagged(cast, lines):
    call = log_call(
        cast.counsellor,
        lines.psych,
        cast.village,
        received_at=timezone.now() - dt.timedelta(days=5),
        risk=Call.Risk.HIGH,
        follow_up_due=timezone.localdate() - dt.timedelta(days=2),
    )
    assert call.follow_up_overdue is True
    with pytest.raises(ValidationError) as caught:
        services.call_follow_up(actor=cast.counsellor, call=call, note="")
    assert messages_of(caught.value)["note"] == ["请简要填写回访情况。"]
    done = services.call_follow_up(actor=cast.counsellor, call=call, note="情绪稳定")
    assert done.follow_up_done_on == timezone.localdate()
    assert done.follow_up_overdue is False
    event = AuditEvent.objects.filter(target__endswith="回访").get()
    assert event.detail["was_overdue"] is True
    with pytest.raises(ValidationError):
        services.call_follow_up(actor=cast.counsellor, call=call, note="再次")


# --- escalation to civil affairs ------------------------------------------------------------


@pytest.fixture
def child(cast):
    home = add_household(cast.village, "0009")
    add_person(home, "刘大军", dt.date(1985, 1, 1), relation=Relation.HEAD)
    id_number = make_id_number(child_birth())
    person = add_person(home, "刘小雨", child_birth(), relation=Relation.CHILD, id_number=id_number)
    return person, id_number


def escalate(cast, call, **kwargs):
    values = {
        "village": cast.village,
        "child_name": "刘小雨",
        "situation": "父母均在隔离点，8岁孩子独自在家两天，家中断粮。",
        "reason": CareArrangement.Reason.CARER_ISOLATED,
    }
    values.update(kwargs)
    return services.call_escalate(actor=cast.counsellor, call=call, **values)


def test_a_registered_child_is_placed_in_temporary_care_through_relief(cast, calls, child):
    person, id_number = child
    escalation = escalate(
        cast,
        calls.own,
        child_id_number=id_number,
        carer_name="村妇联主任王芳",
        carer_phone="13700001234",
        place="南村村委会临时照料点",
    )
    assert escalation.status == Escalation.Status.PLACED
    care = escalation.care
    assert care.person == person
    assert care.status == CareArrangement.Status.ACTIVE
    assert care.carer_phone_masked == "137****1234"
    assert f"来电 {calls.own.pk}" in care.note
    assert escalation.child_id_masked.endswith(id_number[-4:])
    calls.own.refresh_from_db()
    assert calls.own.action == Call.Action.ESCALATED
    assert AuditEvent.objects.filter(target__startswith="临时照料").exists()


def test_an_unregistered_child_waits_for_civil_affairs_who_place_later(cast, calls, child):
    person, id_number = child
    escalation = escalate(cast, calls.own, child_id_number="")
    assert escalation.status == Escalation.Status.PENDING
    assert escalation.care is None
    with pytest.raises(ValidationError) as caught:
        services.escalation_place(
            actor=cast.town_cadre,
            escalation=escalation,
            child_id_number=make_id_number(child_birth()),
            carer_name="王芳",
            carer_phone="13700001234",
            place="村委会",
        )
    assert "人口台账中没有" in messages_of(caught.value)["child_id_number"][0]
    placed = services.escalation_place(
        actor=cast.town_cadre,
        escalation=escalation,
        child_id_number=id_number,
        carer_name="王芳",
        carer_phone="13700001234",
        place="村委会",
    )
    assert placed.status == Escalation.Status.PLACED
    assert placed.care.person == person
    with pytest.raises(ValidationError):
        services.escalation_close(actor=cast.town_cadre, escalation=placed, note="重复")


def test_an_escalation_is_refused_for_an_adult_a_second_time_or_half_a_carer(cast, calls, child):
    with pytest.raises(ValidationError) as caught:
        escalate(
            cast,
            calls.own,
            child_id_number=make_id_number(dt.date(1990, 1, 1)),
            carer_name="王芳",
            village=cast.town,
            situation="",
        )
    errors = messages_of(caught.value)
    assert errors["child_id_number"] == ["身份证号显示此人已满 18 周岁，不属于未成年人救助。"]
    assert errors["carer_name"] == ["立即安置须同时填写照料人、照料人电话和照料地点。"]
    assert errors["village"] == ["请选择儿童所在的村（社区）。"]
    assert errors["situation"] == ["请写明儿童面临的危险情况。"]
    escalate(cast, calls.own)
    with pytest.raises(ValidationError) as caught:
        escalate(cast, calls.own)
    assert caught.value.message_dict["__all__"] == ["这次来电已经转介过。"]


def test_a_name_that_does_not_match_the_register_rolls_everything_back(cast, calls, child):
    _person, id_number = child
    with pytest.raises(ValidationError) as caught:
        escalate(
            cast,
            calls.own,
            child_name="别人家孩子",
            child_id_number=id_number,
            carer_name="王芳",
            carer_phone="13700001234",
            place="村委会",
        )
    assert messages_of(caught.value)["child_id_number"] == [
        "身份证号对应的人员姓名与转介的儿童姓名不一致。"
    ]
    assert Escalation.objects.count() == 0
    assert CareArrangement.objects.count() == 0
    calls.own.refresh_from_db()
    assert calls.own.action == Call.Action.COUNSELLED


def test_a_pending_escalation_is_closed_with_a_reason(cast, calls):
    escalation = escalate(cast, calls.own)
    with pytest.raises(ValidationError):
        services.escalation_close(actor=cast.town_cadre, escalation=escalation, note=" ")
    closed = services.escalation_close(
        actor=cast.town_cadre, escalation=escalation, note="已由外婆接回照看"
    )
    assert closed.status == Escalation.Status.CLOSED


def test_lines_are_listed_for_the_scope_and_above_it(cast, lines):
    from qunfang.hotlines.selectors import line_list
    from qunfang.org.testing import assert_queryset_scoped

    assert_queryset_scoped(
        line_list, user=cast.village_cadre, visible=[lines.psych], hidden=[lines.foreign]
    )
    assert_queryset_scoped(
        line_list, user=cast.other_town_cadre, visible=[lines.foreign], hidden=[lines.psych]
    )
    assert Line.objects.count() == 3
