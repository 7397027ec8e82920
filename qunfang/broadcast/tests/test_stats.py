import datetime as dt

import pytest
from django.utils import timezone

from qunfang.broadcast import selectors, services, stats
from qunfang.broadcast.models import Fault, Terminal, WorkOrder
from qunfang.broadcast.tests.conftest import ago, register
from qunfang.org.testing import assert_queryset_scoped


def backdate(fault: Fault, *, reported: dt.datetime) -> None:
    Fault.objects.filter(pk=fault.pk).update(reported_at=reported)


def test_terminals_online_percent_counts_terminals_in_service(cast, terminals):
    register(cast.superuser, cast.village, "NC-200-02")
    register(cast.superuser, cast.village, "NC-200-03")
    Terminal.objects.filter(code="NC-200-03").update(status=Terminal.Status.DISABLED)
    services.fault_report(actor=cast.village_cadre, terminal=terminals.own, kind="silent")
    summary = stats.terminal_summary(cast.town_cadre, cast.town)
    # NC-200-01 (fault), NC-200-02 (online), NC-201-01 (online); NC-200-03 disabled
    assert (summary.total, summary.online, summary.fault, summary.disabled) == (3, 2, 1, 1)
    assert summary.online_pct == 66.7
    village = stats.terminal_summary(cast.village_cadre, cast.town)
    assert (village.total, village.online) == (2, 1)


def test_fault_counts_include_power_cuts_found_on_repair(cast, orders):
    services.order_close(actor=cast.dept, order=orders.own, cause="power_cut")
    summary = stats.fault_summary(cast.town_cadre, cast.town)
    # own: reported silent, found power_cut; sibling: reported power_cut
    assert (summary.reported, summary.power_cut, summary.open_now, summary.closed) == (2, 2, 1, 1)
    assert (summary.by_cadre, summary.by_monitoring) == (2, 0)
    assert stats.fault_summary(cast.other_town_cadre, cast.other_town).reported == 1
    old = stats.fault_summary(
        cast.town_cadre, cast.town, None, timezone.localdate() - dt.timedelta(days=1)
    )
    assert old.reported == 0


def test_mean_response_and_repair_hours_run_from_the_report(cast, orders, faults):
    reported = ago(hours=10)
    for fault in (faults.own, faults.sibling):
        backdate(fault, reported=reported)
    services.order_arrive(actor=cast.dept, order=orders.own, at=reported + dt.timedelta(hours=2))
    services.order_close(
        actor=cast.dept,
        order=orders.own,
        cause="silent",
        repaired_at=reported + dt.timedelta(hours=5),
    )
    services.order_arrive(
        actor=cast.dept, order=orders.sibling, at=reported + dt.timedelta(hours=4)
    )
    services.order_close(
        actor=cast.dept,
        order=orders.sibling,
        cause="power_cut",
        repaired_at=reported + dt.timedelta(hours=9),
    )
    summary = stats.repair_summary(cast.town_cadre, cast.town)
    assert summary.closed_orders == 2
    assert summary.mean_response_hours == 3.0
    assert summary.mean_repair_hours == 7.0
    assert summary.by_team == {"station": 0, "town": 1, "joint": 1}
    own_only = stats.repair_summary(cast.village_cadre, cast.town)
    assert (own_only.closed_orders, own_only.mean_repair_hours) == (1, 5.0)
    assert stats.repair_summary(cast.other_town_cadre, cast.other_town).mean_repair_hours is None


def test_uptime_per_village_subtracts_fault_hours_within_the_window(cast, terminals, faults):
    register(cast.superuser, cast.village, "NC-200-02")
    start = timezone.localdate() - dt.timedelta(days=1)
    window_start = dt.datetime.combine(start, dt.time(), timezone.get_current_timezone())
    # The own fault began before the window and was repaired 12 hours into it.
    backdate(faults.own, reported=window_start - dt.timedelta(days=3))
    order = services.fault_dispatch(actor=cast.dept, fault=faults.own, team="station", crew="两人")
    services.order_close(
        actor=cast.dept,
        order=order,
        cause="line",
        repaired_at=window_start + dt.timedelta(hours=12),
    )
    rows = {
        row.code: row for row in stats.uptime_by_child(cast.town_cadre, cast.town, start, start)
    }
    own = rows[cast.village.code]
    assert own.terminals == 2
    assert own.down_hours == 12.0
    assert own.uptime_pct == 75.0  # 12 of 48 terminal-hours
    # The sibling's fault was reported today, after the window: it does not count.
    assert rows[cast.sibling_village.code].uptime_pct == 100.0
    assert set(rows) == {cast.village.code, cast.sibling_village.code}
    # A village cadre asking for the town gets their own village's row only.
    mine = stats.uptime_by_child(cast.village_cadre, cast.town, start, start)
    assert [row.code for row in mine] == [cast.village.code]
    assert stats.region_uptime(cast.village_cadre, cast.village, start, start) == 75.0


def test_a_district_sees_uptime_per_town(cast, terminals):
    rows = stats.uptime_by_child(cast.hq, cast.district)
    assert [(row.code, row.terminals, row.uptime_pct) for row in rows] == [
        (cast.town.code, 2, 100.0)
    ]


def test_plays_per_day_add_up_the_programmes_above_a_village(cast):
    today = timezone.localdate()
    services.programme_create(
        actor=cast.hq,
        region=cast.district,
        title="一封信",
        schedule=["07:00", "12:00", "18:30"],
        start_date=today - dt.timedelta(days=3),
    )
    services.programme_create(
        actor=cast.town_cadre,
        region=cast.town,
        title="镇提示",
        schedule=["08:00", "17:00"],
        start_date=today,
    )
    services.programme_create(
        actor=cast.town_cadre,
        region=cast.town,
        title="已结束",
        schedule=["09:00"],
        start_date=today - dt.timedelta(days=9),
        end_date=today - dt.timedelta(days=1),
    )
    assert stats.plays_per_day(cast.village) == 5
    assert stats.plays_per_day(cast.district) == 3
    assert stats.plays_per_day(cast.other_town) == 0  # another county: none of these play there
    names = {p.title for p in selectors.programme_list(cast.village)}
    assert names == {"一封信", "镇提示", "已结束"}


def test_the_open_fault_list_is_oldest_first_and_scoped(cast, faults):
    backdate(faults.sibling, reported=ago(days=2))
    backdate(faults.own, reported=ago(hours=3))
    codes = [f.terminal.code for f in selectors.open_fault_list(cast.town_cadre, region=cast.town)]
    assert codes == ["NC-201-01", "NC-200-01"]
    assert_queryset_scoped(
        lambda user: selectors.open_fault_list(user),
        user=cast.village_cadre,
        visible=[faults.own],
        hidden=[faults.sibling, faults.foreign],
    )


@pytest.mark.parametrize("persona", ["village_cadre", "other_town_cadre"])
def test_order_and_terminal_lists_are_scoped(cast, orders, terminals, persona):
    user = getattr(cast, persona)
    mine = "own" if persona == "village_cadre" else "foreign"
    others = [k for k in ("own", "sibling", "foreign") if k != mine]
    assert_queryset_scoped(
        lambda u: selectors.order_list(u),
        user=user,
        visible=[getattr(orders, mine)],
        hidden=[getattr(orders, k) for k in others],
    )
    assert_queryset_scoped(
        lambda u: selectors.terminal_list(u),
        user=user,
        visible=[getattr(terminals, mine)],
        hidden=[getattr(terminals, k) for k in others],
    )
    assert WorkOrder.objects.count() == 3
