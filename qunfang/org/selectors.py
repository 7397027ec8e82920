"""Reads of the org tree. Each takes the acting user and goes through the scoping primitive."""

from django.db.models import Count, QuerySet
from django.db.models.functions import Length, Substr

from qunfang.org.access import scope_for, scoped, subtree_q
from qunfang.org.models import Department, Membership, Region
from qunfang.org.roles import Level


def region_level_counts(user, region: Region) -> dict[str, int]:
    """How many regions of each level lie below `region` (itself excluded)."""
    rows = (
        scoped(Region.objects.filter(subtree_q(region.code)), user)
        .exclude(pk=region.pk)
        .values("level")
        .annotate(n=Count("id"))
    )
    return {row["level"]: row["n"] for row in rows}


def region_stats(user, region: Region) -> list[tuple[str, int]]:
    """(level label, count) below `region`, in tree order, levels with none left out."""
    counts = region_level_counts(user, region)
    return [(Level(level).label, counts[level]) for level in Level.values if level in counts]


def region_children(user, region: Region) -> list[dict]:
    """The region's children, each with the number of villages and grids below it.

    Two queries whatever the number of children: one for the children, one grouped count of
    descendants by their child-level prefix.
    """
    children = list(scoped(region.children.all(), user).order_by("code"))
    if not children:
        return []
    prefix_length = len(children[0].code)
    counts = (
        scoped(Region.objects.filter(subtree_q(region.code)), user)
        .annotate(code_length=Length("code"))
        .filter(code_length__gt=prefix_length)
        .annotate(prefix=Substr("code", 1, prefix_length))
        .values("prefix", "level")
        .annotate(n=Count("id"))
    )
    by_prefix: dict[str, dict[str, int]] = {}
    for row in counts:
        by_prefix.setdefault(row["prefix"], {})[row["level"]] = row["n"]
    return [
        {
            "region": child,
            "villages": by_prefix.get(child.code, {}).get(Level.VILLAGE, 0),
            "grids": by_prefix.get(child.code, {}).get(Level.GRID, 0),
            "towns": by_prefix.get(child.code, {}).get(Level.TOWN, 0),
        }
        for child in children
    ]


def region_breadcrumb(user, region: Region) -> list[Region]:
    """The path from the top of the user's scope down to `region`, never above the scope."""
    codes = region_breadcrumb_codes(user, region)
    return list(Region.objects.filter(code__in=codes).order_by("code"))


def region_switch_options(user, region: Region) -> list[Region]:
    """Regions the switcher offers: the scope's roots, the path to here, and the children."""
    scope = scope_for(user)
    codes = set(region_breadcrumb_codes(user, region))
    codes |= set(scope.roots)
    options = Region.objects.filter(code__in=codes) | scoped(region.children.all(), user)
    return list(options.order_by("code"))


def villages_by_name(user, region: Region) -> dict[str, list[Region]]:
    """Villages below `region` the user may reach, keyed by 12-digit code, NBS name and short
    name; a key with several villages is ambiguous (two 新村 in one town). Ledger imports use
    it to place the 村（社区） cell of a row."""
    villages = scoped(Region.objects.filter(subtree_q(region.code), level=Level.VILLAGE), user)
    index: dict[str, list[Region]] = {}
    for village in villages.order_by("code"):
        for key in {village.code, village.name, village.display_name}:
            index.setdefault(key, []).append(village)
    return index


def region_breadcrumb_codes(user, region: Region) -> list[str]:
    scope = scope_for(user)
    return [code for code in [*region.ancestor_codes, region.code] if scope.covers(code)]


def membership_list(user, *, region: Region | None = None, role: str = "") -> QuerySet:
    memberships = scoped(Membership.objects.all(), user).select_related(
        "user", "region", "department"
    )
    if region is not None:
        memberships = memberships.filter(subtree_q(region.code, "region__code"))
    if role:
        memberships = memberships.filter(role=role)
    return memberships.order_by("region__code", "role", "user__username")


def department_list(user, *, region: Region | None = None) -> QuerySet:
    departments = scoped(Department.objects.all(), user).select_related("region")
    if region is not None:
        departments = departments.filter(subtree_q(region.code, "region__code"))
    return departments
