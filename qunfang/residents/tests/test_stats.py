import datetime as dt
from decimal import Decimal

from django.utils import timezone

from qunfang.residents import stats
from qunfang.residents.models import Tag
from qunfang.residents.services import alert_transition, health_check_record
from qunfang.residents.testing import make_person


def test_the_summary_counts(cast):
    today = timezone.localdate()
    week = {"start": today - dt.timedelta(days=6), "end": today}
    elderly = make_person(cast.village, name="甲", tag="elderly")
    Tag.objects.create(person=elderly, kind="dibao", start_date=dt.date(2019, 1, 1))
    child = make_person(cast.village, name="乙", tag="left_behind_child", register_no="0002")
    Tag.objects.create(
        person=child, kind="dibao", start_date=dt.date(2019, 1, 1), end_date=dt.date(2019, 12, 31)
    )
    foreign = make_person(cast.sibling_village, name="丙", tag="dibao")
    for person in (elderly, child, elderly):
        health_check_record(actor=cast.village_cadre, person=person, method="phone")
    _c, alert = health_check_record(
        actor=cast.village_cadre, person=child, method="visit", temperature=Decimal("38")
    )
    health_check_record(actor=cast.sibling_cadre, person=foreign, method="phone", cough=True)
    for status, note in (("referred", ""), ("cleared", "阴性"), ("closed", "")):
        alert = alert_transition(actor=cast.town_cadre, alert=alert, to_status=status, note=note)

    per_tag = stats.persons_per_tag(cast.village_cadre, cast.village, day=today)
    assert per_tag["dibao"] == 1  # the child's 低保 ended in 2019; the sibling's is out of scope
    assert per_tag["elderly"] == 1
    assert per_tag["left_behind_child"] == 1
    assert stats.vulnerable_persons(cast.village_cadre, cast.village, day=today) == 2
    assert stats.checks_done(cast.village_cadre, cast.village, **week) == 4
    assert stats.persons_checked(cast.village_cadre, cast.village, **week) == 2
    assert stats.alerts_raised(cast.village_cadre, cast.village, **week) == 1
    assert stats.alerts_closed(cast.village_cadre, cast.village, **week) == 1
    assert stats.alerts_raised(cast.town_cadre, cast.town, **week) == 2
    assert stats.alerts_by_status(cast.town_cadre, cast.town)["closed"] == 1
    assert stats.alerts_by_status(cast.town_cadre, cast.town)["reported"] == 1
    last_year = {"start": dt.date(2019, 1, 1), "end": dt.date(2019, 12, 31)}
    assert stats.checks_done(cast.village_cadre, cast.village, **last_year) == 0


def test_the_overview_page_shows_the_counts(cast):
    from qunfang.org.testing import client_for

    make_person(cast.village, name="甲", tag="elderly")
    response = client_for(cast.village_cadre).get("/residents/?start=2020-01-01&end=bad")
    body = response.content.decode()
    assert "民政工作统计" in body
    # The count itself, under its label; the unreadable end date falls back to today.
    assert ("独居/空巢/困难老人", 1) in response.context["per_tag"]
    assert response.context["vulnerable"] == 1
    assert response.context["end"] == timezone.localdate()
