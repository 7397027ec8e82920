"""Roles and what each may do. This table is the whole permission model; tests snapshot it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HQ_LEADER = "hq_leader", _("指挥部领导")
    DEPT_STAFF = "dept_staff", _("部门工作人员")
    TOWN_CADRE = "town_cadre", _("镇街干部")
    VILLAGE_CADRE = "village_cadre", _("村居干部")
    GRID_WORKER = "grid_worker", _("网格员")
    VOLUNTEER = "volunteer", _("志愿者")
    COUNSELLOR = "counsellor", _("心理咨询师")
    AUDITOR = "auditor", _("审计员")


class Capability(models.TextChoices):
    VIEW_DASHBOARD = "view_dashboard", _("查看区域总览")
    VIEW_MEMBERS = "view_members", _("查看人员")
    MANAGE_MEMBERS = "manage_members", _("管理人员与部门")
    MANAGE_GRIDS = "manage_grids", _("管理网格")
    EDIT_RECORDS = "edit_records", _("录入业务数据")
    VIEW_LEDGER = "view_ledger", _("查看民政台账")
    VIEW_SENSITIVE = "view_sensitive", _("查看敏感个人信息")
    VIEW_AUDIT = "view_audit", _("查看审计记录")
    VIEW_OPINION = "view_opinion", _("查看舆情")
    MANAGE_OPINION = "manage_opinion", _("管理舆情监测与督办")
    MANAGE_VOLUNTEERS = "manage_volunteers", _("管理志愿者与值守")
    HANDLE_HOTLINE = "handle_hotline", _("接听与处置热线")
    MANAGE_ENTERPRISES = "manage_enterprises", _("管理企业服务与招聘")
    MANAGE_SUPPLIES = "manage_supplies", _("管理物资")
    MANAGE_PUBLICITY = "manage_publicity", _("管理宣传与村村响")


C = Capability
_LEADER = {C.VIEW_DASHBOARD, C.VIEW_MEMBERS, C.MANAGE_MEMBERS, C.MANAGE_GRIDS, C.EDIT_RECORDS}
# The lines of work a headquarters or a work group runs; a town runs them too, for its villages.
_LINES = {
    C.VIEW_OPINION,
    C.MANAGE_OPINION,
    C.MANAGE_VOLUNTEERS,
    C.HANDLE_HOTLINE,
    C.MANAGE_ENTERPRISES,
    C.MANAGE_SUPPLIES,
    C.MANAGE_PUBLICITY,
}
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.HQ_LEADER: frozenset(_LEADER | _LINES | {C.VIEW_LEDGER, C.VIEW_SENSITIVE}),
    Role.DEPT_STAFF: frozenset(
        {C.VIEW_DASHBOARD, C.VIEW_MEMBERS, C.EDIT_RECORDS, C.VIEW_LEDGER} | _LINES
    ),
    Role.TOWN_CADRE: frozenset(_LEADER | _LINES | {C.VIEW_LEDGER, C.VIEW_SENSITIVE}),
    # A village runs its own volunteers, receives and hands out supplies, reports silent
    # loudspeakers; it does not patrol public opinion or serve enterprises.
    Role.VILLAGE_CADRE: frozenset(
        {C.VIEW_DASHBOARD, C.VIEW_MEMBERS, C.MANAGE_GRIDS, C.EDIT_RECORDS}
        | {C.VIEW_LEDGER, C.VIEW_SENSITIVE}
        | {C.MANAGE_VOLUNTEERS, C.MANAGE_SUPPLIES, C.MANAGE_PUBLICITY}
    ),
    # A grid worker does the daily rounds: names and masked numbers, never full ID numbers.
    Role.GRID_WORKER: frozenset({C.VIEW_DASHBOARD, C.EDIT_RECORDS, C.VIEW_LEDGER}),
    Role.VOLUNTEER: frozenset({C.VIEW_DASHBOARD}),
    Role.COUNSELLOR: frozenset({C.VIEW_DASHBOARD, C.EDIT_RECORDS, C.HANDLE_HOTLINE}),
    # Separation of duties (MLPS 8.1.4.2d): the auditor reads the trail and edits nothing.
    Role.AUDITOR: frozenset({C.VIEW_DASHBOARD, C.VIEW_AUDIT}),
}
del C, _LEADER, _LINES


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("区县")
    TOWN = "town", _("乡镇街道")
    VILLAGE = "village", _("村居")
    GRID = "grid", _("网格")


# NBS codes grow by level: 2 → 4 → 6 → 9 → 12 digits; grids add three digits to a village code.
CODE_LENGTH = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWN: 9,
    Level.VILLAGE: 12,
    Level.GRID: 15,
}
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTH.items()}

# The levels at which each role may be placed; a village cadre works in a village, and so on.
ROLE_LEVELS: dict[str, frozenset[str]] = {
    Role.HQ_LEADER: frozenset({Level.PROVINCE, Level.CITY, Level.COUNTY}),
    Role.DEPT_STAFF: frozenset({Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWN}),
    Role.TOWN_CADRE: frozenset({Level.TOWN}),
    Role.VILLAGE_CADRE: frozenset({Level.VILLAGE}),
    Role.GRID_WORKER: frozenset({Level.VILLAGE, Level.GRID}),
    Role.VOLUNTEER: frozenset({Level.CITY, Level.COUNTY, Level.TOWN, Level.VILLAGE, Level.GRID}),
    Role.COUNSELLOR: frozenset({Level.CITY, Level.COUNTY}),
    Role.AUDITOR: frozenset({Level.PROVINCE, Level.CITY, Level.COUNTY}),
}
