"""The numbers the Youth League summary leaves as "X" (招募志愿者X人，成立了X支志愿者小分队，X名核心
志愿者 … 累计参与疫情防控志愿服务X人次 … 目前已有X家爱心企业加入).

Every function takes the acting user, a region and an optional date window and counts only
rows in the user's scope below that region. Person-times (人次) are shifts served to the end
(checked in and out); hours are the sum of check-out minus check-in. Nothing here is typed in.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from qunfang.org.access import scoped, subtree_q
from qunfang.org.models import Region
from qunfang.volunteers.models import (
    Assignment,
    Campaign,
    CaringEnterprise,
    Category,
    DisinfectionRound,
    HelpNeed,
    MedicFamily,
    SignUp,
    Team,
    Volunteer,
    overdue_round_q,
)


def _below(queryset: QuerySet, user, region: Region, path: str | None = None) -> QuerySet:
    return scoped(queryset, user).filter(subtree_q(region.code, path or queryset.model.SCOPE_PATH))


def _window(field: str, start: dt.date | None, end: dt.date | None) -> Q:
    condition = Q()
    if start is not None:
        condition &= Q(**{f"{field}__gte": start})
    if end is not None:
        condition &= Q(**{f"{field}__lte": end})
    return condition


@dataclass(frozen=True)
class RecruitmentSummary:
    recruited: int  # volunteers who joined in the window
    volunteers: int  # volunteers on the books at the end of the window
    teams: int
    core: int
    signups: int
    pending: int
    submitted: int
    merged: int
    rejected: int
    rate_limited: int


def recruitment_summary(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> RecruitmentSummary:
    volunteers = _below(Volunteer.objects.all(), user, region)
    on_books = volunteers.filter(_window("joined_on", None, end))
    row = on_books.aggregate(
        volunteers=Count("id"),
        core=Count("id", filter=Q(is_core=True)),
        recruited=Count("id", filter=_window("joined_on", start, end)),
    )
    teams = _below(Team.objects.all(), user, region)
    if end is not None:
        teams = teams.filter(created_at__date__lte=end)
    signups = _below(SignUp.objects.all(), user, region).filter(
        _window("created_at__date", start, end)
    )
    signup_row = signups.aggregate(
        signups=Count("id"), pending=Count("id", filter=Q(status=SignUp.Status.PENDING))
    )
    counters = _below(Campaign.objects.all(), user, region).aggregate(
        submitted=Sum("submitted"),
        merged=Sum("merged"),
        rejected=Sum("rejected"),
        rate_limited=Sum("rate_limited"),
    )
    return RecruitmentSummary(
        recruited=row["recruited"],
        volunteers=row["volunteers"],
        teams=teams.count(),
        core=row["core"],
        signups=signup_row["signups"],
        pending=signup_row["pending"],
        **{key: value or 0 for key, value in counters.items()},
    )


@dataclass(frozen=True)
class ServiceSummary:
    person_times: int
    hours: float
    by_category: list[tuple[str, str, int, float]]  # (key, label, person-times, hours)
    on_duty: int  # checked in and not yet out, now


DURATION = ExpressionWrapper(F("checked_out_at") - F("checked_in_at"), output_field=DurationField())


def _hours(value: dt.timedelta | None) -> float:
    return round((value or dt.timedelta()).total_seconds() / 3600, 1)


def service_summary(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> ServiceSummary:
    """Shifts served to the end whose check-in falls in the window, by duty category."""
    assignments = _below(Assignment.objects.all(), user, region)
    served = assignments.filter(checked_out_at__isnull=False).filter(
        _window("checked_in_at__date", start, end)
    )
    rows = {
        row["shift__category"]: row
        for row in served.values("shift__category").annotate(n=Count("id"), time=Sum(DURATION))
    }
    by_category = [
        (
            key,
            str(label),
            rows.get(key, {}).get("n", 0),
            _hours(rows.get(key, {}).get("time")),
        )
        for key, label in Category.choices
    ]
    on_duty = assignments.filter(checked_in_at__isnull=False, checked_out_at__isnull=True).count()
    return ServiceSummary(
        person_times=sum(row[2] for row in by_category),
        hours=round(sum(_hours(rows[key]["time"]) for key in rows), 1),
        by_category=by_category,
        on_duty=on_duty,
    )


@dataclass(frozen=True)
class DisinfectionSummary:
    scheduled: int
    done: int
    overdue: int  # not done after their day, as of today


def disinfection_summary(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> DisinfectionSummary:
    row = (
        _below(DisinfectionRound.objects.all(), user, region)
        .filter(_window("scheduled_on", start, end))
        .aggregate(
            scheduled=Count("id"),
            done=Count("id", filter=Q(done_at__isnull=False)),
            overdue=Count("id", filter=overdue_round_q(timezone.localdate())),
        )
    )
    return DisinfectionSummary(**row)


@dataclass(frozen=True)
class AngelSummary:
    families: int  # registered by the end of the window
    families_helped: int  # with at least one need done in the window
    needs: int
    needs_done: int
    needs_open: int
    enterprises: int  # caring enterprises that joined by the end of the window


def angel_summary(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> AngelSummary:
    families = _below(MedicFamily.objects.all(), user, region)
    if end is not None:
        families = families.filter(created_at__date__lte=end)
    needs = _below(HelpNeed.objects.all(), user, region)
    done = needs.filter(status=HelpNeed.Status.DONE).filter(_window("done_at__date", start, end))
    row = needs.filter(_window("requested_on", start, end)).aggregate(
        needs=Count("id"), needs_open=Count("id", filter=Q(status=HelpNeed.Status.OPEN))
    )
    done_row = done.aggregate(
        needs_done=Count("id"), families_helped=Count("family", distinct=True)
    )
    enterprises = _below(CaringEnterprise.objects.all(), user, region).filter(
        _window("joined_on", None, end)
    )
    return AngelSummary(
        families=families.count(),
        families_helped=done_row["families_helped"],
        needs=row["needs"],
        needs_done=done_row["needs_done"],
        needs_open=row["needs_open"],
        enterprises=enterprises.count(),
    )


@dataclass(frozen=True)
class YouthSummary:
    recruitment: RecruitmentSummary
    service: ServiceSummary
    disinfection: DisinfectionSummary
    angels: AngelSummary

    def sentences(self) -> list[str]:
        """The summary's sentences with the X filled in."""
        r, s, a = self.recruitment, self.service, self.angels
        categories = "、".join(
            _("%(label)s%(n)s人次") % {"label": label, "n": n}
            for _key, label, n, _h in s.by_category
            if n
        )
        lines = [
            _(
                "招募志愿者%(recruited)s人，组建小分队%(teams)s支，骨干%(core)s人，累计服务%(times)s人次。"
            )
            % {"recruited": r.recruited, "teams": r.teams, "core": r.core, "times": s.person_times},
            _("累计服务时长%(hours)s小时。") % {"hours": s.hours},
        ]
        if categories:
            lines.append(_("其中%(categories)s。") % {"categories": categories})
        lines.append(
            _("防疫消杀完成%(done)s次（计划%(scheduled)s次）。")
            % {"done": self.disinfection.done, "scheduled": self.disinfection.scheduled}
        )
        lines.append(
            _(
                "守护天使行动：对接援鄂医护人员家庭%(families)s户，帮扶%(helped)s户，"
                "完成需求%(done)s件，已有%(enterprises)s家爱心企业加入。"
            )
            % {
                "families": a.families,
                "helped": a.families_helped,
                "done": a.needs_done,
                "enterprises": a.enterprises,
            }
        )
        return lines


def youth_summary(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> YouthSummary:
    return YouthSummary(
        recruitment=recruitment_summary(user, region, start, end),
        service=service_summary(user, region, start, end),
        disinfection=disinfection_summary(user, region, start, end),
        angels=angel_summary(user, region, start, end),
    )
