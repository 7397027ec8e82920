"""The enterprise-service and job-fair numbers the Youth League summary leaves as "X"
(目前申报企业X家，提供岗位X个 …).

Every function takes the acting user, a region and an optional date window and counts only
rows in the user's scope below that region.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from qunfang.enterprises.models import (
    Application,
    BlockedSubmission,
    Enterprise,
    FairEntry,
    JobFair,
    Position,
    Problem,
    Visit,
)
from qunfang.org.access import scoped, subtree_q
from qunfang.org.models import Region


@dataclass(frozen=True)
class ServiceSummary:
    enterprises: int
    assigned: int  # with a work group
    served: int  # distinct enterprises visited in the window
    visits: int
    problems_raised: int
    problems_solved: int  # solved in the window (raised whenever)
    problems_open: int  # still open today
    by_category: dict[str, int]  # raised in the window
    stopped: int
    partial: int
    full: int
    workers_back: int


@dataclass(frozen=True)
class FairSummary:
    enterprises_applied: int  # 申报企业X家: distinct enterprises with an entry
    enterprises_approved: int
    positions: int  # position rows of approved entries
    jobs: int  # 提供岗位X个: the head-count those positions recruit
    applications: int  # 收到求职申请X份: one per person and position
    submissions: int  # every submission, duplicates included
    blocked: int  # refused by the honeypot or the rate limit, fairs run in the region


def _window(field: str, start: dt.date | None, end: dt.date | None) -> Q:
    condition = Q()
    if start is not None:
        condition &= Q(**{f"{field}__gte": start})
    if end is not None:
        condition &= Q(**{f"{field}__lte": end})
    return condition


def service_summary(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> ServiceSummary:
    enterprises = scoped(Enterprise.objects.all(), user).filter(
        subtree_q(region.code, "region__code")
    )
    E = Enterprise.Resumption
    row = enterprises.aggregate(
        enterprises=Count("id"),
        assigned=Count("id", filter=Q(work_group__isnull=False)),
        stopped=Count("id", filter=Q(resumption=E.STOPPED)),
        partial=Count("id", filter=Q(resumption=E.PARTIAL)),
        full=Count("id", filter=Q(resumption=E.FULL)),
        workers_back=Sum("workers_back"),
    )
    visits = Visit.objects.filter(enterprise__in=enterprises).filter(
        _window("visited_on", start, end)
    )
    visit_row = visits.aggregate(visits=Count("id"), served=Count("enterprise", distinct=True))
    problems = Problem.objects.filter(enterprise__in=enterprises)
    raised = problems.filter(_window("raised_on", start, end))
    by_category = dict.fromkeys(Problem.Category.values, 0)
    by_category.update(raised.values_list("category").annotate(n=Count("id")).order_by())
    return ServiceSummary(
        enterprises=row["enterprises"],
        assigned=row["assigned"],
        served=visit_row["served"],
        visits=visit_row["visits"],
        problems_raised=sum(by_category.values()),
        problems_solved=problems.filter(status=Problem.Status.SOLVED)
        .filter(_window("solved_on", start, end))
        .count(),
        problems_open=problems.filter(status=Problem.Status.OPEN).count(),
        by_category=by_category,
        stopped=row["stopped"],
        partial=row["partial"],
        full=row["full"],
        workers_back=row["workers_back"] or 0,
    )


def fair_summary(
    user,
    region: Region,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    fair: JobFair | None = None,
) -> FairSummary:
    """Entries filed, positions posted and applications first submitted in the window, for
    enterprises in the user's scope below `region` (optionally one fair)."""
    entries = scoped(FairEntry.objects.all(), user).filter(
        subtree_q(region.code, "enterprise__region__code")
    )
    if fair is not None:
        entries = entries.filter(fair=fair)
    applied = entries.filter(_window("created_at__date", start, end))
    entry_row = applied.aggregate(
        applied=Count("enterprise", distinct=True),
        approved=Count("enterprise", distinct=True, filter=Q(status=FairEntry.Status.APPROVED)),
    )
    positions = Position.objects.filter(
        entry__in=entries.filter(status=FairEntry.Status.APPROVED)
    ).filter(_window("created_at__date", start, end))
    position_row = positions.aggregate(positions=Count("id"), jobs=Sum("headcount"))
    applications = Application.objects.filter(position__entry__in=entries).filter(
        _window("created_at__date", start, end)
    )
    application_row = applications.aggregate(
        applications=Count("id"), submissions=Sum("submissions")
    )
    # Refusals are counted per fair, for fairs run within the region.
    blocked = scoped(BlockedSubmission.objects.all(), user).filter(
        subtree_q(region.code, "fair__region__code"), _window("at__date", start, end)
    )
    if fair is not None:
        blocked = blocked.filter(fair=fair)
    blocked = blocked.count()
    return FairSummary(
        enterprises_applied=entry_row["applied"],
        enterprises_approved=entry_row["approved"],
        positions=position_row["positions"],
        jobs=position_row["jobs"] or 0,
        applications=application_row["applications"],
        submissions=application_row["submissions"] or 0,
        blocked=blocked,
    )
