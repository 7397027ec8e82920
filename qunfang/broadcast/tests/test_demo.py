import io
from pathlib import Path

from django.contrib.auth import get_user_model

from qunfang.broadcast import demo, stats
from qunfang.broadcast.models import Fault, Terminal, WorkOrder
from qunfang.core.demo_context import DemoContext
from qunfang.org.models import Region
from qunfang.org.roles import Level


def context(cast) -> DemoContext:
    return DemoContext(
        city_code="1405",
        persons=0,
        stdout=io.StringIO(),
        logins_file=Path("/nonexistent"),
        objects={"user:nc_zhen": cast.town_cadre},
    )


def test_it_seeds_terminals_in_every_village_and_faults_in_every_state_once(cast):
    get_user_model().objects.create(username="sysadmin", is_superuser=True, is_staff=True)
    ctx = context(cast)
    demo.seed(ctx)
    villages = Region.objects.filter(parent=cast.town, level=Level.VILLAGE)
    covered = Terminal.objects.filter(region__parent=cast.town).values("region").distinct()
    assert covered.count() == villages.count()
    assert Terminal.objects.filter(region__parent=cast.other_town).exists()
    assert set(Fault.objects.values_list("status", flat=True)) == {"open", "dispatched", "closed"}
    assert set(WorkOrder.objects.values_list("status", flat=True)) == {
        "assigned",
        "on_site",
        "closed",
    }
    assert Fault.objects.filter(source="monitoring").count() == 4
    assert stats.fault_summary(cast.superuser, cast.town).power_cut >= 2
    repairs = stats.repair_summary(cast.superuser, cast.town)
    assert repairs.closed_orders == 4 and repairs.mean_repair_hours > repairs.mean_response_hours
    assert stats.plays_per_day(cast.village) == 5
    assert any("zz_guangdian" in line for line in ctx.logins)

    again = context(cast)
    demo.seed(again)
    assert Fault.objects.count() == 11
    assert "已存在" in again.stdout.getvalue()
