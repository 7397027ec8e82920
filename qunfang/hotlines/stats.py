"""The hotline numbers the Youth League summary leaves as "X" (截止3月2日接听12355热线X次 …).

Every function takes the acting user, a region and an optional date window and counts only
rows in the user's scope below that region.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from qunfang.hotlines.models import Call, Escalation, follow_up_overdue_q
from qunfang.org.access import scoped, subtree_q
from qunfang.org.models import Region


@dataclass(frozen=True)
class LineCount:
    line_id: int
    name: str
    number: str
    calls: int


@dataclass(frozen=True)
class HotlineSummary:
    calls: int
    minutes: int
    by_line: list[LineCount]
    by_topic: dict[str, int]  # topic value → calls, every topic present (zeros included)
    by_risk: dict[str, int]
    escalations: int
    escalations_placed: int
    follow_ups_due: int
    follow_ups_done: int
    follow_ups_overdue: int  # as of today, whatever the window
    as_of: dt.date = field(default_factory=timezone.localdate)


def _window(start: dt.date | None, end: dt.date | None) -> Q:
    """Calls received on a local date from `start` to `end` inclusive."""
    condition = Q()
    tz = timezone.get_current_timezone()
    if start is not None:
        condition &= Q(received_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end is not None:
        after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        condition &= Q(received_at__lt=after)
    return condition


def calls_in(user, region: Region, start: dt.date | None, end: dt.date | None) -> QuerySet:
    return (
        scoped(Call.objects.all(), user)
        .filter(subtree_q(region.code, "region__code"))
        .filter(_window(start, end))
    )


def hotline_summary(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> HotlineSummary:
    """Calls received in the window by line, topic and risk; escalations made on them;
    follow-ups due and done among them; follow-ups overdue today."""
    calls = calls_in(user, region, start, end)
    totals = calls.aggregate(
        calls=Count("id"),
        minutes=Sum("duration_minutes"),
        escalations=Count("escalation"),
        placed=Count("escalation", filter=Q(escalation__status=Escalation.Status.PLACED)),
        due=Count("id", filter=Q(follow_up_due__isnull=False)),
        done=Count("id", filter=Q(follow_up_done_on__isnull=False)),
    )
    by_line = [
        LineCount(row["line"], row["line__name"], row["line__number"], row["n"])
        for row in calls.values("line", "line__name", "line__number")
        .annotate(n=Count("id"))
        .order_by("line__number", "line")
    ]
    by_topic = dict.fromkeys(Call.Topic.values, 0)
    by_topic.update(calls.values_list("topic").annotate(n=Count("id")).order_by())
    by_risk = dict.fromkeys(Call.Risk.values, 0)
    by_risk.update(calls.values_list("risk").annotate(n=Count("id")).order_by())
    overdue = (
        scoped(Call.objects.all(), user)
        .filter(subtree_q(region.code, "region__code"))
        .filter(follow_up_overdue_q(timezone.localdate()))
        .count()
    )
    return HotlineSummary(
        calls=totals["calls"],
        minutes=totals["minutes"] or 0,
        by_line=by_line,
        by_topic=by_topic,
        by_risk=by_risk,
        escalations=totals["escalations"],
        escalations_placed=totals["placed"],
        follow_ups_due=totals["due"],
        follow_ups_done=totals["done"],
        follow_ups_overdue=overdue,
    )
