import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from qunfang.core.crypto import decrypt
from qunfang.core.models import AuditEvent
from qunfang.relief import services
from qunfang.relief.models import (
    MAX_GATHERING,
    PAPERWORK_DAYS,
    AssistanceCase,
    CareArrangement,
    FamilyEvent,
    WeChatGroup,
)
from qunfang.relief.tests.conftest import days_ago, grant, on_run
from qunfang.residents.models import Person

IN_KIND, BOTH = AssistanceCase.Form.IN_KIND, AssistanceCase.Form.BOTH


def messages_of(error: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return error.value.message_dict


# --- assistance_grant ------------------------------------------------------------------------


def test_it_grants_assistance_first_with_paperwork_due_in_30_days(cast, homes):
    case = grant(cast.village_cadre, homes.grid_home, days=2, cash="800.50")
    assert case.region == homes.grid_home.region == cast.grid
    assert case.cash_amount == Decimal("800.50")
    assert case.paperwork_due == case.granted_on + dt.timedelta(days=PAPERWORK_DAYS)
    assert case.paperwork_done_on is None
    assert case.granted_by == cast.village_cadre
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, target__startswith="临时救助")
    assert event.region_code == cast.grid.code
    assert event.actor == cast.village_cadre
    assert event.detail["cash_amount"] == "800.50"


def test_it_keeps_a_paperwork_deadline_that_is_given(cast, homes):
    case = grant(cast.village_cadre, homes.home, days=2, paperwork_due=days_ago(-60))
    assert case.paperwork_due == days_ago(-60)


@pytest.mark.parametrize(
    ("_case", "kwargs", "field", "message"),
    [
        ("negative cash", {"cash": "-1"}, "cash_amount", services.CASH_NEGATIVE),
        ("cash without amount", {"cash": None}, "cash_amount", services.CASH_REQUIRED),
        ("zero cash", {"cash": "0"}, "cash_amount", services.CASH_REQUIRED),
        (
            "goods without description",
            {"form": IN_KIND, "cash": None},
            "in_kind_description",
            services.IN_KIND_REQUIRED,
        ),
        (
            "cash on an in-kind grant",
            {"form": IN_KIND, "in_kind_description": "米面油"},
            "cash_amount",
            services.CASH_NOT_FOR_IN_KIND,
        ),
        ("both without goods", {"form": BOTH}, "in_kind_description", services.IN_KIND_REQUIRED),
        ("granted tomorrow", {"days": -1}, "granted_on", services.GRANTED_IN_FUTURE),
        (
            "due before the grant",
            {"paperwork_due": lambda: days_ago(10)},
            "paperwork_due",
            services.DUE_BEFORE_GRANT,
        ),
        (
            "other without detail",
            {"reason": "other"},
            "reason_detail",
            services.REASON_DETAIL_REQUIRED,
        ),
        ("unknown reason", {"reason": "lottery"}, "reason", services.REASON_INVALID),
        ("unknown form", {"form": "voucher"}, "form", services.FORM_INVALID),
    ],
)
def test_it_refuses_a_bad_grant_and_writes_nothing(cast, homes, _case, kwargs, field, message):
    with pytest.raises(ValidationError) as error:
        grant(cast.village_cadre, homes.home, **on_run(kwargs))
    assert message in messages_of(error)[field]
    assert not AssistanceCase.objects.exists()
    assert not AuditEvent.objects.filter(target__startswith="临时救助").exists()


def test_it_reports_every_problem_of_a_grant_at_once(cast, homes):
    with pytest.raises(ValidationError) as error:
        grant(cast.village_cadre, homes.home, cash="-5", days=-3, form=BOTH)
    assert set(messages_of(error)) == {"cash_amount", "in_kind_description", "granted_on"}


def test_an_in_kind_grant_needs_no_cash(cast, homes):
    case = grant(cast.village_cadre, homes.home, form=IN_KIND, cash=None, in_kind_description="米")
    assert case.cash_amount is None
    assert case.get_form_display() == "实物"


# --- paperwork (先救助后补手续) ------------------------------------------------------------------


def test_paperwork_is_overdue_only_when_missing_after_its_due_date(cast, homes):
    overdue = grant(cast.village_cadre, homes.home, days=PAPERWORK_DAYS + 1)
    due_today = grant(cast.village_cadre, homes.grid_home, days=PAPERWORK_DAYS)
    assert overdue.paperwork_overdue is True
    assert due_today.paperwork_overdue is False
    services.assistance_complete_paperwork(actor=cast.village_cadre, case=overdue)
    overdue.refresh_from_db()
    assert overdue.paperwork_overdue is False


