"""Demo Youth League work in 泽州县, concentrated in 南村镇: a recruitment campaign with about
200 sign-ups from the town's villages (a few merged duplicates, a few refused, some pending),
the approved volunteers in village teams with leaders and core volunteers, a town
disinfection squad, a week of shifts in the eight duty categories with check-ins and
check-outs (today's shift open for the demo volunteer nc_zhiyuan to check into), disinfection
rounds (one overdue), caring enterprises, medical staff families and their needs.

Everything goes through the services, so the demo obeys the same rules as the pages. The part
is skipped when its campaign is already there, so seed_demo may run any number of times."""

import contextlib
import dataclasses
import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from qunfang.core.crypto import decrypt
from qunfang.core.demo_context import DemoContext
from qunfang.core.idcard import check_char
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.volunteers import selectors, services
from qunfang.volunteers.models import (
    Campaign,
    Category,
    Equipment,
    HelpNeed,
    Skill,
    Slot,
    Team,
    Volunteer,
)

DISTRICT = "140525"  # 泽州县
TOWN = "140525100"  # 南村镇
TITLE = "泽州县青年志愿者招募令"
PEOPLE = 205
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉建国志宇浩然晨阳欣怡佳"
    "琪子涵梓萱一鸣俊杰思远晓东海燕春梅"
)
PLACES = {
    Category.CHECKPOINT: "高速口卡点",
    Category.PUBLICITY: "村委会广场",
    Category.POLICY: "便民服务站",
    Category.CONVENIENCE: "代购代办点",
    Category.DISINFECTION: "集贸市场",
    Category.DELIVERY: "物资发放点",
    Category.PSYCHOLOGICAL: "12355心理热线值班室",
    Category.SCREENING: "入户排查",
}
SKILLS_FOR = {
    Category.CHECKPOINT: [Skill.MEDICAL],
    Category.PUBLICITY: [Skill.PUBLICITY],
    Category.POLICY: [Skill.PUBLICITY],
    Category.CONVENIENCE: [Skill.LOGISTICS],
    Category.DISINFECTION: [Skill.DISINFECTION],
    Category.DELIVERY: [Skill.DRIVING, Skill.LOGISTICS],
    Category.PSYCHOLOGICAL: [Skill.PSYCHOLOGY],
    Category.SCREENING: [Skill.DATA_ENTRY],
}
ENTERPRISES = [
    ("晋城市青年企业家协会", "组织会员企业送餐、送菜上门"),
    ("泽州县惠民超市", "生活物资免费配送"),
    ("晋城智学教育", "医护子女线上学业辅导"),
    ("泽州县康泰药房", "常用药品代购送药"),
    ("南村镇家政服务社", "老人照料、家务帮办"),
]
FAMILIES = [
    ("李静", "泽州县人民医院", "湖北武汉"),
    ("王芳", "晋城市人民医院", "湖北武汉"),
    ("张伟", "泽州县中医院", "湖北襄阳"),
    ("赵敏", "晋城大医院", "湖北武汉"),
    ("刘洋", "泽州县妇幼保健院", "湖北荆门"),
    ("陈晨", "南村镇卫生院", "湖北武汉"),
]
NEEDS = [
    (HelpNeed.Kind.ERRAND, "为老人代买降压药"),
    (HelpNeed.Kind.TUTORING, "孩子初二数学线上辅导"),
    (HelpNeed.Kind.ERRAND, "每周代购蔬菜米面"),
    (HelpNeed.Kind.TUTORING, "孩子小学英语作业辅导"),
    (HelpNeed.Kind.OTHER, "家中水管维修"),
    (HelpNeed.Kind.ERRAND, "代缴水电费"),
    (HelpNeed.Kind.TUTORING, "高三复习资料打印与答疑"),
    (HelpNeed.Kind.OTHER, "老人日常陪伴聊天"),
    (HelpNeed.Kind.ERRAND, "接送孩子往返外婆家"),
    (HelpNeed.Kind.TUTORING, "孩子三年级语文阅读辅导"),
    (HelpNeed.Kind.ERRAND, "代取快递"),
    (HelpNeed.Kind.OTHER, "心理疏导"),
]


def _id_number(rng: random.Random, serial: int, today: dt.date) -> str:
    birth = dt.date(today.year - rng.randint(19, 45), rng.randint(1, 12), rng.randint(1, 28))
    first17 = f"{DISTRICT}{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + check_char(first17)


