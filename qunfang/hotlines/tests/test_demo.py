import datetime as dt
import io
from pathlib import Path

from django.contrib.auth import get_user_model

from qunfang.core.demo_context import DemoContext
from qunfang.hotlines import demo
from qunfang.hotlines.models import Call, Escalation, Line, Shift
from qunfang.org.roles import Role
from qunfang.org.services import membership_create
from qunfang.relief.models import CareArrangement
from qunfang.relief.tests.conftest import add_household, add_person, child_birth
from qunfang.residents.models import Relation


def context(cast) -> DemoContext:
    league = get_user_model().objects.create(username="jc_tuanwei_test")
    city = cast.district.parent
    membership_create(actor=cast.superuser, user=league, region=city, role=Role.DEPT_STAFF)
    return DemoContext(
        city_code="1405",
        persons=0,
        stdout=io.StringIO(),
        logins_file=Path("/nonexistent"),
        objects={"user:jc_tuanwei": league, "user:zz_xinli": cast.counsellor},
    )


def test_it_seeds_lines_shifts_a_week_of_calls_and_one_escalation_once(cast):
    home = add_household(cast.village, "0100")
    add_person(home, "赵大海", dt.date(1982, 3, 3), relation=Relation.HEAD)
    child = add_person(home, "赵小宇", child_birth(), relation=Relation.CHILD)
    ctx = context(cast)
    demo.seed(ctx)
    assert Line.objects.count() == 2
    assert Shift.objects.count() == 28
    assert Call.objects.count() == 22
    assert Call.objects.filter(line__number="12355").count() == 21
    escalation = Escalation.objects.get()
    assert escalation.status == Escalation.Status.PLACED
    assert escalation.care == CareArrangement.objects.get(person=child)
    overdue = [c for c in Call.objects.all() if c.follow_up_overdue]
    assert overdue, "the demo shows an overdue follow-up"

    again = DemoContext(
        city_code="1405", persons=0, stdout=io.StringIO(), logins_file=Path("/x"), objects={}
    )
    demo.seed(again)
    assert Call.objects.count() == 22
    assert "跳过" in again.stdout.getvalue()


def test_without_a_registered_child_the_escalation_waits_for_civil_affairs(cast):
    demo.seed(context(cast))
    assert Escalation.objects.get().status == Escalation.Status.PENDING