def test_it_completes_paperwork_and_audits_it(cast, homes):
    case = grant(cast.village_cadre, homes.home, days=40)
    done = services.assistance_complete_paperwork(
        actor=cast.town_cadre, case=case, done_on=days_ago(1)
    )
    assert done.paperwork_done_on == days_ago(1)
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert event.actor == cast.town_cadre
    assert event.region_code == cast.village.code
    assert event.detail == {"paperwork_done_on": days_ago(1).isoformat(), "was_overdue": True}


@pytest.mark.parametrize(
    ("_case", "done_days_ago", "message"),
    [
        ("before the grant", 11, services.PAPERWORK_BEFORE_GRANT),
        ("tomorrow", -1, services.PAPERWORK_IN_FUTURE),
    ],
)
def test_it_refuses_a_bad_paperwork_date(cast, homes, _case, done_days_ago, message):
    case = grant(cast.village_cadre, homes.home, days=10)
    with pytest.raises(ValidationError) as error:
        services.assistance_complete_paperwork(
            actor=cast.village_cadre, case=case, done_on=days_ago(done_days_ago)
        )
    assert messages_of(error) == {"done_on": [message]}
    case.refresh_from_db()
    assert case.paperwork_done_on is None


def test_paperwork_is_completed_once(cast, homes):
    case = grant(cast.village_cadre, homes.home, days=10)
    services.assistance_complete_paperwork(actor=cast.village_cadre, case=case, done_on=days_ago(5))
    with pytest.raises(ValidationError) as error:
        services.assistance_complete_paperwork(actor=cast.village_cadre, case=case)
    assert messages_of(error) == {"done_on": [services.PAPERWORK_ALREADY_DONE]}
    case.refresh_from_db()
    assert case.paperwork_done_on == days_ago(5)


# --- temporary care ---------------------------------------------------------------------------


def arrange(actor, person: Person, **overrides) -> CareArrangement:
    kwargs = {
        "reason": CareArrangement.Reason.CARER_ISOLATED,
        "carer_name": "邻居李红",
        "carer_phone": "139 1234 0001",
        "place": "村委会临时照料点",
        "start_date": days_ago(3),
    } | overrides
    return services.care_arrange(actor=actor, person=person, **kwargs)


def test_it_arranges_care_with_the_carers_phone_encrypted_and_masked(cast, homes):
    arrangement = arrange(cast.village_cadre, homes.child)
    assert arrangement.region == cast.village
    assert arrangement.status == CareArrangement.Status.ACTIVE
    assert arrangement.carer_phone_masked == "139****0001"
    assert "13912340001" not in arrangement.carer_phone
    assert decrypt(arrangement.carer_phone) == "13912340001"
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, target__startswith="临时照料")
    assert event.region_code == cast.village.code
    assert "13912340001" not in str(event.detail) + event.target


def test_care_is_for_the_elderly_as_well(cast, homes):
    assert arrange(cast.village_cadre, homes.elder).person == homes.elder


def test_it_refuses_care_for_a_working_age_adult(cast, homes):
    with pytest.raises(ValidationError) as error:
        arrange(cast.village_cadre, homes.head)
    expected = services.CARE_NOT_CHILD_OR_ELDERLY.format(child=18, elderly=60)
    assert messages_of(error)["person"] == [expected]
    assert not CareArrangement.objects.exists()


def test_it_refuses_care_for_someone_who_moved_away(cast, homes):
    Person.objects.filter(pk=homes.child.pk).update(status=Person.Status.MOVED)
    homes.child.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        arrange(cast.village_cadre, homes.child)
    assert messages_of(error)["person"] == [services.CARE_PERSON_GONE]


def test_one_person_is_in_one_care_at_a_time(cast, homes):
    first = arrange(cast.village_cadre, homes.child)
    with pytest.raises(ValidationError) as error:
        arrange(cast.village_cadre, homes.child, carer_name="另一人")
    assert messages_of(error)["person"] == [services.CARE_ALREADY_ACTIVE]
    services.care_end(actor=cast.village_cadre, arrangement=first)
    assert arrange(cast.village_cadre, homes.child).pk != first.pk


