"""Demo hotlines of the city Youth League (团市委, 晋城市 1405): the 12355 青少年服务台 and the
24-hour minors' rescue line, two weeks of counsellors' shifts around today, a week of calls
about 南村镇, and one child-in-danger escalation handed to civil affairs (placed in temporary
care when the residents demo left a child in 南村村). Skipped when the lines are there."""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from qunfang.core.crypto import decrypt
from qunfang.core.demo_context import DemoContext
from qunfang.core.idcard import age_on
from qunfang.hotlines import services
from qunfang.hotlines.models import Call, Line
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.relief.models import CHILD_AGE, CareArrangement
from qunfang.residents.models import Person

CITY = "1405"
TOWN = "140525100"  # 南村镇
VILLAGE = "140525100200"  # 南村村
T, R, A, C = Call.Topic, Call.Risk, Call.Action, Call.CallerType
# (topic, risk, action, caller type, minutes, notes)
CALLS = [
    (
        T.EPIDEMIC_ANXIETY,
        R.LOW,
        A.COUNSELLED,
        C.PARENT,
        18,
        "家长担心孩子出门被传染，反复消毒，焦虑失眠。",
    ),
    (T.STUDY, R.LOW, A.INFORMED, C.MINOR, 12, "初三学生网课跟不上，担心中考推迟。"),
    (T.FAMILY, R.MEDIUM, A.COUNSELLED, C.MINOR, 35, "居家时间长，和父亲频繁争吵。"),
    (T.EMOTION, R.MEDIUM, A.REFERRED, C.MINOR, 40, "情绪低落两周，转介校外心理辅导站。"),
    (T.POLICY, R.LOW, A.INFORMED, C.ADULT, 6, "咨询返岗人员子女托管政策。"),
    (
        T.EPIDEMIC_ANXIETY,
        R.HIGH,
        A.COUNSELLED,
        C.MINOR,
        52,
        "亲属确诊后自责，有轻生念头，已约定回访。",
    ),
    (T.STUDY, R.LOW, A.COUNSELLED, C.PARENT, 15, "孩子沉迷手机，家长求助沟通方法。"),
]
RESCUE_CALL = (
    T.UNATTENDED,
    R.CRITICAL,
    C.NEIGHBOUR,
    20,
    "邻居反映：孩子父母均在集中隔离点，孩子独自在家两天，家中缺粮。",
)


def seed(ctx: DemoContext) -> None:
    if Line.objects.filter(region__code=CITY, number="12355").exists():
        ctx.say("热线：已有演示数据，跳过")
        return
    User = get_user_model()
    league = ctx.objects.get("user:jc_tuanwei") or User.objects.get(username="jc_tuanwei")
    counsellor = ctx.objects.get("user:zz_xinli") or User.objects.get(username="zz_xinli")
    city = Region.objects.get(code=CITY)
    psych = services.line_create(
        actor=league,
        region=city,
        name="12355青少年服务台",
        number="12355",
        kind=Line.Kind.PSYCHOLOGICAL,
        opened_on=dt.date(2020, 2, 5),
    )
    rescue = services.line_create(
        actor=league,
        region=city,
        name="未成年人救助服务热线",
        number="0356-2021355",
        kind=Line.Kind.MINORS_RESCUE,
        opened_on=dt.date(2020, 2, 3),
    )
    shifts = _shifts(league, counsellor, psych, rescue)
    calls = _calls(counsellor, psych, rescue)
    ctx.say(f"热线：2 条，值班 {shifts} 班，来电 {calls} 次（含困境儿童转介 1 起）")


