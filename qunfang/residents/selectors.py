"""Reads of the ledger; each takes the acting user and goes through the scoping primitive."""

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from qunfang.org.access import scoped, subtree_q
from qunfang.org.models import Region
from qunfang.residents.models import Alert, HealthCheck, Person, Tag
from qunfang.residents.rules import OPEN_STATUSES


def active_tags_q(day: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def people_in(user, region: Region) -> QuerySet:
    return scoped(Person.objects.filter(subtree_q(region.code, "region__code")), user)


def round_people(user, region: Region, day: dt.date, *, everyone: bool = False) -> QuerySet:
    """Today's round: vulnerable persons and anyone with an open alert (or everyone who lives
    here), open alerts first, then the vulnerable, the unchecked before the checked."""
    today_checks = HealthCheck.objects.filter(person=OuterRef("pk"), checked_on=day)
    people = (
        people_in(user, region)
        .filter(status__in=[Person.Status.RESIDENT, Person.Status.AWAY])
        .annotate(
            vulnerable=Exists(Tag.objects.filter(active_tags_q(day), person=OuterRef("pk"))),
            alerted=Exists(Alert.objects.filter(person=OuterRef("pk"), status__in=OPEN_STATUSES)),
            checked_today=Exists(today_checks),
            last_temperature=Subquery(
                today_checks.order_by("-checked_at").values("temperature")[:1]
            ),
        )
        .select_related("region")
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.filter(active_tags_q(day)), to_attr="active_tags")
        )
    )
    if not everyone:
        people = people.filter(Q(vulnerable=True) | Q(alerted=True))
    return people.order_by("-alerted", "-vulnerable", "checked_today", "village_code", "name", "id")


def round_progress(user, region: Region, day: dt.date) -> dict[str, int]:
    people = round_people(user, region, day)
    total = people.count()
    checked = people.filter(checked_today=True).count()
    return {"total": total, "checked": checked, "unchecked": total - checked}


def person_list(
    user, region: Region, *, tag: str = "", query: str = "", status: str = ""
) -> QuerySet:
    day = timezone.localdate()
    people = people_in(user, region).select_related("household", "region")
    if tag:
        people = people.filter(
            Exists(Tag.objects.filter(active_tags_q(day), person=OuterRef("pk"), kind=tag))
        )
    if query:
        people = people.filter(Q(name__contains=query) | Q(household__register_no=query))
    if status:
        people = people.filter(status=status)
    return people.prefetch_related(
        Prefetch("tags", queryset=Tag.objects.filter(active_tags_q(day)), to_attr="active_tags")
    ).order_by("village_code", "household__register_no", "id")


def alert_list(user, region: Region, *, state: str = "open") -> QuerySet:
    alerts = scoped(Alert.objects.filter(subtree_q(region.code, "region__code")), user)
    now = timezone.now()
    if state == "open":
        alerts = alerts.filter(status__in=OPEN_STATUSES)
    elif state == "overdue":
        alerts = alerts.filter(status__in=OPEN_STATUSES, due_at__lt=now)
    elif state == "closed":
        alerts = alerts.filter(status=Alert.Status.CLOSED)
    return alerts.select_related("person", "region").order_by("due_at", "-raised_at")


def is_overdue(alert: Alert, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return alert.status in OPEN_STATUSES and alert.due_at is not None and alert.due_at < now
