"""Demo enterprise service and online job fair in the demo city (晋城市 1405, 泽州县 140525):
six enterprises of 南村镇 assigned to the district's 企业服务组 or the city Youth League's
入企服务工作组, visits, problems (most solved), resumption reports, and the city's first online
job fair running around today with vetted entries, positions and a few applications (one of
them submitted twice and merged). Skipped when the enterprises are there."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from qunfang.core.demo_context import DemoContext
from qunfang.enterprises import services
from qunfang.enterprises.credit_code import check_character
from qunfang.enterprises.models import Enterprise
from qunfang.org.models import Department, Region

CITY = "1405"
DISTRICT = "140525"
TOWN = "140525100"


def code(kind: str, serial: int) -> str:
    first17 = f"{kind}{DISTRICT}MA0{serial:06d}"
    return first17 + check_character(first17)


# (name, kind digits, industry, size, employees, contact, work group: "district" or "league")
ENTERPRISES = [
    ("泽州县南村铸造有限公司", "91", "C", "medium", 260, "郭建军", "district"),
    ("晋城市兴盛食品有限公司", "91", "C", "small", 85, "李秀梅", "league"),
    ("南村镇鑫源煤机配件厂", "91", "C", "small", 60, "王志强", "district"),
    ("泽州县绿康农业专业合作社", "93", "A", "micro", 18, "张福生", "league"),
    ("晋城市通达物流有限公司", "91", "G", "small", 45, "赵鹏", "district"),
    ("泽州县康宁医疗器械有限公司", "91", "Q", "small", 70, "陈静", "league"),
]
# (enterprise index, days ago, category, description, resolution or "")
PROBLEMS = [
    (0, 12, "labour", "外地工人返岗难，缺工约60人", "通过网络招聘会招工，对接返岗专车"),
    (0, 12, "protective", "复工需口罩3000个、测温枪10把", "协调物资保障组调拨"),
    (1, 10, "logistics", "原料运输车辆进村受限", "办理复工复产车辆通行证"),
    (2, 8, "funding", "流动资金紧张，贷款即将到期", "对接银行办理展期"),
    (3, 6, "approval", "新建冷库手续办理慢", ""),
    (4, 5, "logistics", "司机需隔离，运力不足", "协调核酸检测后上岗"),
    (5, 3, "labour", "生产防护服需熟练缝纫工20人", ""),
]
# (enterprise index, [(days ago, status, workers back)])
RESUMPTION = {
    0: [(14, "stopped", 0), (9, "partial", 120), (2, "full", 250)],
    1: [(14, "stopped", 0), (7, "partial", 50)],
    2: [(10, "partial", 30), (3, "full", 58)],
    3: [(6, "full", 18)],
    4: [(14, "stopped", 0), (4, "partial", 20)],
    5: [(5, "partial", 55)],
}
# (enterprise index, title, head-count, salary min, max, place, requirements)
POSITIONS = [
    (0, "铸造工", 30, 4500, 6500, "泽州县南村镇工业园", "身体健康，能适应倒班，有经验者优先"),
    (0, "数控车床操作工", 10, 5000, 7000, "泽州县南村镇工业园", "持相关证书"),
    (1, "食品包装工", 20, 3000, 3800, "晋城市兴盛食品厂区", "有健康证，女性优先"),
    (1, "质检员", 3, 3500, 4500, "晋城市兴盛食品厂区", "中专以上学历"),
    (2, "装配钳工", 12, 4000, 5500, "南村镇", "两年以上钳工经验"),
    (4, "货车司机（B2）", 8, 6000, 9000, "晋城市", "B2驾照，三年驾龄"),
    (5, "缝纫工", 20, 3800, 5000, "泽州县康宁医疗器械", "熟练使用工业缝纫机"),
    (5, "仓库管理员", 2, 3500, 4200, "泽州县康宁医疗器械", "会使用电脑"),
]
# (position index, name, phone, age, experience)
APPLICANTS = [
    (0, "李国强", "13903561201", 35, "铸造厂工作八年"),
    (0, "王海军", "13903561202", 41, ""),
    (2, "张丽", "13903561203", 29, "食品厂包装三年"),
    (5, "刘洋", "13903561204", 33, "B2驾照，跑过长途"),
    (6, "赵春燕", "13903561205", 38, "服装厂缝纫工十年"),
    (6, "赵春燕", "13903561205", 38, "服装厂缝纫工十年，可立即到岗"),  # again: merged
    (1, "孙鹏", "13903561206", 26, "数控专业毕业"),
]


def seed(ctx: DemoContext) -> None:
    if Enterprise.objects.filter(credit_code=code("91", 1)).exists():
        ctx.say("企业服务：已有演示数据，跳过")
        return
    User = get_user_model()

    def user(name: str):
        return ctx.objects.get(f"user:{name}") or User.objects.get(username=name)

    hq, league_user = user("zz_zhihui"), user("jc_tuanwei")
    groups = {
        "district": Department.objects.get(region__code=DISTRICT, kind=Department.Kind.ENTERPRISE),
        "league": Department.objects.get(region__code=CITY, kind=Department.Kind.YOUTH_LEAGUE),
    }
    # The town's villages (codes 2xx) rather than its residential communities (0xx).
    villages = list(
        Region.objects.filter(parent__code=TOWN, code__gte=f"{TOWN}200").order_by("code")[:6]
    )
    today = timezone.localdate()
    enterprises = []
    for serial, (name, kind, industry, size, employees, contact, group) in enumerate(
        ENTERPRISES, start=1
    ):
        enterprises.append(
            services.enterprise_create(
                actor=hq,
                region=villages[(serial - 1) % len(villages)],
                name=name,
                credit_code=code(kind, serial),
                industry=industry,
                size=size,
                employees=employees,
                contact_name=contact,
                contact_phone=f"1390356{serial:04d}",
                work_group=groups[group],
            )
        )
    visits = _service(hq, enterprises, today)
    fair_counts = _fair(league_user, hq, groups["league"], enterprises, today)
    ctx.say(
        f"企业服务：企业 {len(enterprises)} 家，走访 {visits} 次，问题 {len(PROBLEMS)} 个；"
        + fair_counts
    )


def _service(actor, enterprises: list[Enterprise], today: dt.date) -> int:
    visits = {}
    for index, days, category, description, resolution in PROBLEMS:
        enterprise = enterprises[index]
        visit = visits.get((index, days))
        if visit is None:
            visit = visits[(index, days)] = services.visit_record(
                actor=actor,
                enterprise=enterprise,
                visited_on=today - dt.timedelta(days=days),
                visitors="团机关入企服务工作组 李明、王芳",
                notes="了解企业复工复产困难，宣讲扶持政策",
            )
        problem = services.problem_raise(
            actor=actor,
            enterprise=enterprise,
            category=category,
            description=description,
            raised_on=visit.visited_on,
            visit=visit,
        )
        if resolution:
            services.problem_solve(
                actor=actor,
                problem=problem,
                resolution=resolution,
                solved_on=min(today, visit.visited_on + dt.timedelta(days=3)),
            )
    for index, reports in RESUMPTION.items():
        for days, status, workers in reports:
            services.resumption_report(
                actor=actor,
                enterprise=enterprises[index],
                status=status,
                reported_on=today - dt.timedelta(days=days),
                workers_back=workers,
            )
    return len(visits)


def _fair(league_user, hq, organiser, enterprises: list[Enterprise], today: dt.date) -> str:
    fair = services.fair_create(
        actor=league_user,
        region=Region.objects.get(code=CITY),
        organiser=organiser,
        title="晋城首届线上招聘会",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=27),
        description="团市委联合市直相关职能部门举办：用工企业不到现场就能“招人有路”，"
        "求职群众“宅”在家里就能“码”上就业。",
        publish=True,
    )
    entries = {}
    for index in (0, 1, 2, 4, 5, 3):
        entry = services.entry_apply(actor=hq, fair=fair, enterprise=enterprises[index])
        if index != 3:  # the co-operative's application is still being vetted
            entry = services.entry_vet(actor=league_user, entry=entry, approve=True)
        entries[index] = entry
    positions = [
        services.position_add(
            actor=hq,
            entry=entries[index],
            title=title,
            headcount=headcount,
            salary_min=low,
            salary_max=high,
            place=place,
            requirements=requirements,
        )
        for index, title, headcount, low, high, place, requirements in POSITIONS
    ]
    for index, name, phone, age, experience in APPLICANTS:
        services.application_submit(
            position=positions[index], name=name, phone=phone, age=age, experience=experience
        )
    jobs = sum(p.headcount for p in positions)
    return f"招聘会申报企业 {len(entries)} 家，岗位 {jobs} 个，求职申请 {len(APPLICANTS) - 1} 份"
