import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from qunfang.core.models import AuditEvent
from qunfang.residents.models import Alert
from qunfang.residents.selectors import is_overdue
from qunfang.residents.services import alert_transition, health_check_record, person_reveal
from qunfang.residents.testing import make_person


@pytest.fixture
def person(cast):
    return make_person(cast.village, tag="elderly")


def check(cast, person, **kwargs):
    return health_check_record(actor=cast.village_cadre, person=person, method="phone", **kwargs)


def test_a_normal_check_raises_nothing(cast, person):
    record, alert = check(cast, person, temperature=Decimal("36.6"))
    assert alert is None
    assert record.checked_on == dt.date.today()
    assert record.region == cast.village


@pytest.mark.parametrize(
    ("_case", "kwargs", "reason"),
    [
        ("fever at the threshold", {"temperature": Decimal("37.3")}, "体温37.3℃"),
        ("fever ticked", {"fever": True}, "发热"),
        ("cough", {"cough": True}, "咳嗽"),
        ("sore throat", {"sore_throat": True}, "咽痛"),
    ],
)
def test_fever_or_a_respiratory_symptom_raises_an_alert_at_once(
    cast, person, _case, kwargs, reason
):
    _record, alert = check(cast, person, **kwargs)
    assert alert.status == Alert.Status.REPORTED
    assert reason in alert.reason
    assert alert.due_at - alert.raised_at == dt.timedelta(hours=2)
    assert alert.steps.count() == 1


def test_37_2_and_fatigue_alone_do_not_raise_an_alert(cast, person):
    _record, alert = check(cast, person, temperature=Decimal("37.2"), fatigue=True)
    assert alert is None


def test_a_second_symptomatic_check_notes_the_open_alert_instead_of_a_new_one(cast, person):
    _r, first = check(cast, person, cough=True)
    _r, second = check(cast, person, temperature=Decimal("38.0"))
    assert second.pk == first.pk
    assert Alert.objects.count() == 1
    assert "复查仍有症状" in first.steps.last().note


@pytest.mark.parametrize("temperature", [Decimal("33.9"), Decimal("43.1")])
def test_an_impossible_temperature_is_refused_and_nothing_written(cast, person, temperature):
    with pytest.raises(ValidationError, match=r"34\.0–43\.0"):
        check(cast, person, temperature=temperature)
    assert not person.checks.exists()


def test_an_alert_walks_its_whole_life_with_times_and_actors(cast, person):
    _r, alert = check(cast, person, cough=True)
    alert = alert_transition(actor=cast.town_cadre, alert=alert, to_status="isolated_home")
    assert alert.due_at - alert.status_changed_at == dt.timedelta(days=14)
    alert = alert_transition(actor=cast.town_cadre, alert=alert, to_status="referred")
    alert = alert_transition(actor=cast.hq, alert=alert, to_status="cleared", note="核酸阴性")
    alert = alert_transition(actor=cast.hq, alert=alert, to_status="closed")
    assert alert.due_at is None
    steps = list(alert.steps.values_list("to_status", "actor__username"))
    assert steps == [
        ("reported", "village_cadre"),
        ("isolated_home", "town_cadre"),
        ("referred", "town_cadre"),
        ("cleared", "hq"),
        ("closed", "hq"),
    ]
    assert AuditEvent.objects.filter(action="update", target__startswith="症状预警").count() == 4


@pytest.mark.parametrize(("start", "target"), [("reported", "closed"), ("reported", "cleared")])
def test_an_alert_cannot_skip_steps(cast, person, start, target):
    _r, alert = check(cast, person, cough=True)
    with pytest.raises(ValidationError, match="不能改为"):
        alert_transition(actor=cast.town_cadre, alert=alert, to_status=target, note="x")
    alert.refresh_from_db()
    assert alert.status == start


def test_clearing_or_confirming_needs_a_note(cast, person):
    _r, alert = check(cast, person, cough=True)
    alert_transition(actor=cast.town_cadre, alert=alert, to_status="referred")
    with pytest.raises(ValidationError, match="须填写说明"):
        alert_transition(actor=cast.town_cadre, alert=alert, to_status="confirmed")


def test_an_alert_left_alone_becomes_overdue(cast, person):
    _r, alert = check(cast, person, cough=True)
    assert not is_overdue(alert)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)):
        assert is_overdue(alert)


def test_revealing_full_numbers_is_audited_with_the_reason(cast, person):
    values = person_reveal(actor=cast.village_cadre, person=person, reason="联系送医")
    assert values["phone"] == "13812345678"
    event = AuditEvent.objects.get(action="read")
    assert event.detail == {"person": person.pk, "reason": "联系送医"}
    assert event.region_code == cast.village.code