def _shifts(league, counsellor, psych: Line, rescue: Line) -> int:
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    count = 0
    for offset in range(-7, 7):
        day = today + dt.timedelta(days=offset)
        day_start = dt.datetime.combine(day, dt.time(8), tzinfo=tz)
        night_start = dt.datetime.combine(day, dt.time(20), tzinfo=tz)
        services.shift_create(
            actor=league,
            line=psych,
            counsellor=counsellor,
            starts_at=day_start,
            ends_at=day_start + dt.timedelta(hours=12),
        )
        services.shift_create(
            actor=league,
            line=rescue,
            counsellor=league,
            starts_at=night_start,
            ends_at=night_start + dt.timedelta(hours=12),
            note="夜班，紧急情况联系民政局值班电话",
        )
        count += 2
    return count


def _calls(counsellor, psych: Line, rescue: Line) -> int:
    rng = random.Random(12355)
    town = Region.objects.get(code=TOWN)
    villages = town.children.filter(level=Level.VILLAGE, code__gte=f"{TOWN}200")
    places = [town, *villages.order_by("code")[:8]]
    now = timezone.now()
    count = 0
    for days_ago in range(7, 0, -1):
        for topic, risk, action, caller, minutes, notes in rng.sample(CALLS, 3):
            received = now - dt.timedelta(days=days_ago, hours=rng.randint(0, 10))
            due = None
            if risk in (Call.Risk.HIGH, Call.Risk.MEDIUM):
                due = timezone.localtime(received).date() + dt.timedelta(days=2)
            call = services.call_record(
                actor=counsellor,
                line=psych,
                region=rng.choice(places),
                received_at=received,
                duration_minutes=minutes,
                caller_type=caller,
                caller_phone=f"139{rng.randint(0, 99_999_999):08d}",
                topic=topic,
                risk=risk,
                action=action,
                notes=notes,
                follow_up_due=due,
            )
            # Follow-ups of the older calls are done; the last days' may still be open.
            if due is not None and days_ago > 3:
                services.call_follow_up(
                    actor=counsellor, call=call, note="回访：情绪平稳", done_on=due
                )
            count += 1
    _rescue(counsellor, rescue, now)
    return count + 1


def _rescue(counsellor, rescue: Line, now: dt.datetime) -> None:
    village = Region.objects.get(code=VILLAGE)
    topic, risk, caller, minutes, notes = RESCUE_CALL
    call = services.call_record(
        actor=counsellor,
        line=rescue,
        region=village,
        received_at=now - dt.timedelta(days=2, hours=3),
        duration_minutes=minutes,
        caller_type=caller,
        caller_phone="13734561234",
        topic=topic,
        risk=risk,
        action=Call.Action.COUNSELLED,
        notes=notes,
        follow_up_due=timezone.localdate(),
    )
    child = _a_child_without_care(village)
    placement = {}
    if child is not None:
        placement = {
            "child_id_number": decrypt(child.id_number),
            "carer_name": "村妇联主任王芳",
            "carer_phone": "13700001234",
            "place": "南村村委会临时照料点",
        }
    try:
        services.call_escalate(
            actor=counsellor,
            call=call,
            village=village,
            child_name=child.name if child else "小宇（姓名待核实）",
            situation="父母均在集中隔离点，孩子独自在家两天，家中缺粮。",
            reason=CareArrangement.Reason.CARER_ISOLATED,
            **placement,
        )
    except ValidationError:
        services.call_escalate(
            actor=counsellor,
            call=call,
            village=village,
            child_name="小宇（姓名待核实）",
            situation="父母均在集中隔离点，孩子独自在家两天，家中缺粮。",
            reason=CareArrangement.Reason.CARER_ISOLATED,
        )


def _a_child_without_care(village: Region) -> Person | None:
    today = timezone.localdate()
    busy = CareArrangement.objects.filter(status=CareArrangement.Status.ACTIVE).values("person")
    candidates = (
        Person.objects.filter(village_code=village.code, status=Person.Status.RESIDENT)
        .exclude(pk__in=busy)
        .order_by("-birth_date", "id")
    )
    for person in candidates[:50]:
        if age_on(person.birth_date, today) < CHILD_AGE:
            return person
    return None