@pytest.mark.parametrize(
    ("_case", "overrides", "field"),
    [
        ("no carer", {"carer_name": "  "}, "carer_name"),
        ("no phone", {"carer_phone": ""}, "carer_phone"),
        ("bad phone", {"carer_phone": "12345"}, "carer_phone"),
        ("no place", {"place": ""}, "place"),
        ("starts tomorrow", {"start_date": lambda: days_ago(-1)}, "start_date"),
        ("unknown reason", {"reason": "bored"}, "reason"),
    ],
)
def test_it_refuses_bad_care_input_and_writes_nothing(cast, homes, _case, overrides, field):
    with pytest.raises(ValidationError) as error:
        arrange(cast.village_cadre, homes.child, **on_run(overrides))
    assert field in messages_of(error)
    assert not CareArrangement.objects.exists()


def test_it_ends_care(cast, homes):
    arrangement = arrange(cast.village_cadre, homes.child, start_date=days_ago(9))
    ended = services.care_end(
        actor=cast.village_cadre, arrangement=arrangement, end_date=days_ago(1)
    )
    assert ended.status == CareArrangement.Status.ENDED
    assert ended.end_date == days_ago(1)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).count() == 1


@pytest.mark.parametrize(
    ("_case", "end", "message"),
    [
        ("before the start", 10, services.CARE_END_BEFORE_START),
        ("tomorrow", -1, services.CARE_END_IN_FUTURE),
    ],
)
def test_it_refuses_a_bad_end_date(cast, homes, _case, end, message):
    arrangement = arrange(cast.village_cadre, homes.child, start_date=days_ago(9))
    with pytest.raises(ValidationError) as error:
        services.care_end(actor=cast.village_cadre, arrangement=arrangement, end_date=days_ago(end))
    assert messages_of(error) == {"end_date": [message]}
    arrangement.refresh_from_db()
    assert arrangement.status == CareArrangement.Status.ACTIVE


def test_care_ends_once(cast, homes):
    arrangement = arrange(cast.village_cadre, homes.child)
    services.care_end(actor=cast.village_cadre, arrangement=arrangement)
    with pytest.raises(ValidationError) as error:
        services.care_end(actor=cast.village_cadre, arrangement=arrangement)
    assert messages_of(error) == {"end_date": [services.CARE_ALREADY_ENDED]}


# --- weddings and funerals ----------------------------------------------------------------------


def record(actor, region, **overrides) -> FamilyEvent:
    kwargs = {
        "kind": FamilyEvent.Kind.WEDDING,
        "family_name": "赵家",
        "original_date": days_ago(10),
        "expected_size": 150,
        "status": FamilyEvent.Status.POSTPONED,
    } | overrides
    return services.family_event_record(actor=actor, region=region, **kwargs)


def test_a_postponed_wedding_may_have_been_planned_large(cast, homes):
    event = record(cast.village_cadre, cast.village, household=homes.home, new_date=days_ago(-90))
    assert event.expected_size == 150
    assert event.get_status_display() == "延期"
    audit = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, target__startswith="婚丧事")
    assert audit.region_code == cast.village.code


@pytest.mark.parametrize("status", [FamilyEvent.Status.SIMPLIFIED, FamilyEvent.Status.HELD])
def test_a_gathering_that_goes_ahead_is_at_most_50_people(cast, homes, status):
    assert record(cast.village_cadre, cast.village, expected_size=MAX_GATHERING, status=status)
    with pytest.raises(ValidationError) as error:
        record(cast.village_cadre, cast.village, expected_size=MAX_GATHERING + 1, status=status)
    assert messages_of(error)["expected_size"] == [services.EVENT_TOO_LARGE.format(limit=50)]
    assert "不能超过 50 人" in messages_of(error)["expected_size"][0]
    assert FamilyEvent.objects.count() == 1


def test_a_cancelled_funeral_may_have_been_planned_large(cast):
    event = record(
        cast.village_cadre,
        cast.village,
        kind=FamilyEvent.Kind.FUNERAL,
        status=FamilyEvent.Status.CANCELLED,
        expected_size=300,
    )
    assert event.status == FamilyEvent.Status.CANCELLED


