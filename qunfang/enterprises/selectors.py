"""Scoped reads of enterprise service and the job fair. Every list goes through
org.access.scoped; the public reads show only what a published fair lets anyone see."""

from django.db.models import Case, Count, Q, QuerySet, Sum, When
from django.utils import timezone

from qunfang.enterprises.models import (
    Application,
    Enterprise,
    FairEntry,
    JobFair,
    Position,
    Problem,
)
from qunfang.org.access import scope_for, scoped, subtree_q
from qunfang.org.models import Department, Region
from qunfang.org.roles import Level


def enterprise_list(user, *, region: Region, resumption: str = "", query: str = "") -> QuerySet:
    enterprises = scoped(Enterprise.objects.all(), user).filter(
        subtree_q(region.code, "region__code")
    )
    if resumption:
        enterprises = enterprises.filter(resumption=resumption)
    if query:
        enterprises = enterprises.filter(Q(name__contains=query) | Q(credit_code=query.upper()))
    return (
        enterprises.select_related("region", "work_group")
        .annotate(open_problems=Count("problems", filter=Q(problems__status=Problem.Status.OPEN)))
        .order_by("region__code", "name", "id")
    )


def _above(user) -> Q:
    """Rows whose region is in the user's scope or above it (a city-level fair or work group
    serves a district's enterprises too)."""
    scope = scope_for(user)
    condition = scope.q("region__code")
    if not scope.unlimited:
        above = {code[:n] for code in scope.roots for n in (2, 4, 6, 9, 12) if n < len(code)}
        condition |= Q(region__code__in=above)
    return condition


def work_group_choices(user, *, region: Region) -> QuerySet:
    """Departments that may serve enterprises at `region`: set up there or above it, and in
    or above the user's scope. 企业服务 groups first."""
    codes = [region.code, *region.ancestor_codes]
    return (
        Department.objects.filter(_above(user), region__code__in=codes)
        .select_related("region")
        .order_by(
            # Enterprise-service groups first, then the others by region and name.
            Case(When(kind=Department.Kind.ENTERPRISE, then=0), default=1),
            "region__code",
            "name",
        )
    )


def region_choices(user, *, region: Region) -> QuerySet:
    levels = [Level.COUNTY, Level.TOWN, Level.VILLAGE]
    return (
        scoped(Region.objects.all(), user)
        .filter(subtree_q(region.code), level__in=levels)
        .order_by("code")
    )


def fair_list(user) -> QuerySet:
    return JobFair.objects.filter(_above(user)).select_related("region", "organiser")


def entry_list(user, *, fair: JobFair) -> QuerySet:
    """The fair's entries the user may see: all of them for the organisers (the fair's region
    in scope), otherwise those of enterprises in scope."""
    entries = fair.entries.all()
    if not scope_for(user).covers(fair.region.code):
        entries = scoped(entries, user)
    return (
        entries.select_related("enterprise__region", "vetted_by")
        .annotate(
            position_count=Count("positions", distinct=True),
            jobs=Sum("positions__headcount"),
        )
        .order_by("enterprise__name", "id")
    )


def position_list(user, *, fair: JobFair | None = None, region: Region | None = None) -> QuerySet:
    positions = scoped(Position.objects.all(), user)
    if fair is not None:
        positions = positions.filter(entry__fair=fair)
    if region is not None:
        positions = positions.filter(subtree_q(region.code, "entry__enterprise__region__code"))
    return (
        positions.select_related("entry__enterprise__region", "entry__fair")
        .annotate(application_count=Count("applications"))
        .order_by("entry__enterprise__name", "title", "id")
    )


def application_list(
    user, *, fair: JobFair | None = None, region: Region | None = None, status: str = ""
) -> QuerySet:
    applications = scoped(Application.objects.all(), user)
    if fair is not None:
        applications = applications.filter(position__entry__fair=fair)
    if region is not None:
        applications = applications.filter(
            subtree_q(region.code, "position__entry__enterprise__region__code")
        )
    if status:
        applications = applications.filter(status=status)
    return applications.select_related("position__entry__enterprise")


# --- public reads ---------------------------------------------------------------------------


def public_fairs() -> QuerySet:
    today = timezone.localdate()
    return JobFair.objects.filter(is_published=True, ends_on__gte=today).order_by("starts_on")


def public_positions(fair: JobFair, *, query: str = "") -> QuerySet:
    positions = Position.objects.filter(
        entry__fair=fair, entry__status=FairEntry.Status.APPROVED, is_open=True
    )
    if query:
        positions = positions.filter(
            Q(title__contains=query)
            | Q(entry__enterprise__name__contains=query)
            | Q(place__contains=query)
        )
    return positions.select_related("entry__enterprise").order_by(
        "entry__enterprise__name", "title", "id"
    )
