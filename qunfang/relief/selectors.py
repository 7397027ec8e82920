"""Reads of relief work. Each takes the acting user and goes through the scoping primitive,
then narrows to the region on screen and everything below it."""

import datetime as dt

from django.db.models import BooleanField, ExpressionWrapper, OuterRef, QuerySet, Subquery
from django.utils import timezone

from qunfang.org.access import scoped, subtree_q
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.relief.models import (
    CHILD_AGE,
    ELDERLY_AGE,
    AssistanceCase,
    CareArrangement,
    FamilyEvent,
    WeChatGroup,
    paperwork_overdue_q,
)
from qunfang.residents.models import Household, Person, Relation


def _in_region(queryset: QuerySet, user, region: Region | None, path: str = "region__code"):
    queryset = scoped(queryset, user)
    if region is not None:
        queryset = queryset.filter(subtree_q(region.code, path))
    return queryset


def _head_name(household_ref: str) -> Subquery:
    heads = Person.objects.filter(household=OuterRef(household_ref), relation=Relation.HEAD)
    return Subquery(heads.order_by("id").values("name")[:1])


def assistance_case_list(
    user, *, region: Region | None = None, overdue_only: bool = False
) -> QuerySet:
    """Cases in scope, each annotated with `overdue` (paperwork missing after its due date)
    and `head_name` (the household head's name)."""
    today = timezone.localdate()
    cases = _in_region(AssistanceCase.objects.all(), user, region).annotate(
        overdue=ExpressionWrapper(paperwork_overdue_q(today), output_field=BooleanField()),
        head_name=_head_name("household_id"),
    )
    if overdue_only:
        cases = cases.filter(paperwork_overdue_q(today))
    return cases.select_related("household", "region").order_by("-granted_on", "-id")


def care_arrangement_list(user, *, region: Region | None = None, status: str = "") -> QuerySet:
    arrangements = _in_region(CareArrangement.objects.all(), user, region)
    if status:
        arrangements = arrangements.filter(status=status)
    return arrangements.select_related("person", "region").order_by("status", "-start_date", "-id")


def family_event_list(user, *, region: Region | None = None, kind: str = "") -> QuerySet:
    events = _in_region(FamilyEvent.objects.all(), user, region)
    if kind:
        events = events.filter(kind=kind)
    return events.select_related("region", "household").order_by("-original_date", "-id")


def wechat_group_list(user, *, region: Region | None = None) -> QuerySet:
    return (
        _in_region(WeChatGroup.objects.all(), user, region)
        .select_related("region")
        .order_by("region__code", "name")
    )


# --- what create forms may offer ------------------------------------------------------------


def household_choices(user, *, region: Region) -> QuerySet:
    """Households in scope below `region`, with the head's name for the picker."""
    return (
        _in_region(Household.objects.all(), user, region)
        .annotate(head_name=_head_name("pk"))
        .select_related("region")
        .order_by("region__code", "register_no", "id")
    )


def care_person_choices(user, *, region: Region, on: dt.date | None = None) -> QuerySet:
    """Children and elderly people in scope below `region` who live there."""
    on = on or timezone.localdate()
    child_born_after = _years_before(on, CHILD_AGE)
    elderly_born_by = _years_before(on, ELDERLY_AGE)
    people = _in_region(Person.objects.all(), user, region).filter(
        status__in=[Person.Status.RESIDENT, Person.Status.AWAY]
    )
    return (
        (
            people.filter(birth_date__gt=child_born_after)
            | people.filter(birth_date__lte=elderly_born_by)
        )
        .select_related("region")
        .order_by("region__code", "household_id", "id")
    )


def village_choices(user, *, region: Region) -> QuerySet:
    """Villages (村/社区) in scope at or below `region`."""
    return _in_region(Region.objects.filter(level=Level.VILLAGE), user, region, "code").order_by(
        "code"
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
