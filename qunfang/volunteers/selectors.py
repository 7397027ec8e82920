"""Reads of the Youth League line. Each takes the acting user and goes through the scoping
primitive, then narrows to the region on screen and everything below it."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Length
from django.utils import timezone

from qunfang.org.access import scoped, subtree_q
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.volunteers.models import (
    Assignment,
    Campaign,
    CaringEnterprise,
    DisinfectionRound,
    HelpNeed,
    MedicFamily,
    Shift,
    SignUp,
    Team,
    Volunteer,
    overdue_round_q,
)


def _in_region(queryset: QuerySet, user, region: Region | None, path: str | None = None):
    queryset = scoped(queryset, user)
    if region is not None:
        queryset = queryset.filter(subtree_q(region.code, path or queryset.model.SCOPE_PATH))
    return queryset


def campaign_list(user, *, region: Region | None = None) -> QuerySet:
    return (
        _in_region(Campaign.objects.all(), user, region)
        .select_related("region")
        .annotate(
            signup_count=Count("signups"),
            pending=Count("signups", filter=Q(signups__status=SignUp.Status.PENDING)),
            approved=Count("signups", filter=Q(signups__status=SignUp.Status.APPROVED)),
        )
        .order_by("-starts_on", "-id")
    )


def signup_list(
    user, *, region: Region | None = None, status: str = "", campaign: Campaign | None = None
) -> QuerySet:
    signups = _in_region(SignUp.objects.all(), user, region)
    if status:
        signups = signups.filter(status=status)
    if campaign is not None:
        signups = signups.filter(campaign=campaign)
    return signups.select_related("region", "campaign", "vetted_by").order_by(
        "status", "-updated_at", "-id"
    )


def _served(prefix: str = "") -> Q:
    return Q(**{f"{prefix}checked_out_at__isnull": False})


def volunteer_list(
    user,
    *,
    region: Region | None = None,
    team: Team | None = None,
    core_only: bool = False,
    name: str = "",
) -> QuerySet:
    """Volunteers in scope, each with `person_times` (shifts served to the end)."""
    volunteers = _in_region(Volunteer.objects.all(), user, region)
    if team is not None:
        volunteers = volunteers.filter(team=team)
    if core_only:
        volunteers = volunteers.filter(is_core=True)
    if name:
        volunteers = volunteers.filter(name__contains=name.strip())
    return (
        volunteers.select_related("region", "grid", "team")
        .annotate(person_times=Count("assignments", filter=_served("assignments__")))
        .order_by("region__code", "name", "id")
    )


def team_list(user, *, region: Region | None = None, kind: str = "") -> QuerySet:
    teams = _in_region(Team.objects.all(), user, region)
    if kind:
        teams = teams.filter(kind=kind)
    return (
        teams.select_related("region", "leader")
        .annotate(
            member_count=Count("members", distinct=True),
            core_count=Count("members", filter=Q(members__is_core=True), distinct=True),
        )
        .order_by("region__code", "name")
    )


def shift_list(
    user,
    *,
    region: Region | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    category: str = "",
) -> QuerySet:
    shifts = _in_region(Shift.objects.all(), user, region)
    if start is not None:
        shifts = shifts.filter(starts_at__date__gte=start)
    if end is not None:
        shifts = shifts.filter(starts_at__date__lte=end)
    if category:
        shifts = shifts.filter(category=category)
    return (
        shifts.select_related("region")
        .annotate(
            assigned=Count("assignments"),
            checked_in=Count("assignments", filter=Q(assignments__checked_in_at__isnull=False)),
        )
        .order_by("starts_at", "id")
    )


def shift_assignments(shift: Shift) -> QuerySet:
    """The people on a shift the user already reached through access_object."""
    return shift.assignments.select_related(
        "volunteer", "volunteer__region", "volunteer__team"
    ).order_by("volunteer__name", "id")


def volunteer_choices(user, *, region: Region) -> QuerySet:
    """Active volunteers in scope within the county of `region`, for pickers."""
    county = region.code[:6]
    return (
        scoped(Volunteer.objects.filter(status=Volunteer.Status.ACTIVE), user)
        .filter(subtree_q(county, "region__code"))
        .select_related("region")
        .order_by("region__code", "name", "id")
    )


@dataclass(frozen=True)
class Suggestion:
    volunteer: Volunteer
    closeness: int  # 4 same grid, 3 same village, 2 same town, 1 same county
    skill: float  # share of the shift's skills the volunteer has (1 when none are asked)
    availability: float  # half for the weekday, half for the share of the shift's day-parts
    person_times: int

    @property
    def score(self) -> float:
        # Project choice: place matters most on a grid; skill and availability count double
        # their range so that a good match in the next village beats a poor one next door.
        return round(self.closeness + 2 * self.skill + 2 * self.availability, 2)

    @property
    def closeness_label(self) -> str:
        from django.utils.translation import gettext as _

        return {4: _("同网格"), 3: _("同村（社区）"), 2: _("同乡镇"), 1: _("同区县")}[
            self.closeness
        ]


def _closeness(volunteer: Volunteer, shift_code: str) -> int:
    if volunteer.grid_id and shift_code.startswith(volunteer.grid.code):
        return 4
    home = volunteer.region.code
    for level, length in ((3, 12), (2, 9)):
        if (
            len(home) >= length
            and len(shift_code) >= length
            and home[:length] == shift_code[:length]
        ):
            return level
    return 1


def shift_suggestions(user, shift: Shift, *, limit: int = 10) -> list[Suggestion]:
    """Active volunteers in scope and in the shift's county who are free at the shift's time,
    ranked by region closeness, skill match and availability (ties: fewer shifts served)."""
    busy = Assignment.objects.filter(
        volunteer=OuterRef("pk"), starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at
    )
    candidates = (
        volunteer_choices(user, region=shift.region)
        .select_related("grid")
        .annotate(busy=Exists(busy))
        .filter(busy=False)
        .annotate(person_times=Count("assignments", filter=_served("assignments__")))
    )
    weekday = timezone.localtime(shift.starts_at).weekday()
    slots = shift.slots()
    wanted = set(shift.skills)
    ranked: list[Suggestion] = []
    for volunteer in candidates:
        skill = len(wanted & set(volunteer.skills)) / len(wanted) if wanted else 1.0
        slot_share = len(slots & set(volunteer.available_slots)) / len(slots) if slots else 0
        availability = 0.5 * (weekday in volunteer.available_days) + 0.5 * slot_share
        ranked.append(
            Suggestion(
                volunteer=volunteer,
                closeness=_closeness(volunteer, shift.region.code),
                skill=round(skill, 2),
                availability=round(availability, 2),
                person_times=volunteer.person_times,
            )
        )
    ranked.sort(key=lambda s: (-s.score, s.person_times, s.volunteer.name, s.volunteer.pk))
    return ranked[:limit]


def my_assignments(user, *, days_back: int = 2) -> QuerySet:
    """The logged-in volunteer's own shifts from `days_back` days ago onwards."""
    since = timezone.now() - dt.timedelta(days=days_back)
    return (
        Assignment.objects.filter(volunteer__user=user, ends_at__gte=since)
        .select_related("shift", "shift__region", "volunteer")
        .order_by("starts_at", "id")
    )


