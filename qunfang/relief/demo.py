"""Demo relief work in 南村镇 (140525100), on the households and persons the residents demo
made: five temporary-assistance grants (one with its paperwork overdue), three temporary care
arrangements, four weddings and funerals, and a civil-affairs WeChat group per village.
Each part is skipped when it is already there, so seed_demo may run any number of times."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model

from qunfang.core.demo_context import DemoContext
from qunfang.core.idcard import age_on
from qunfang.org.access import subtree_q
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.relief import services
from qunfang.relief.models import (
    CHILD_AGE,
    ELDERLY_AGE,
    AssistanceCase,
    CareArrangement,
    FamilyEvent,
    WeChatGroup,
)
from qunfang.residents.models import Household, Person

TOWN = "140525100"  # 南村镇
R, F, D = AssistanceCase.Reason, AssistanceCase.Form, dt.date
# (reason, detail, form, cash, goods, granted on, paperwork done on)
GRANTS = [
    (R.EPIDEMIC, "务工收入中断", F.BOTH, "800", "米面油一份", D(2020, 2, 6), D(2020, 2, 20)),
    (R.EPIDEMIC, "家人隔离无人照顾", F.CASH, "500", "", D(2020, 2, 9), D(2020, 3, 2)),
    (R.ILLNESS, "", F.CASH, "1000", "", D(2020, 2, 12), D(2020, 3, 5)),
    (R.EPIDEMIC, "", F.IN_KIND, None, "口罩、消毒液、米面油", D(2020, 2, 15), D(2020, 3, 1)),
    (R.ACCIDENT, "房屋失火", F.BOTH, "2000", "棉被两床", D(2020, 2, 18), None),
]
CARE_REASONS = [
    CareArrangement.Reason.CARER_ISOLATED,
    CareArrangement.Reason.CARER_AWAY,
    CareArrangement.Reason.CARER_HOSPITALISED,
]
CARE_START = dt.date(2020, 2, 5)
K, S = FamilyEvent.Kind, FamilyEvent.Status
# (kind, family name, original date, new date, expected size, status, note)
EVENTS = [
    (K.WEDDING, "赵家", dt.date(2020, 2, 8), dt.date(2020, 10, 1), 150, S.POSTPONED, "疫情后再办"),
    (K.WEDDING, "孙家", dt.date(2020, 2, 14), None, 80, S.POSTPONED, "日期待定"),
    (K.FUNERAL, "周家", dt.date(2020, 2, 10), None, 20, S.SIMPLIFIED, "只限直系亲属"),
    (K.WEDDING, "吴家", dt.date(2020, 2, 22), None, 60, S.CANCELLED, "改为登记后不办酒席"),
]


def seed(ctx: DemoContext) -> None:
    in_town = subtree_q(TOWN, "region__code")
    households = list(
        Household.objects.filter(in_town).exclude(register_no="").select_related("region")
    )
    if not households:
        ctx.say("临时救助：南村镇没有户籍台账数据，未生成演示数据")
        return
    actor = ctx.objects.get("user:nc_zhen") or get_user_model().objects.get(username="nc_zhen")
    _grants(ctx, actor, households)
    _care(ctx, actor)
    _events(ctx, actor)
    _wechat_groups(ctx, actor)


def _grants(ctx: DemoContext, actor, households: list[Household]) -> None:
    if AssistanceCase.objects.filter(subtree_q(TOWN, "region__code")).exists():
        ctx.say("临时救助：南村镇已有记录，跳过")
        return
    # Even steps through the ledger (ordered by region code) land in different villages.
    chosen = households[:: max(1, len(households) // len(GRANTS))][: len(GRANTS)]
    for household, grant in zip(chosen, GRANTS, strict=False):
        reason, detail, form, cash, goods, granted_on, done_on = grant
        case = services.assistance_grant(
            actor=actor,
            household=household,
            reason=reason,
            reason_detail=detail,
            form=form,
            cash_amount=Decimal(cash) if cash else None,
            in_kind_description=goods,
            granted_on=granted_on,
        )
        if done_on:
            services.assistance_complete_paperwork(actor=actor, case=case, done_on=done_on)
    ctx.say(f"临时救助：{len(chosen)} 户（其中 1 户手续逾期未补）")


def _care(ctx: DemoContext, actor) -> None:
    if CareArrangement.objects.filter(subtree_q(TOWN, "region__code")).exists():
        ctx.say("临时照料：南村镇已有记录，跳过")
        return
    people = Person.objects.filter(
        subtree_q(TOWN, "region__code"), status=Person.Status.RESIDENT
    ).select_related("region")
    chosen: list[Person] = []
    for person in people.order_by("id").iterator():
        age = age_on(person.birth_date, CARE_START)
        if age < CHILD_AGE or age >= ELDERLY_AGE:
            chosen.append(person)
        if len(chosen) == len(CARE_REASONS):
            break
    for number, (person, reason) in enumerate(zip(chosen, CARE_REASONS, strict=False)):
        arrangement = services.care_arrange(
            actor=actor,
            person=person,
            reason=reason,
            carer_name=["村委会 李红", "邻居 张桂兰", "亲属 王强"][number],
            carer_phone=f"1390356{number:04d}",
            place=["村委会临时照料点", "邻居家", "亲属家"][number],
            start_date=CARE_START,
        )
        if number == len(CARE_REASONS) - 1:
            services.care_end(actor=actor, arrangement=arrangement, end_date=dt.date(2020, 3, 1))
    ctx.say(f"临时照料：{len(chosen)} 人")


def _villages() -> list[Region]:
    return list(Region.objects.filter(subtree_q(TOWN), level=Level.VILLAGE).order_by("code"))


def _events(ctx: DemoContext, actor) -> None:
    if FamilyEvent.objects.filter(subtree_q(TOWN, "region__code")).exists():
        ctx.say("婚丧事：南村镇已有记录，跳过")
        return
    villages = _villages()
    for number, event in enumerate(EVENTS):
        kind, family_name, original_date, new_date, size, status, note = event
        services.family_event_record(
            actor=actor,
            region=villages[number % len(villages)],
            kind=kind,
            family_name=family_name,
            original_date=original_date,
            new_date=new_date,
            expected_size=size,
            status=status,
            note=note,
        )
    ctx.say(f"婚丧事：{len(EVENTS)} 件（婚事延期、丧事简办）")


def _wechat_groups(ctx: DemoContext, actor) -> None:
    made = 0
    for number, village in enumerate(_villages()):
        name = f"{village.display_name}民政事务群"
        if WeChatGroup.objects.filter(region=village, name=name).exists():
            continue
        services.wechat_group_save(
            actor=actor,
            region=village,
            name=name,
            admin_name="王李张刘陈杨赵黄周吴"[number % 10] + "主任",
            admin_phone=f"1380356{number:04d}",
            members=20 + number * 3,
            note="民政办与村干部、低保五保及临时救助对象家属",
        )
        made += 1
    ctx.say(f"民政事务微信群：新建 {made} 个")
