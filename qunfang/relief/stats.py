"""The numbers the civil-affairs work summary leaves as "X" (疫情期间共办理临时救助X户 …).

Every function takes the acting user, a region and an optional date window and counts only
rows in the user's scope below that region. One aggregate query per function.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from qunfang.org.access import scoped, subtree_q
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.relief.models import (
    AssistanceCase,
    CareArrangement,
    FamilyEvent,
    WeChatGroup,
    paperwork_overdue_q,
)


@dataclass(frozen=True)
class AssistanceSummary:
    cases: int
    households: int  # 共办理临时救助X户: a household helped twice counts once
    cash_total: Decimal
    overdue: int  # paperwork still missing after its due date, as of today


@dataclass(frozen=True)
class CareSummary:
    active: int
    total: int


@dataclass(frozen=True)
class FamilyEventSummary:
    total: int
    postponed: int
    simplified: int
    cancelled: int
    held: int
    weddings: int
    funerals: int


@dataclass(frozen=True)
class WeChatSummary:
    groups: int
    villages_covered: int
    villages: int


@dataclass(frozen=True)
class ReliefSummary:
    assistance: AssistanceSummary
    care: CareSummary
    events: FamilyEventSummary
    wechat: WeChatSummary


def _below(queryset: QuerySet, user, region: Region, path: str = "region__code") -> QuerySet:
    return scoped(queryset, user).filter(subtree_q(region.code, path))


def _window(field: str, start: dt.date | None, end: dt.date | None) -> Q:
    condition = Q()
    if start is not None:
        condition &= Q(**{f"{field}__gte": start})
    if end is not None:
        condition &= Q(**{f"{field}__lte": end})
    return condition


def assistance_summary(
    user, region: Region, start: dt.date | None, end: dt.date | None
) -> AssistanceSummary:
    """Cases granted in the window, the distinct households they went to, the cash paid and
    how many of them are overdue on paperwork today."""
    cases = _below(AssistanceCase.objects.all(), user, region).filter(
        _window("granted_on", start, end)
    )
    row = cases.aggregate(
        cases=Count("id"),
        households=Count("household", distinct=True),
        cash_total=Sum("cash_amount"),
        overdue=Count("id", filter=paperwork_overdue_q(timezone.localdate())),
    )
    return AssistanceSummary(
        cases=row["cases"],
        households=row["households"],
        cash_total=row["cash_total"] or Decimal("0.00"),
        overdue=row["overdue"],
    )


def care_summary(user, region: Region, start: dt.date | None, end: dt.date | None) -> CareSummary:
    """Arrangements that overlap the window; `active` are those still in care today."""
    overlapping = Q()
    if end is not None:
        overlapping &= Q(start_date__lte=end)
    if start is not None:
        overlapping &= Q(end_date__isnull=True) | Q(end_date__gte=start)
    row = (
        _below(CareArrangement.objects.all(), user, region)
        .filter(overlapping)
        .aggregate(
            total=Count("id"),
            active=Count("id", filter=Q(status=CareArrangement.Status.ACTIVE)),
        )
    )
    return CareSummary(active=row["active"], total=row["total"])


def family_event_summary(
    user, region: Region, start: dt.date | None, end: dt.date | None
) -> FamilyEventSummary:
    """Weddings and funerals originally planned in the window, by how they were handled."""
    S, K = FamilyEvent.Status, FamilyEvent.Kind
    row = (
        _below(FamilyEvent.objects.all(), user, region)
        .filter(_window("original_date", start, end))
        .aggregate(
            total=Count("id"),
            postponed=Count("id", filter=Q(status=S.POSTPONED)),
            simplified=Count("id", filter=Q(status=S.SIMPLIFIED)),
            cancelled=Count("id", filter=Q(status=S.CANCELLED)),
            held=Count("id", filter=Q(status=S.HELD)),
            weddings=Count("id", filter=Q(kind=K.WEDDING)),
            funerals=Count("id", filter=Q(kind=K.FUNERAL)),
        )
    )
    return FamilyEventSummary(**row)


def wechat_summary(
    user, region: Region, start: dt.date | None, end: dt.date | None
) -> WeChatSummary:
    """Groups set up by the end of the window (a group set up before it still counts), the
    villages they cover and the villages there are."""
    groups = _below(WeChatGroup.objects.all(), user, region)
    if end is not None:
        groups = groups.filter(created_at__date__lte=end)
    row = groups.aggregate(groups=Count("id"), villages_covered=Count("region", distinct=True))
    villages = _below(Region.objects.filter(level=Level.VILLAGE), user, region, "code").count()
    return WeChatSummary(
        groups=row["groups"], villages_covered=row["villages_covered"], villages=villages
    )


def relief_summary(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> ReliefSummary:
    return ReliefSummary(
        assistance=assistance_summary(user, region, start, end),
        care=care_summary(user, region, start, end),
        events=family_event_summary(user, region, start, end),
        wechat=wechat_summary(user, region, start, end),
    )
