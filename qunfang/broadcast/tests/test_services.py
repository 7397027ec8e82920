import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qunfang.broadcast import services
from qunfang.broadcast.models import Fault, Programme, Terminal, WorkOrder
from qunfang.broadcast.tests.conftest import ago, register
from qunfang.core.models import AuditEvent


def written() -> list[int]:
    return [m.objects.count() for m in (Terminal, Fault, WorkOrder, Programme, AuditEvent)]


def statuses(*objects) -> list[str]:
    return [type(o).objects.get(pk=o.pk).status for o in objects]


# --- who may act ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "repair", "report"),
    [
        ("superuser", True, True),
        ("hq", True, True),
        ("dept", True, True),
        ("town_cadre", True, True),
        ("village_cadre", False, True),
        ("sibling_cadre", False, False),
        ("grid_worker", False, False),
        ("volunteer", False, False),
        ("auditor", False, False),
        ("other_town_cadre", False, False),
    ],
)
def test_who_repairs_and_who_reports_in_the_cast_village(cast, persona, repair, report):
    user = getattr(cast, persona)
    assert services.can_repair(user, cast.village.code) is repair
    assert services.can_report(user, cast.village.code) is report


# --- terminals and programmes ---------------------------------------------------------------


def test_terminals_sit_in_villages_under_unique_codes(cast, terminals):
    before = written()
    with pytest.raises(ValidationError) as raised:
        services.terminal_register(actor=cast.dept, region=cast.town, code="NC-200-01", location="")
    assert raised.value.message_dict == {
        "region": ["广播终端须登记在村（社区）。"],
        "code": ["终端编号 NC-200-01 已经登记过。"],
        "location": ["请填写安装位置。"],
    }
    with pytest.raises(PermissionDenied):
        services.terminal_register(
            actor=cast.village_cadre, region=cast.village, code="X-1", location="村口"
        )
    assert written() == before


def test_a_schedule_is_sorted_and_bad_times_are_named(cast):
    programme = services.programme_create(
        actor=cast.town_cadre,
        region=cast.town,
        title="防控提示",
        schedule=["18:30", "7:00", " 12：00 "],
        start_date=dt.date(2020, 2, 1),
    )
    assert programme.schedule == ["07:00", "12:00", "18:30"]
    assert programme.plays_per_day == 3
    with pytest.raises(ValidationError) as raised:
        services.schedule_parse(["07:00", "07:00", "25:10", "1٠:00"])
    assert raised.value.message_dict["schedule"] == [
        "播出时间 07:00 重复了。",
        "播出时间“25:10”格式不对，应为 07:30 这样的时刻。",
        "播出时间“1٠:00”格式不对，应为 07:30 这样的时刻。",
    ]
    with pytest.raises(ValidationError):
        services.schedule_parse(["", " "])


# --- cadre reports --------------------------------------------------------------------------


def test_a_cadre_reports_a_silent_loudspeaker_once(cast, terminals):
    fault = services.fault_report(
        actor=cast.village_cadre, terminal=terminals.own, kind="power_cut", description="电源被拔"
    )
    terminals.own.refresh_from_db()
    assert terminals.own.status == Terminal.Status.FAULT
    assert terminals.own.last_reported_at == fault.reported_at
    assert (fault.source, fault.region, fault.reported_by) == (
        "cadre",
        cast.village,
        cast.village_cadre,
    )
    before = written()
    with pytest.raises(ValidationError) as raised:
        services.fault_report(actor=cast.village_cadre, terminal=terminals.own, kind="silent")
    assert "已于" in raised.value.messages[0] and "无需重复上报" in raised.value.messages[0]
    assert written() == before


def test_a_cadre_cannot_report_the_sibling_villages_loudspeaker(cast, terminals):
    with pytest.raises(PermissionDenied):
        services.fault_report(actor=cast.village_cadre, terminal=terminals.sibling, kind="silent")
    assert Fault.objects.count() == 0


# --- heartbeats and the sweep ---------------------------------------------------------------


def test_heartbeats_move_the_last_beat_forward_only(cast, terminals):
    newer, older = ago(seconds=10), ago(hours=5)
    result = services.heartbeat_ingest(
        actor=cast.dept,
        beats=[("NC-200-01", older), ("NC-200-01", newer), ("NC-201-01", older)],
    )
    assert (result.received, result.terminals) == (3, 2)
    terminals.own.refresh_from_db()
    terminals.sibling.refresh_from_db()
    assert terminals.own.last_heartbeat_at == newer
    assert terminals.sibling.last_heartbeat_at > older  # a late beat does not move it back