def _signup_data(rng, campaign, village, serial, today, **changes) -> services.SignUpData:
    values = {
        "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2]))),
        "id_number": _id_number(rng, serial, today),
        "phone": f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}",
        "region_code": village.code,
        "skills": rng.sample(Skill.values, rng.randint(1, 3)),
        "days": [str(d) for d in sorted(rng.sample(range(7), rng.randint(3, 7)))],
        "slots": rng.sample(Slot.values, rng.randint(1, 3)),
        "health_declared": True,
        "health_note": "",
        "consented": True,
        "consent_version": campaign.consent.version,
    }
    values.update(changes)
    return services.SignUpData(**values)


def seed(ctx: DemoContext) -> None:
    if Campaign.objects.filter(title=TITLE).exists():
        ctx.say("志愿服务：演示招募令已存在，跳过")
        return
    villages = list(Region.objects.filter(parent__code=TOWN, level=Level.VILLAGE).order_by("code"))
    if not villages:
        ctx.say("志愿服务：没有南村镇的区划数据，未生成演示数据")
        return
    User = get_user_model()
    admin = User.objects.filter(is_superuser=True).order_by("id").first()
    league = ctx.objects.get("user:jc_tuanwei") or admin
    cadre = ctx.objects.get("user:nc_zhen") or admin
    rng = random.Random(2020)
    today = timezone.localdate()
    district = Region.objects.get(code=DISTRICT)
    town = Region.objects.get(code=TOWN)

    campaign = services.campaign_create(
        actor=league,
        region=district,
        title=TITLE,
        description="团县委发布青年志愿者招募令，网格化参与疫情防控：卡口检测、宣传、政策解读、"
        "便民服务、消杀、物资配送、心理援助、社区排查。扫码报名，审核后统一编队。",
        starts_on=today - dt.timedelta(days=14),
        ends_on=today + dt.timedelta(days=30),
        target=300,
    )
    signups = []
    for serial in range(PEOPLE):
        data = _signup_data(rng, campaign, villages[serial % len(villages)], serial, today)
        signups.append(services.signup_submit(campaign=campaign, data=data).signup)
    # The same people sending the form again merge; a few bad submissions are refused.
    for signup in signups[:5]:
        again = _signup_data(rng, campaign, signup.region, 0, today)
        again = dataclasses.replace(again, name=signup.name, id_number=decrypt(signup.id_number))
        services.signup_submit(campaign=campaign, data=again)
    for bad in ({"id_number": "140525199001011234"}, {"phone": "1234"}, {"consented": False}):
        with contextlib.suppress(ValidationError):
            services.signup_submit(
                campaign=campaign, data=_signup_data(rng, campaign, villages[0], 900, today, **bad)
            )
    signups = list(campaign.signups.select_related("region").order_by("id"))
    for signup in signups[:-12]:
        services.signup_approve(actor=cadre, signup=signup)
    for signup in signups[-12:-9]:
        services.signup_reject(
            actor=cadre, signup=signup, reason="联系电话无法接通，请核实后重新报名"
        )
    campaign.refresh_from_db()
    ctx.say(
        f"志愿服务：招募令 1 个，报名 {len(signups)} 人（重复报名合并 {campaign.merged} 次，"
        f"校验未通过 {campaign.rejected} 次）"
    )

    volunteers = list(Volunteer.objects.filter(region__parent=town).select_related("region"))
    teams = _teams(cadre, villages, volunteers)
    squad = services.team_create(
        actor=cadre, region=town, name="南村镇消杀专业小队", kind=Team.Kind.DISINFECTION
    )
    _link_demo_volunteer(ctx, cadre, volunteers)
    shifts = _week_of_shifts(cadre, villages, today)
    _rounds(cadre, villages, squad, volunteers, today)
    _angels(cadre, town, villages, volunteers, today)
    ctx.say(
        f"志愿服务：志愿者 {len(volunteers)} 人，小分队 {len(teams) + 1} 支，"
        f"班次 {shifts} 个（近一周），消杀、守护天使行动演示数据已生成"
    )


def _teams(cadre, villages, volunteers) -> list[Team]:
    teams = []
    by_village: dict[str, list[Volunteer]] = {}
    for volunteer in volunteers:
        by_village.setdefault(volunteer.region.code, []).append(volunteer)
    grids = {g.parent_id: g for g in Region.objects.filter(parent__in=villages, level=Level.GRID)}
    for village in villages[:12]:
        members = by_village.get(village.code, [])
        if not members:
            continue
        team = services.team_create(
            actor=cadre,
            region=village,
            name=f"{village.display_name}青年志愿者小分队",
            kind=Team.Kind.GENERAL,
        )
        for number, volunteer in enumerate(members):
            services.volunteer_update(
                actor=cadre,
                volunteer=volunteer,
                team=team,
                is_core=number < 2,
                grid=grids.get(village.pk),
                status=Volunteer.Status.ACTIVE,
            )
        services.team_set_leader(actor=cadre, team=team, leader=members[0])
        teams.append(team)
    return teams


