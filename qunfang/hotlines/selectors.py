"""Scoped reads of the hotline line of work. Every list goes through org.access.scoped."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from qunfang.hotlines.models import Call, Escalation, Line, Shift, follow_up_overdue_q
from qunfang.hotlines.services import HOTLINE_ROLES
from qunfang.org.access import scope_for, scoped, subtree_q
from qunfang.org.models import Region
from qunfang.org.roles import Level


def line_list(user) -> QuerySet:
    """Lines the user may take calls on: those run in their scope and those run above it (a
    district counsellor answers the city's 12355)."""
    scope = scope_for(user)
    condition = scope.q("region__code")
    if not scope.unlimited:
        above = {code[:n] for code in scope.roots for n in (2, 4, 6, 9, 12) if n < len(code)}
        condition |= Q(region__code__in=above)
    return Line.objects.filter(condition).select_related("region")


def shift_list(user, *, region: Region, upcoming_only: bool = False) -> QuerySet:
    shifts = scoped(Shift.objects.all(), user).filter(subtree_q(region.code, "region__code"))
    if upcoming_only:
        shifts = shifts.filter(ends_at__gte=timezone.now())
    return shifts.select_related("line", "counsellor", "region")


def counsellor_choices(user, *, region: Region) -> QuerySet:
    """Users on hotline duty whose membership lies in the user's scope below `region`."""
    in_scope = scope_for(user).q("memberships__region__code")
    below = subtree_q(region.code, "memberships__region__code")
    return (
        get_user_model()
        # One filter() call: the same membership must be active, in scope and a hotline role.
        .objects.filter(
            in_scope & below,
            memberships__is_active=True,
            memberships__role__in=HOTLINE_ROLES,
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )


def call_list(
    user,
    *,
    region: Region,
    line: int | None = None,
    risk: str = "",
    overdue_only: bool = False,
) -> QuerySet:
    calls = scoped(Call.objects.all(), user).filter(subtree_q(region.code, "region__code"))
    if line:
        calls = calls.filter(line_id=line)
    if risk:
        calls = calls.filter(risk=risk)
    if overdue_only:
        calls = calls.filter(follow_up_overdue_q(timezone.localdate()))
    return calls.select_related("line", "region", "taken_by", "escalation")


def escalation_list(user, *, region: Region, status: str = "") -> QuerySet:
    escalations = scoped(Escalation.objects.all(), user).filter(
        subtree_q(region.code, "region__code")
    )
    if status:
        escalations = escalations.filter(status=status)
    return escalations.select_related("region", "call__line", "care")


def place_choices(user, *, region: Region) -> QuerySet:
    """Where a call may be filed: the region on screen and its towns and villages in scope."""
    levels = [Level.COUNTY, Level.TOWN, Level.VILLAGE, Level.CITY]
    return (
        scoped(Region.objects.all(), user)
        .filter(subtree_q(region.code), level__in=levels)
        .order_by("code")
    )


def village_choices(user, *, region: Region) -> QuerySet:
    return (
        scoped(Region.objects.all(), user)
        .filter(subtree_q(region.code), level=Level.VILLAGE)
        .order_by("code")
    )
