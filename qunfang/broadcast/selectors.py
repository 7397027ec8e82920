"""Reads of the loudspeaker network. Each takes the acting user and goes through the scoping
primitive, then narrows to the region on screen and everything below it."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from qunfang.broadcast.models import Fault, Programme, Terminal, WorkOrder
from qunfang.org.access import scoped, subtree_q
from qunfang.org.models import Membership, Region
from qunfang.org.roles import CODE_LENGTH, ROLE_CAPABILITIES, Capability, Level


def _in_region(queryset: QuerySet, user, region: Region | None) -> QuerySet:
    queryset = scoped(queryset, user)
    if region is not None:
        queryset = queryset.filter(subtree_q(region.code, "region__code"))
    return queryset


def terminal_list(user, *, region: Region | None = None, status: str = "") -> QuerySet:
    terminals = _in_region(Terminal.objects.all(), user, region)
    if status:
        terminals = terminals.filter(status=status)
    return terminals.select_related("region").order_by("region__code", "code")


def open_fault_list(user, *, region: Region | None = None) -> QuerySet:
    """Faults not yet repaired, oldest first: the one waiting longest is at the top."""
    faults = _in_region(Fault.objects.exclude(status=Fault.Status.CLOSED), user, region)
    return faults.select_related("terminal", "region", "order").order_by("reported_at", "id")


def fault_list(user, *, region: Region | None = None, status: str = "") -> QuerySet:
    faults = _in_region(Fault.objects.all(), user, region)
    if status:
        faults = faults.filter(status=status)
    return faults.select_related("terminal", "region", "order").order_by("-reported_at", "-id")


def order_list(user, *, region: Region | None = None) -> QuerySet:
    orders = _in_region(WorkOrder.objects.all(), user, region)
    return orders.select_related("fault", "fault__terminal", "region", "assignee").order_by(
        "-assigned_at", "-id"
    )


def programme_list(region: Region) -> QuerySet:
    """Programmes that play in `region`: set at the region, above it (a district programme plays
    in every village) or below it. What loudspeakers play is public, so a village cadre sees the
    district's programmes too; the caller has checked the viewer may open `region`."""
    codes = [*region.ancestor_codes, region.code]
    return (
        Programme.objects.filter(Q(region__code__in=codes) | subtree_q(region.code, "region__code"))
        .select_related("region", "announcement")
        .order_by("-start_date", "-id")
    )


def repairer_choices(region: Region) -> QuerySet:
    """Users who may take a repair order in `region`: MANAGE_PUBLICITY through a membership at
    town level or above that covers it (the station's technicians, the town crew)."""
    town = CODE_LENGTH[Level.TOWN]
    above = [region.code[:length] for length in CODE_LENGTH.values() if length <= town]
    roles = [r for r, caps in ROLE_CAPABILITIES.items() if Capability.MANAGE_PUBLICITY in caps]
    users = Membership.objects.filter(
        is_active=True, role__in=roles, region__code__in=above
    ).values("user_id")
    return get_user_model().objects.filter(pk__in=users, is_active=True).order_by("username")
