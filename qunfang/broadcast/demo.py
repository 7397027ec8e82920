"""Demo loudspeaker network: two terminals in every village of 南村镇 (140525100), one in each
village of two more towns of 泽州县 and of 高平市米山镇, heartbeats of the last minutes, a
standing programme (《一封信》《倡议书》 three times a day) plus the town's own, and faults in
every state: open, dispatched, crew on site, and repaired by the station and the town together
(镇台联动) — one of them a deliberate power cut (人为断电). A station technician account
(zz_guangdian) is added at the district. Skipped when the terminals are there already."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from qunfang.broadcast import services
from qunfang.broadcast.models import Fault, Terminal, WorkOrder
from qunfang.core.demo_context import DemoContext
from qunfang.org.models import Department, Region
from qunfang.org.roles import Level, Role
from qunfang.org.services import membership_create

DISTRICT = "140525"  # 泽州县
TOWN = "140525100"  # 南村镇
MORE_TOWNS = ["140525101", "140525102", "140581101"]  # 下村镇, 大东沟镇, 高平市米山镇
TECHNICIAN = "zz_guangdian"
SPOTS = ["村委会楼顶", "村口广场"]
MODEL = "IP-RDS 无线应急广播终端"


def _technician(ctx: DemoContext, actor):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=TECHNICIAN)
    district = Region.objects.get(code=DISTRICT)
    department = Department.objects.filter(region=district, kind=Department.Kind.BROADCAST).first()
    if created:
        from qunfang.org.demo import demo_password

        password = demo_password()
        user.set_password(password)
        user.save()
        ctx.logins.append((TECHNICIAN, password, "广电台技术员 · 泽州县"))
        membership_create(
            actor=actor, user=user, region=district, role=Role.DEPT_STAFF, department=department
        )
    return user


def seed(ctx: DemoContext) -> None:
    if Terminal.objects.filter(code__startswith=TOWN).exists():
        ctx.say("村村响：演示数据已存在")
        return
    admin = get_user_model().objects.get(username="sysadmin")
    technician = _technician(ctx, admin)
    town_cadre = ctx.objects.get("user:nc_zhen")
    now = timezone.now()
    villages = list(Region.objects.filter(parent__code=TOWN, level=Level.VILLAGE).order_by("code"))
    terminals: list[Terminal] = []
    for village in villages:
        for index, spot in enumerate(SPOTS, start=1):
            terminals.append(
                services.terminal_register(
                    actor=admin,
                    region=village,
                    code=f"{village.code}-{index:02d}",
                    location=f"{village.display_name}{spot}",
                    model=MODEL,
                    installed_on=dt.date(2019, 6, 1),
                )
            )
    for town_code in MORE_TOWNS:
        for village in Region.objects.filter(parent__code=town_code, level=Level.VILLAGE)[:12]:
            terminals.append(
                services.terminal_register(
                    actor=admin,
                    region=village,
                    code=f"{village.code}-01",
                    location=f"{village.display_name}村委会楼顶",
                    model=MODEL,
                )
            )
    Terminal.objects.filter(pk__in=[t.pk for t in terminals]).update(
        last_heartbeat_at=now - dt.timedelta(minutes=3)
    )

    district = Region.objects.get(code=DISTRICT)
    town = Region.objects.get(code=TOWN)
    services.programme_create(
        actor=admin,
        region=district,
        title="《致广大市民朋友的一封信》《倡议书》",
        content="不信谣、不传谣，少出门、不聚集，出门戴口罩，勤洗手、常通风。",
        schedule=["07:00", "12:00", "18:30"],
        start_date=timezone.localdate() - dt.timedelta(days=20),
    )
    services.programme_create(
        actor=admin,
        region=town,
        title="南村镇防控提示",
        content="各村实行封闭式管理，外来人员一律登记。",
        schedule=["08:00", "17:30"],
        start_date=timezone.localdate() - dt.timedelta(days=10),
    )

    # Monitoring: four terminals stopped beating an hour ago; the sweep opens their faults.
    quiet = [terminals[3], terminals[10], terminals[17], terminals[40]]
    Terminal.objects.filter(pk__in=[t.pk for t in quiet]).update(
        last_heartbeat_at=now - dt.timedelta(minutes=70)
    )
    services.terminals_sweep(now=now - dt.timedelta(minutes=30))

    # Cadre reports: (terminal, kind, hours ago, stage, found cause, team)
    cadres = {
        v.code: u
        for u in get_user_model().objects.filter(username__in=["nc_nancun", "nc_yuanjia"])
        for v in [u.memberships.get().region]
    }
    plan = [
        (0, Fault.Kind.SILENT, 2, "open", None, None),
        (2, Fault.Kind.POWER_CUT, 30, "dispatched", None, WorkOrder.Team.JOINT),
        (5, Fault.Kind.SILENT, 20, "on_site", None, WorkOrder.Team.TOWN),
        (1, Fault.Kind.SILENT, 96, "closed", Fault.Kind.POWER_CUT, WorkOrder.Team.JOINT),
        (7, Fault.Kind.EQUIPMENT, 120, "closed", Fault.Kind.EQUIPMENT, WorkOrder.Team.STATION),
        (12, Fault.Kind.LINE, 60, "closed", Fault.Kind.LINE, WorkOrder.Team.TOWN),
        (24, Fault.Kind.POWER_CUT, 48, "closed", Fault.Kind.POWER_CUT, WorkOrder.Team.JOINT),
    ]
    for index, kind, hours, stage, cause, team in plan:
        terminal = terminals[index]
        reporter = cadres.get(terminal.region.code, town_cadre)
        fault = services.fault_report(actor=reporter, terminal=terminal, kind=kind)
        reported_at = now - dt.timedelta(hours=hours)
        Fault.objects.filter(pk=fault.pk).update(reported_at=reported_at)
        if stage == "open":
            continue
        repairer = technician if team != WorkOrder.Team.TOWN else town_cadre
        order = services.fault_dispatch(
            actor=repairer,
            fault=fault,
            team=team,
            assignee=repairer,
            crew="镇电工 + 广电台技术员" if team == WorkOrder.Team.JOINT else "",
        )
        assigned_at = reported_at + dt.timedelta(hours=1)
        WorkOrder.objects.filter(pk=order.pk).update(assigned_at=assigned_at)
        if stage == "dispatched":
            continue
        responded_at = assigned_at + dt.timedelta(hours=3 if team == WorkOrder.Team.JOINT else 6)
        services.order_arrive(actor=repairer, order=order, at=responded_at)
        if stage == "on_site":
            continue
        services.order_close(
            actor=repairer,
            order=order,
            cause=cause,
            note="重新接通电源并加装防护锁" if cause == Fault.Kind.POWER_CUT else "更换部件",
            repaired_at=responded_at + dt.timedelta(hours=2),
        )
    ctx.say(
        f"村村响：终端 {len(terminals)} 个（南村镇 {len(villages)} 个村各 2 个），"
        f"故障 {Fault.objects.count()} 起，维修工单 {WorkOrder.objects.count()} 张"
    )
