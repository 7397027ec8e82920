import io
from pathlib import Path

from qunfang.core.demo_context import DemoContext
from qunfang.enterprises import demo, stats
from qunfang.enterprises.credit_code import is_valid_credit_code
from qunfang.enterprises.models import Application, Enterprise, FairEntry, Position
from qunfang.org.models import Department
from qunfang.org.services import department_create


def context(cast) -> DemoContext:
    department_create(
        actor=cast.superuser,
        region=cast.district,
        kind=Department.Kind.ENTERPRISE,
        name="企业服务组",
    )
    department_create(
        actor=cast.superuser,
        region=cast.district.parent,
        kind=Department.Kind.YOUTH_LEAGUE,
        name="共青团晋城市委",
    )
    return DemoContext(
        city_code="1405",
        persons=0,
        stdout=io.StringIO(),
        logins_file=Path("/nonexistent"),
        objects={"user:zz_zhihui": cast.hq, "user:jc_tuanwei": cast.superuser},
    )


def test_it_seeds_enterprises_service_and_a_running_fair_once(cast):
    ctx = context(cast)
    demo.seed(ctx)
    enterprises = list(Enterprise.objects.all())
    assert len(enterprises) == 6
    assert all(is_valid_credit_code(e.credit_code) for e in enterprises)
    assert all(e.work_group_id for e in enterprises)
    assert FairEntry.objects.filter(status="approved").count() == 5
    assert Position.objects.count() == 8
    assert Application.objects.count() == 6
    assert Application.objects.get(name="赵春燕").submissions == 2

    summary = stats.fair_summary(cast.superuser, cast.district.parent)
    assert (summary.enterprises_applied, summary.jobs, summary.applications) == (6, 105, 6)
    service = stats.service_summary(cast.superuser, cast.district)
    assert service.problems_solved == 5 and service.problems_open == 2
    assert service.full == 3

    again = DemoContext(
        city_code="1405", persons=0, stdout=io.StringIO(), logins_file=Path("/x"), objects={}
    )
    demo.seed(again)
    assert Enterprise.objects.count() == 6
    assert "跳过" in again.stdout.getvalue()