def led_assignments(user, *, days_back: int = 1) -> QuerySet:
    """Shifts of the members of the teams the logged-in volunteer leads, for check-in on
    their behalf."""
    since = timezone.now() - dt.timedelta(days=days_back)
    return (
        Assignment.objects.filter(volunteer__team__leader__user=user, ends_at__gte=since)
        .exclude(volunteer__user=user)
        .select_related("shift", "shift__region", "volunteer")
        .order_by("starts_at", "volunteer__name", "id")
    )


def round_list(
    user, *, region: Region | None = None, overdue_only: bool = False, day: dt.date | None = None
) -> QuerySet:
    today = timezone.localdate()
    rounds = _in_region(DisinfectionRound.objects.all(), user, region).annotate(
        overdue=ExpressionWrapper(overdue_round_q(today), output_field=BooleanField())
    )
    if overdue_only:
        rounds = rounds.filter(overdue_round_q(today))
    if day is not None:
        rounds = rounds.filter(scheduled_on=day)
    # Rounds still to do come first (overdue at the top), then the done ones.
    return (
        rounds.annotate(
            is_done=ExpressionWrapper(Q(done_at__isnull=False), output_field=BooleanField())
        )
        .select_related("region", "squad")
        .order_by("is_done", "scheduled_on", "place", "id")
    )


def squad_choices(user, *, region: Region) -> QuerySet:
    """Disinfection squads in scope at `region` or above it (a town's squad serves villages)."""
    codes = [*region.ancestor_codes, region.code]
    return scoped(
        Team.objects.filter(kind=Team.Kind.DISINFECTION, region__code__in=codes), user
    ).order_by("region__code", "name")


def family_list(user, *, region: Region | None = None) -> QuerySet:
    return (
        _in_region(MedicFamily.objects.all(), user, region)
        .select_related("region")
        .annotate(
            need_count=Count("needs"),
            done_count=Count("needs", filter=Q(needs__status=HelpNeed.Status.DONE)),
        )
        .order_by("region__code", "medic_name", "id")
    )


def need_list(user, *, region: Region | None = None, status: str = "") -> QuerySet:
    needs = _in_region(HelpNeed.objects.all(), user, region)
    if status:
        needs = needs.filter(status=status)
    return needs.select_related("family", "region", "volunteer", "enterprise").order_by(
        "status", "-requested_on", "-id"
    )


def enterprise_list(user, *, region: Region | None = None) -> QuerySet:
    return (
        _in_region(CaringEnterprise.objects.all(), user, region)
        .select_related("region")
        .annotate(
            matched=Count("help_needs"),
            done=Count("help_needs", filter=Q(help_needs__status=HelpNeed.Status.DONE)),
        )
        .order_by("region__code", "name")
    )


def enterprise_choices(user, *, region: Region) -> QuerySet:
    """Caring enterprises in scope within the county of `region` (they serve a whole county)."""
    return scoped(
        CaringEnterprise.objects.filter(subtree_q(region.code[:6], "region__code")), user
    ).order_by("name")


def grid_choices(user, *, volunteer: Volunteer) -> QuerySet:
    return scoped(
        Region.objects.filter(subtree_q(volunteer.region.code), level=Level.GRID), user
    ).order_by("code")


def team_choices(user, *, volunteer: Volunteer) -> QuerySet:
    """Teams in scope whose region covers the volunteer's."""
    codes = [*volunteer.region.ancestor_codes, volunteer.region.code]
    return scoped(Team.objects.filter(region__code__in=codes), user).order_by(
        "region__code", "name"
    )


def village_choices(user, *, region: Region) -> QuerySet:
    return _in_region(
        Region.objects.filter(level__in=[Level.VILLAGE, Level.GRID]), user, region, "code"
    ).order_by("code")


def shift_region_choices(user, *, region: Region) -> QuerySet:
    """Where a shift, team or round can be: the region on screen and two levels below it in
    scope (a town offers its villages and grids; a city user switches to a county first, so
    that a picker never lists thousands of villages)."""
    return (
        _in_region(Region.objects.all(), user, region, "code")
        .annotate(code_length=Length("code"))
        .filter(code_length__lte=len(region.code) + 6)
        .order_by("code")
    )