@pytest.mark.parametrize(
    "codes",
    [["NC-200-01", "NO-SUCH-1"], ["NC-200-01", "MS-01"]],
    ids=["unknown", "out_of_scope"],
)
def test_unknown_or_out_of_scope_terminals_reject_the_whole_batch(cast, terminals, codes):
    before = terminals.own.last_heartbeat_at
    with pytest.raises(ValidationError) as raised:
        services.heartbeat_ingest(
            actor=cast.town_cadre, beats=[(code, ago(seconds=5)) for code in codes]
        )
    assert raised.value.messages == [
        f"以下终端编号不存在或不在本账号管辖范围内：{codes[1]}。本批心跳均未记录。"
    ]
    terminals.own.refresh_from_db()
    assert terminals.own.last_heartbeat_at == before


def test_a_village_cadre_cannot_beat_for_the_sibling_village(cast, terminals):
    with pytest.raises(ValidationError) as raised:
        services.heartbeat_ingest(actor=cast.village_cadre, beats=[("NC-201-01", ago(seconds=5))])
    assert "NC-201-01" in raised.value.messages[0]


def test_bad_heartbeat_rows_are_named_by_row(cast, terminals):
    with pytest.raises(ValidationError) as raised:
        services.heartbeat_ingest(
            actor=cast.dept,
            beats=[
                ("NC-200-01", ago(seconds=5)),
                ("", ago(seconds=5)),
                ("NC-200-01", None),
                ("NC-200-01", ago(minutes=-30)),
            ],
        )
    assert raised.value.messages == [
        "第 2 条心跳缺少终端编号。",
        "第 3 条心跳的时间无效或晚于当前时间。",
        "第 4 条心跳的时间无效或晚于当前时间。",
    ]
    with pytest.raises(ValidationError) as raised:
        services.heartbeat_ingest(actor=cast.dept, beats=[])
    assert raised.value.messages == ["没有收到心跳数据。"]


def test_the_sweep_silences_quiet_terminals_once_and_a_beat_brings_them_back(cast, terminals):
    Terminal.objects.filter(pk=terminals.own.pk).update(last_heartbeat_at=ago(minutes=45))
    Terminal.objects.filter(pk=terminals.sibling.pk).update(last_heartbeat_at=None)
    opened = services.terminals_sweep(minutes=30)
    assert [f.terminal_id for f in opened] == [terminals.own.pk]
    fault = opened[0]
    assert (fault.source, fault.kind, fault.status) == ("monitoring", "silent", "open")
    assert statuses(terminals.own, terminals.sibling) == ["silent", "online"]
    assert services.terminals_sweep(minutes=30) == []  # already silent: no second fault

    result = services.heartbeat_ingest(actor=cast.town_cadre, beats=[("NC-200-01", ago(seconds=3))])
    assert result.recovered == ["NC-200-01"]
    fault.refresh_from_db()
    assert fault.status == "closed" and fault.closed_at is not None
    assert statuses(terminals.own) == ["online"]


def test_the_sweep_of_an_ingest_stays_in_the_senders_scope(cast, terminals):
    Terminal.objects.update(last_heartbeat_at=ago(hours=2))
    result = services.heartbeat_ingest(
        actor=cast.village_cadre, beats=[("NC-200-01", ago(hours=2))]
    )
    assert result.silenced == ["NC-200-01"]
    assert statuses(terminals.sibling, terminals.foreign) == ["online", "online"]


# --- repair orders --------------------------------------------------------------------------


def test_dispatch_arrive_and_close_keep_the_times_and_free_the_terminal(cast, terminals, faults):
    order = services.fault_dispatch(
        actor=cast.dept, fault=faults.own, team="joint", assignee=cast.town_cadre
    )
    assert statuses(faults.own) == ["dispatched"]
    with pytest.raises(ValidationError) as raised:
        services.order_arrive(actor=cast.town_cadre, order=order, at=ago(hours=1))
    assert raised.value.message_dict["at"] == ["到场时间不能早于故障上报时间。"]
    arrived = services.order_arrive(actor=cast.town_cadre, order=order).responded_at
    services.order_close(actor=cast.town_cadre, order=order, cause="power_cut", note="接通电源")
    order.refresh_from_db()
    faults.own.refresh_from_db()
    assert (order.status, order.responded_at, order.closed_by) == (
        "closed",
        arrived,
        cast.town_cadre,
    )
    assert order.repaired_at >= arrived
    assert (faults.own.status, faults.own.cause) == ("closed", "power_cut")
    assert statuses(terminals.own) == ["online"]
    actions = list(
        AuditEvent.objects.filter(target__startswith="维修工单").values_list("action", flat=True)
    )
    assert sorted(actions) == ["create", "update", "update"]


