"""Counts for the work summaries, one function per count, each scoped to a region."""

import datetime as dt

from django.db.models import Count

from qunfang.org.access import scoped, subtree_q
from qunfang.org.models import Region
from qunfang.residents.models import Alert, HealthCheck, Tag
from qunfang.residents.selectors import active_tags_q


def persons_per_tag(user, region: Region, *, day: dt.date) -> dict[str, int]:
    """Persons holding each vulnerability tag on `day` (a person with two tags counts twice)."""
    rows = (
        scoped(Tag.objects.filter(subtree_q(region.code, "person__region__code")), user)
        .filter(active_tags_q(day))
        .values("kind")
        .annotate(n=Count("person_id", distinct=True))
    )
    counts = {kind: 0 for kind in Tag.Kind.values}
    counts.update({row["kind"]: row["n"] for row in rows})
    return counts


def vulnerable_persons(user, region: Region, *, day: dt.date) -> int:
    return (
        scoped(Tag.objects.filter(subtree_q(region.code, "person__region__code")), user)
        .filter(active_tags_q(day))
        .values("person_id")
        .distinct()
        .count()
    )


def checks_done(user, region: Region, *, start: dt.date, end: dt.date) -> int:
    return (
        scoped(HealthCheck.objects.filter(subtree_q(region.code, "region__code")), user)
        .filter(checked_on__range=(start, end))
        .count()
    )


def persons_checked(user, region: Region, *, start: dt.date, end: dt.date) -> int:
    return (
        scoped(HealthCheck.objects.filter(subtree_q(region.code, "region__code")), user)
        .filter(checked_on__range=(start, end))
        .values("person_id")
        .distinct()
        .count()
    )


def _alerts(user, region: Region):
    return scoped(Alert.objects.filter(subtree_q(region.code, "region__code")), user)


def alerts_raised(user, region: Region, *, start: dt.date, end: dt.date) -> int:
    return _alerts(user, region).filter(raised_at__date__range=(start, end)).count()


def alerts_closed(user, region: Region, *, start: dt.date, end: dt.date) -> int:
    return (
        _alerts(user, region)
        .filter(status=Alert.Status.CLOSED, status_changed_at__date__range=(start, end))
        .count()
    )


def alerts_by_status(user, region: Region) -> dict[str, int]:
    rows = _alerts(user, region).values("status").annotate(n=Count("id"))
    counts = {status: 0 for status in Alert.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts
