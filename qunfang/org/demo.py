"""Demo city: 晋城市 (1405) with its real counties, towns and villages, work groups and one
account per role at several levels. 泽州县 plays the district of the seed summaries."""

import secrets
import string

from django.contrib.auth import get_user_model

from qunfang.core.demo_context import DemoContext
from qunfang.org.models import Department, Region
from qunfang.org.roles import Role
from qunfang.org.services import department_create, grid_create, membership_create, regions_load

DISTRICT = "140525"  # 泽州县
TOWN = "140525100"  # 南村镇
VILLAGE = "140525100200"  # 南村村
SIBLING_VILLAGE = "140525100201"  # 原家村
OTHER_TOWN = "140581101"  # 高平市米山镇

K = Department.Kind
DEPARTMENTS = [
    ("1405", K.YOUTH_LEAGUE, "共青团晋城市委"),
    ("1405", K.CIVIL_AFFAIRS, "市民政局"),
    (DISTRICT, K.COMMAND, "疫情处置工作指挥部"),
    (DISTRICT, K.PUBLICITY, "宣传舆情组"),
    (DISTRICT, K.CIVIL_AFFAIRS, "民政局"),
    (DISTRICT, K.SUPPLIES, "物资保障组"),
    (DISTRICT, K.HEALTH, "卫健局"),
    (DISTRICT, K.ENTERPRISE, "企业服务组"),
    (DISTRICT, K.BROADCAST, "广播电视台"),
    (DISTRICT, K.PUBLIC_SECURITY, "公安分局网监大队"),
    (DISTRICT, K.DUTY_OFFICE, "区委值班室"),
    (TOWN, K.COMMAND, "镇疫情防控指挥部"),
    (TOWN, K.CIVIL_AFFAIRS, "镇民政所"),
    (OTHER_TOWN, K.CIVIL_AFFAIRS, "镇民政所"),
]

# (username, role, region code or "grid", department name or None, is_staff, description)
USERS = [
    ("jc_tuanwei", Role.DEPT_STAFF, "1405", "共青团晋城市委", True, "团市委 · 晋城市"),
    ("zz_zhihui", Role.HQ_LEADER, DISTRICT, "疫情处置工作指挥部", True, "指挥部领导 · 泽州县"),
    ("zz_xuanchuan", Role.DEPT_STAFF, DISTRICT, "宣传舆情组", False, "宣传舆情组 · 泽州县"),
    ("zz_minzheng", Role.DEPT_STAFF, DISTRICT, "民政局", False, "民政局 · 泽州县"),
    ("zz_xinli", Role.COUNSELLOR, DISTRICT, None, False, "12355 心理咨询师 · 泽州县"),
    ("zz_shenji", Role.AUDITOR, DISTRICT, None, True, "审计员 · 泽州县"),
    ("nc_zhen", Role.TOWN_CADRE, TOWN, "镇民政所", True, "镇街干部 · 南村镇"),
    ("nc_nancun", Role.VILLAGE_CADRE, VILLAGE, None, False, "村干部 · 南村镇南村村"),
    ("nc_yuanjia", Role.VILLAGE_CADRE, SIBLING_VILLAGE, None, False, "村干部 · 南村镇原家村"),
    ("nc_wangge", Role.GRID_WORKER, "grid", None, False, "网格员 · 南村村第一网格"),
    ("nc_zhiyuan", Role.VOLUNTEER, TOWN, None, False, "志愿者 · 南村镇"),
    ("gp_mishan", Role.TOWN_CADRE, OTHER_TOWN, "镇民政所", False, "镇街干部 · 高平市米山镇"),
]
GRID_NAMES = ["第一网格", "第二网格"]


def demo_password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "Qf-" + "".join(secrets.choice(alphabet) for _ in range(12))


def seed(ctx: DemoContext) -> None:
    result = regions_load(root=ctx.city_code)
    ctx.say(f"区划：{result.total} 个（新增 {result.created}）")
    User = get_user_model()

    sysadmin, created = User.objects.get_or_create(
        username="sysadmin", defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        password = demo_password()
        sysadmin.set_password(password)
        sysadmin.save()
        ctx.logins.append(("sysadmin", password, "系统管理员（全部区域）"))

    regions = {r.code: r for r in Region.objects.filter(code__in={d[0] for d in DEPARTMENTS})}
    departments = {
        (code, name): department_create(actor=sysadmin, region=regions[code], kind=kind, name=name)
        for code, kind, name in DEPARTMENTS
    }

    town = Region.objects.get(code=TOWN)
    grids: list[Region] = []
    for village in town.children.order_by("code"):
        existing = {g.name: g for g in village.children.all()}
        for grid_name in GRID_NAMES:
            name = f"{village.display_name}{grid_name}"
            grids.append(
                existing.get(name) or grid_create(actor=sysadmin, village=village, name=name)
            )
    ctx.say(f"网格：南村镇 {len(grids)} 个")
    first_grid = next(g for g in grids if g.code.startswith(VILLAGE))

    for username, role, code, department_name, is_staff, description in USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": is_staff}
        )
        region = first_grid if code == "grid" else Region.objects.get(code=code)
        department = None
        if department_name:
            department = next(
                d
                for (dcode, dname), d in departments.items()
                if dname == department_name and region.code.startswith(dcode)
            )
        membership_create(
            actor=sysadmin, user=user, region=region, role=role, department=department
        )
        if created:
            password = demo_password()
            user.set_password(password)
            user.save()
            ctx.logins.append((username, password, description))
        ctx.objects[f"user:{username}"] = user
    ctx.objects["region:district"] = Region.objects.get(code=DISTRICT)
    ctx.objects["region:town"] = town
    ctx.objects["grids"] = grids