def test_closing_an_order_twice_is_refused_and_changes_nothing(cast, orders):
    services.order_close(actor=cast.dept, order=orders.own, cause="silent")
    closed = WorkOrder.objects.get(pk=orders.own.pk)
    before = written()
    with pytest.raises(ValidationError) as raised:
        services.order_close(actor=cast.dept, order=orders.own, cause="equipment", note="again")
    assert "已于" in raised.value.messages[0] and "不能重复关闭" in raised.value.messages[0]
    assert written() == before
    again = WorkOrder.objects.get(pk=orders.own.pk)
    assert (again.repaired_at, again.note, again.fault.cause) == (closed.repaired_at, "", "silent")
    with pytest.raises(ValidationError):
        services.order_arrive(actor=cast.dept, order=orders.own)


def test_a_fault_is_dispatched_once_and_only_to_someone_who_may_repair_there(cast, faults):
    with pytest.raises(ValidationError) as raised:
        services.fault_dispatch(
            actor=cast.dept, fault=faults.own, team="joint", assignee=cast.village_cadre
        )
    assert raised.value.message_dict["assignee"] == [
        "village_cadre 没有该村村村响的维修权限，不能接单。"
    ]
    with pytest.raises(ValidationError) as raised:
        services.fault_dispatch(actor=cast.dept, fault=faults.own, team="army")
    assert set(raised.value.message_dict) == {"team", "assignee"}
    services.fault_dispatch(actor=cast.dept, fault=faults.own, team="station", crew="广电台两人")
    before = written()
    with pytest.raises(ValidationError) as raised:
        services.fault_dispatch(actor=cast.dept, fault=faults.own, team="station", crew="再派")
    assert raised.value.messages == ["该故障已经派单，不能重复派单。"]
    assert written() == before


@pytest.mark.parametrize("persona", ["village_cadre", "other_town_cadre", "volunteer"])
def test_only_repairers_of_the_region_dispatch(cast, faults, persona):
    with pytest.raises(PermissionDenied):
        services.fault_dispatch(
            actor=getattr(cast, persona), fault=faults.own, team="town", crew="x"
        )
    assert statuses(faults.own) == ["open"]
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("persona", ["village_cadre", "other_town_cadre", "volunteer"])
def test_only_repairers_of_the_region_close(cast, orders, faults, persona):
    user = getattr(cast, persona)
    with pytest.raises(PermissionDenied):
        services.order_close(actor=user, order=orders.own, cause="silent")
    with pytest.raises(PermissionDenied):
        services.order_arrive(actor=user, order=orders.own)
    assert statuses(orders.own) == ["assigned"]


def test_a_repair_cannot_predate_its_report(cast, orders, faults):
    with pytest.raises(ValidationError) as raised:
        services.order_close(
            actor=cast.dept,
            order=orders.own,
            cause="silent",
            repaired_at=faults.own.reported_at - dt.timedelta(hours=1),
        )
    assert raised.value.message_dict["repaired_at"] == ["修复时间不能早于故障上报时间。"]
    assert statuses(orders.own) == ["assigned"]


def test_a_new_terminal_never_heard_from_is_not_judged_silent(cast):
    terminal = services.terminal_register(
        actor=cast.superuser, region=cast.village, code="NEW-1", location="村委会楼顶"
    )
    assert terminal.last_heartbeat_at is None
    assert services.terminals_sweep(minutes=0) == []
    assert statuses(terminal) == ["online"]
    assert not Fault.objects.exists()


def test_a_terminal_with_an_open_fault_cannot_be_taken_out_of_service(cast, terminals, faults):
    with pytest.raises(ValidationError) as raised:
        services.terminal_set_in_service(actor=cast.dept, terminal=terminals.own, in_service=False)
    assert raised.value.messages == ["该终端还有未修复的故障，请先修复或关闭工单再停用。"]
    assert statuses(terminals.own) == ["fault"]


def test_a_disabled_terminal_is_left_out_and_comes_back_online(cast):
    terminal = register(cast.superuser, cast.village, "NC-200-07")
    services.terminal_set_in_service(actor=cast.town_cadre, terminal=terminal, in_service=False)
    assert statuses(terminal) == ["disabled"]
    with pytest.raises(ValidationError):
        services.terminal_set_in_service(actor=cast.town_cadre, terminal=terminal, in_service=False)
    with pytest.raises(ValidationError) as raised:
        services.fault_report(actor=cast.village_cadre, terminal=terminal, kind="silent")
    assert raised.value.messages == ["该终端已停用，不能上报故障。"]
    Terminal.objects.filter(pk=terminal.pk).update(last_heartbeat_at=ago(days=30))
    assert services.terminals_sweep() == []
    with pytest.raises(PermissionDenied):
        services.terminal_set_in_service(
            actor=cast.village_cadre, terminal=terminal, in_service=True
        )
    services.terminal_set_in_service(actor=cast.town_cadre, terminal=terminal, in_service=True)
    assert statuses(terminal) == ["online"]
    assert services.terminals_sweep() == []  # judged from the moment it came back