def _link_demo_volunteer(ctx, cadre, volunteers) -> None:
    user = ctx.objects.get("user:nc_zhiyuan")
    if user is None:
        return
    volunteer = next(v for v in volunteers if v.team_id and not v.is_core)
    volunteer.refresh_from_db()
    services.volunteer_update(
        actor=cadre,
        volunteer=volunteer,
        team=volunteer.team,
        is_core=False,
        grid=volunteer.grid,
        status=Volunteer.Status.ACTIVE,
        user=user,
    )
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    shift = services.shift_create(
        actor=cadre,
        region=volunteer.region,
        category=Category.CONVENIENCE,
        place=f"{volunteer.region.display_name}代购代办点",
        starts_at=now,
        ends_at=now + dt.timedelta(hours=4),
        needed=2,
    )
    services.shift_assign(actor=cadre, shift=shift, volunteer=volunteer)


def _week_of_shifts(cadre, villages, today: dt.date) -> int:
    count = 0
    tz = timezone.get_current_timezone()
    for back in range(6, -1, -1):
        day = today - dt.timedelta(days=back)
        for number, category in enumerate(Category.values):
            village = villages[(number + back) % min(len(villages), 12)]
            start_hour = 8 if number % 2 == 0 else 14
            starts_at = dt.datetime.combine(day, dt.time(start_hour), tzinfo=tz)
            shift = services.shift_create(
                actor=cadre,
                region=village,
                category=category,
                place=f"{village.display_name}{PLACES[category]}",
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(hours=4),
                needed=3,
                skills=SKILLS_FOR[category],
            )
            count += 1
            past = shift.ends_at < timezone.now()
            for suggestion in selectors.shift_suggestions(cadre, shift, limit=3):
                assignment = services.shift_assign(
                    actor=cadre, shift=shift, volunteer=suggestion.volunteer
                )
                if past:
                    services.assignment_check_in(
                        actor=cadre,
                        assignment=assignment,
                        at=shift.starts_at + dt.timedelta(minutes=(assignment.pk * 7) % 15),
                    )
                    services.assignment_check_out(
                        actor=cadre,
                        assignment=assignment,
                        at=shift.ends_at - dt.timedelta(minutes=(assignment.pk * 11) % 20),
                    )
    return count


def _rounds(cadre, villages, squad, volunteers, today: dt.date) -> None:
    places = [f"{v.display_name}村委会及周边" for v in villages[:3]] + ["南村镇集贸市场"]
    result = services.rounds_schedule(
        actor=cadre,
        region=squad.region,
        squad=squad,
        places=places,
        start=today - dt.timedelta(days=6),
        days=8,
        equipment=[Equipment.AEROSOL, Equipment.BACKPACK],
    )
    helpers = volunteers[:6]
    for number, round in enumerate(result.created):
        if round.scheduled_on >= today:
            continue
        if round.scheduled_on == today - dt.timedelta(days=1) and number % len(places) == 0:
            continue  # left undone: shows as overdue
        services.round_done(
            actor=cadre,
            round=round,
            volunteers=helpers[number % 3 : number % 3 + 2],
            at=timezone.make_aware(dt.datetime.combine(round.scheduled_on, dt.time(16))),
        )


def _angels(cadre, town, villages, volunteers, today: dt.date) -> None:
    enterprises = [
        services.enterprise_register(
            actor=cadre,
            region=town,
            name=name,
            offers=offers,
            contact_name="联络员",
            contact_phone=f"1390356{number:04d}",
            joined_on=today - dt.timedelta(days=10 - number),
        )
        for number, (name, offers) in enumerate(ENTERPRISES)
    ]
    families = [
        services.family_register(
            actor=cadre,
            region=villages[number % len(villages)],
            medic_name=name,
            medic_unit=unit,
            deployed_to=place,
            contact_name=f"{name[0]}家属",
            contact_phone=f"1380356{number:04d}",
            note="援鄂医护人员家庭",
        )
        for number, (name, unit, place) in enumerate(FAMILIES)
    ]
    for number, (kind, description) in enumerate(NEEDS):
        need = services.need_create(
            actor=cadre,
            family=families[number % len(families)],
            kind=kind,
            description=description,
            requested_on=today - dt.timedelta(days=7 - number % 7),
        )
        if number >= 10:
            continue  # still open
        if number % 2:
            services.need_match(actor=cadre, need=need, enterprise=enterprises[number % 5])
        else:
            services.need_match(actor=cadre, need=need, volunteer=volunteers[number])
        if number < 8:
            services.need_done(actor=cadre, need=need, result="已完成，家属满意")