@pytest.mark.parametrize(
    ("_case", "overrides", "field", "message"),
    [
        ("negative size", {"expected_size": -1}, "expected_size", services.EVENT_SIZE_INVALID),
        ("fractional size", {"expected_size": 2.5}, "expected_size", services.EVENT_SIZE_INVALID),
        ("no family", {"family_name": ""}, "family_name", services.EVENT_FAMILY_REQUIRED),
        ("unknown kind", {"kind": "party"}, "kind", services.EVENT_KIND_INVALID),
        ("unknown status", {"status": "maybe"}, "status", services.EVENT_STATUS_INVALID),
        (
            "new date before the old",
            {"new_date": lambda: days_ago(11)},
            "new_date",
            services.EVENT_NEW_DATE_EARLY,
        ),
    ],
)
def test_it_refuses_a_bad_event_and_writes_nothing(cast, _case, overrides, field, message):
    with pytest.raises(ValidationError) as error:
        record(cast.village_cadre, cast.village, **on_run(overrides))
    assert messages_of(error)[field] == [message]
    assert not FamilyEvent.objects.exists()
    assert not AuditEvent.objects.filter(target__startswith="婚丧事").exists()


def test_an_event_is_recorded_in_a_village(cast):
    with pytest.raises(ValidationError) as error:
        record(cast.town_cadre, cast.town)
    assert messages_of(error)["village"] == [services.EVENT_NOT_VILLAGE]


def test_an_events_household_lives_in_its_village(cast, homes):
    with pytest.raises(ValidationError) as error:
        record(cast.town_cadre, cast.village, household=homes.sibling_home)
    assert messages_of(error)["household"] == [services.EVENT_HOUSEHOLD_ELSEWHERE]
    assert record(cast.town_cadre, cast.village, household=homes.grid_home).household == (
        homes.grid_home
    )


def test_a_postponed_wedding_is_later_held_small(cast):
    event = record(cast.village_cadre, cast.village)
    updated = services.family_event_update(
        actor=cast.town_cadre,
        event=event,
        status=FamilyEvent.Status.HELD,
        new_date=days_ago(1),
        expected_size=30,
    )
    assert (updated.status, updated.new_date, updated.expected_size) == ("held", days_ago(1), 30)
    audit = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert audit.detail["old"]["status"] == "postponed"
    assert audit.detail["new"] == {
        "status": "held",
        "new_date": days_ago(1).isoformat(),
        "expected_size": 30,
    }


def test_an_update_that_would_gather_too_many_changes_nothing(cast):
    event = record(cast.village_cadre, cast.village)
    with pytest.raises(ValidationError) as error:
        services.family_event_update(
            actor=cast.town_cadre, event=event, status=FamilyEvent.Status.SIMPLIFIED
        )
    assert "expected_size" in messages_of(error)
    event.refresh_from_db()
    assert event.status == FamilyEvent.Status.POSTPONED
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()


# --- WeChat groups ------------------------------------------------------------------------------


def save_group(actor, region, **overrides):
    kwargs = {
        "name": "南村村民政事务群",
        "admin_name": "王主任",
        "admin_phone": "13800001111",
        "members": 30,
    } | overrides
    return services.wechat_group_save(actor=actor, region=region, **kwargs)


def test_it_creates_then_updates_a_villages_group_by_name(cast):
    group, created = save_group(cast.village_cadre, cast.village)
    assert created is True
    assert group.admin_phone_masked == "138****1111"
    assert decrypt(group.admin_phone) == "13800001111"
    again, created = save_group(cast.village_cadre, cast.village, members=45, admin_phone="")
    assert created is False
    assert again.pk == group.pk
    assert (again.members, again.admin_phone, again.admin_phone_masked) == (45, "", "")
    assert WeChatGroup.objects.count() == 1
    groups = AuditEvent.objects.filter(target__startswith="微信群").order_by("id")
    actions = list(groups.values_list("action", flat=True))
    assert actions == [AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE]


@pytest.mark.parametrize(
    ("_case", "overrides", "field"),
    [
        ("bad phone", {"admin_phone": "110"}, "admin_phone"),
        ("negative members", {"members": -3}, "members"),
        ("fractional members", {"members": 3.5}, "members"),
        ("no name", {"name": " "}, "name"),
        ("no admin", {"admin_name": ""}, "admin_name"),
    ],
)
def test_it_refuses_a_bad_group_and_writes_nothing(cast, _case, overrides, field):
    with pytest.raises(ValidationError) as error:
        save_group(cast.village_cadre, cast.village, **overrides)
    assert field in messages_of(error)
    assert not WeChatGroup.objects.exists()


def test_a_group_belongs_to_a_village(cast):
    with pytest.raises(ValidationError) as error:
        save_group(cast.town_cadre, cast.town)
    assert messages_of(error)["village"] == [services.WECHAT_NOT_VILLAGE]
