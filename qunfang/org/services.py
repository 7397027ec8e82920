"""Writes to the org tree: loading divisions, grids, departments and memberships."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qunfang.core.audit import audit_record
from qunfang.core.models import AuditEvent
from qunfang.org.divisions import read_subtree
from qunfang.org.models import Department, Membership, Region
from qunfang.org.roles import CODE_LENGTH, LEVEL_BY_LENGTH, ROLE_LEVELS, Level, Role

GRID_CODE_DIGITS = 3


class UnknownRegionCode(ValueError):
    pass


@dataclass(frozen=True)
class LoadResult:
    root: str
    created: int
    updated: int
    total: int


@transaction.atomic
def regions_load(*, root: str) -> LoadResult:
    """Load the division `root`, its ancestors and everything below it, idempotently.

    Existing rows keep their ids (memberships point at them); names are refreshed. An unknown
    code raises UnknownRegionCode before anything is written.
    """
    root = root.strip()
    rows = read_subtree(root) if root.isdigit() and len(root) in LEVEL_BY_LENGTH else []
    if not rows:
        raise UnknownRegionCode(root)

    existing = {
        code: (pk, name)
        for pk, code, name in Region.objects.filter(
            code__in=[code for code, _name in rows]
        ).values_list("pk", "code", "name")
    }
    created = updated = 0
    ids: dict[str, int] = {code: pk for code, (pk, _name) in existing.items()}
    for length in sorted({len(code) for code, _name in rows}):
        level_rows = [(code, name) for code, name in rows if len(code) == length]
        new: list[Region] = []
        changed: list[Region] = []
        for code, name in level_rows:
            parent_id = ids.get(_parent_code(code))
            if code in existing:
                pk, old_name = existing[code]
                if old_name != name:
                    changed.append(Region(pk=pk, code=code, name=name))
            else:
                new.append(
                    Region(code=code, name=name, level=LEVEL_BY_LENGTH[length], parent_id=parent_id)
                )
        Region.objects.bulk_create(new, batch_size=2000)
        Region.objects.bulk_update(changed, ["name"], batch_size=2000)
        created += len(new)
        updated += len(changed)
        if new:
            ids.update(
                Region.objects.filter(code__in=[r.code for r in new]).values_list("code", "pk")
            )
    return LoadResult(root=root, created=created, updated=updated, total=len(rows))


def _parent_code(code: str) -> str:
    shorter = [n for n in sorted(CODE_LENGTH.values()) if n < len(code)]
    return code[: shorter[-1]] if shorter else ""


GRID_NAME_REQUIRED = gettext_noop("请填写网格名称。")
GRID_PARENT_NOT_VILLAGE = gettext_noop("网格只能建在村（社区）下。")
GRID_NAME_TAKEN = gettext_noop("本村已有同名网格。")
GRID_FULL = gettext_noop("本村网格数量已达上限（999）。")


@transaction.atomic
def grid_create(*, actor, village: Region, name: str) -> Region:
    """Create a grid (网格) under a village; its code is the village code plus 3 digits."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_(GRID_NAME_REQUIRED))
    if village.level != Level.VILLAGE:
        raise ValidationError(_(GRID_PARENT_NOT_VILLAGE))
    # Lock the village row so two cadres adding grids at once cannot take the same number.
    village = Region.objects.select_for_update().get(pk=village.pk)
    siblings = list(village.children.values_list("code", "name"))
    if any(existing == name for _code, existing in siblings):
        raise ValidationError(_(GRID_NAME_TAKEN))
    used = {int(code[-GRID_CODE_DIGITS:]) for code, _name in siblings}
    number = next((n for n in range(1, 1000) if n not in used), None)
    if number is None:
        raise ValidationError(_(GRID_FULL))
    grid = Region.objects.create(
        code=f"{village.code}{number:0{GRID_CODE_DIGITS}d}",
        name=name,
        level=Level.GRID,
        parent=village,
        created_by=actor,
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"网格 {grid.code} {grid.name}",
        region_code=grid.code,
    )
    return grid


ROLE_WRONG_LEVEL = gettext_noop("角色“{role}”不能设在“{level}”层级。")
DEPARTMENT_OUTSIDE_REGION = gettext_noop("所选部门不在该区域或其上级。")


def membership_validate(*, region: Region, role: str, department: Department | None) -> None:
    if region.level not in ROLE_LEVELS[role]:
        raise ValidationError(
            _(ROLE_WRONG_LEVEL).format(role=Role(role).label, level=Level(region.level).label)
        )
    if department is not None and not region.code.startswith(department.region.code):
        raise ValidationError(_(DEPARTMENT_OUTSIDE_REGION))


@transaction.atomic
def membership_create(
    *, actor, user, region: Region, role: str, department: Department | None = None
) -> Membership:
    """Place a user in a region with a role; the permission change is audited."""
    membership_validate(region=region, role=role, department=department)
    membership, _created = Membership.objects.update_or_create(
        user=user,
        region=region,
        role=role,
        defaults={"department": department, "is_active": True},
    )
    audit_record(
        action=AuditEvent.Action.PERMISSION,
        actor=actor,
        target=f"任职 {user.get_username()} {role}",
        region_code=region.code,
        detail={
            "user": user.get_username(),
            "role": role,
            "department": department and department.name,
        },
    )
    return membership


@transaction.atomic
def department_create(*, actor, region: Region, kind: str, name: str = "") -> Department:
    department, created = Department.objects.get_or_create(
        region=region,
        name=name or str(Department.Kind(kind).label),
        defaults={"kind": kind},
    )
    if created:
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=actor,
            target=f"部门 {department.name}",
            region_code=region.code,
        )
    return department
