"""The loudspeaker network in numbers: terminals online, faults (人为断电 among them), response
and repair times, uptime per village and town, and how often the programmes play a day
("每天循环播放《一封信》《倡议书》等内容X次").

Every function takes the acting user and a region and counts only rows in the user's scope at
or below it; windows are [start, end] dates in local time.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from qunfang.broadcast.models import Fault, Programme, Terminal, WorkOrder
from qunfang.org.access import scoped, subtree_q
from qunfang.org.models import Region
from qunfang.org.roles import CODE_LENGTH, Level

# Project choice: with no window given, uptime covers the last 7 days up to now.
DEFAULT_UPTIME_DAYS = 7


@dataclass(frozen=True)
class TerminalSummary:
    total: int  # in service (not disabled)
    online: int
    silent: int
    fault: int
    disabled: int

    @property
    def online_pct(self) -> float:
        return round(100 * self.online / self.total, 1) if self.total else 0.0


@dataclass(frozen=True)
class FaultSummary:
    reported: int
    by_cadre: int
    by_monitoring: int
    power_cut: int  # reported as, or found to be, 人为断电
    open_now: int
    closed: int


@dataclass(frozen=True)
class RepairSummary:
    closed_orders: int
    mean_response_hours: float | None
    mean_repair_hours: float | None
    by_team: dict[str, int]


@dataclass(frozen=True)
class UptimeRow:
    code: str
    name: str
    terminals: int
    down_hours: float
    uptime_pct: float | None


@dataclass(frozen=True)
class BroadcastSummary:
    terminals: TerminalSummary
    faults: FaultSummary
    repairs: RepairSummary
    plays_per_day: int
    uptime: list[UptimeRow]


def _below(queryset: QuerySet, user, region: Region) -> QuerySet:
    return scoped(queryset, user).filter(subtree_q(region.code, "region__code"))


def _bounds(start: dt.date | None, end: dt.date | None) -> tuple[dt.datetime, dt.datetime]:
    """The window as aware datetimes: local midnight of `start` to the end of `end` (or now)."""
    now = timezone.now()
    tz = timezone.get_current_timezone()
    upper = now
    if end is not None:
        upper = min(now, dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz))
    if start is not None:
        lower = dt.datetime.combine(start, dt.time(), tz)
    else:
        lower = upper - dt.timedelta(days=DEFAULT_UPTIME_DAYS)
    return lower, upper


def _reported_within(start: dt.date | None, end: dt.date | None) -> Q:
    condition = Q()
    if start is not None:
        condition &= Q(
            reported_at__gte=dt.datetime.combine(start, dt.time(), timezone.get_current_timezone())
        )
    if end is not None:
        condition &= Q(
            reported_at__lt=dt.datetime.combine(
                end + dt.timedelta(days=1), dt.time(), timezone.get_current_timezone()
            )
        )
    return condition


def terminal_summary(user, region: Region) -> TerminalSummary:
    """Terminals as they stand now; "online %" is of those in service."""
    S = Terminal.Status
    row = _below(Terminal.objects.all(), user, region).aggregate(
        all=Count("id"),
        online=Count("id", filter=Q(status=S.ONLINE)),
        silent=Count("id", filter=Q(status=S.SILENT)),
        fault=Count("id", filter=Q(status=S.FAULT)),
        disabled=Count("id", filter=Q(status=S.DISABLED)),
    )
    return TerminalSummary(
        total=row["all"] - row["disabled"],
        online=row["online"],
        silent=row["silent"],
        fault=row["fault"],
        disabled=row["disabled"],
    )


def fault_summary(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> FaultSummary:
    """Faults reported in the window, by source; `open_now` and `closed` are of those."""
    power_cut = Q(kind=Fault.Kind.POWER_CUT) | Q(cause=Fault.Kind.POWER_CUT)
    row = (
        _below(Fault.objects.all(), user, region)
        .filter(_reported_within(start, end))
        .aggregate(
            reported=Count("id"),
            by_cadre=Count("id", filter=Q(source=Fault.Source.CADRE)),
            by_monitoring=Count("id", filter=Q(source=Fault.Source.MONITORING)),
            power_cut=Count("id", filter=power_cut),
            open_now=Count("id", filter=~Q(status=Fault.Status.CLOSED)),
            closed=Count("id", filter=Q(status=Fault.Status.CLOSED)),
        )
    )
    return FaultSummary(**row)


def _hours(value: dt.timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def repair_summary(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> RepairSummary:
    """Orders closed in the window: mean time from the report to the crew on site (response)
    and to the repair (repair)."""
    tz = timezone.get_current_timezone()
    orders = _below(WorkOrder.objects.all(), user, region).filter(status=WorkOrder.Status.CLOSED)
    if start is not None:
        orders = orders.filter(repaired_at__gte=dt.datetime.combine(start, dt.time(), tz))
    if end is not None:
        orders = orders.filter(
            repaired_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz)
        )
    duration = DurationField()
    row = orders.aggregate(
        closed_orders=Count("id"),
        response=Avg(ExpressionWrapper(F("responded_at") - F("fault__reported_at"), duration)),
        repair=Avg(ExpressionWrapper(F("repaired_at") - F("fault__reported_at"), duration)),
        **{team: Count("id", filter=Q(team=team)) for team in WorkOrder.Team.values},
    )
    return RepairSummary(
        closed_orders=row["closed_orders"],
        mean_response_hours=_hours(row["response"]),
        mean_repair_hours=_hours(row["repair"]),
        by_team={team: row[team] for team in WorkOrder.Team.values},
    )


def plays_per_day(region: Region, on: dt.date | None = None) -> int:
    """How many times a day the loudspeakers of `region` play: the programmes running on `on`
    at the region itself and at every level above it (a district programme plays in every
    village). These are broadcast to the public, so they are counted whatever the viewer's
    scope; the caller has already checked the viewer may open `region`."""
    on = on or timezone.localdate()
    codes = [*region.ancestor_codes, region.code]
    programmes = Programme.objects.filter(region__code__in=codes, start_date__lte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on)
    )
    return sum(len(schedule or []) for schedule in programmes.values_list("schedule", flat=True))


def uptime_by_child(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> list[UptimeRow]:
    """Uptime of the terminals under each child of `region` (villages of a town, towns of a
    district; a village is its own row) over the window: 1 − fault hours ÷ terminal hours.
    A fault counts from its report to its closure (or to the end of the window)."""
    lower, upper = _bounds(start, end)
    span = max((upper - lower).total_seconds(), 1.0)
    if region.level == Level.VILLAGE:
        width, children = len(region.code), [region]
    else:
        child_level = region.child_level
        width = CODE_LENGTH.get(child_level, len(region.code))
        children = list(scoped(Region.objects.filter(parent=region), user).order_by("code"))
    terminals: dict[str, int] = {}
    for code in _below(
        Terminal.objects.exclude(status=Terminal.Status.DISABLED), user, region
    ).values_list("region__code", flat=True):
        terminals[code[:width]] = terminals.get(code[:width], 0) + 1
    down: dict[str, float] = {}
    faults = (
        _below(Fault.objects.all(), user, region)
        .filter(reported_at__lt=upper)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=lower))
        .values_list("region__code", "reported_at", "closed_at")
    )
    for code, reported_at, closed_at in faults:
        begin = max(reported_at, lower)
        finish = min(closed_at or upper, upper)
        if finish > begin:
            key = code[:width]
            down[key] = down.get(key, 0.0) + (finish - begin).total_seconds()
    rows = []
    for child in children:
        count = terminals.get(child.code, 0)
        seconds = down.get(child.code, 0.0)
        uptime = None
        if count:
            uptime = round(100 * max(0.0, 1 - seconds / (count * span)), 1)
        rows.append(
            UptimeRow(
                code=child.code,
                name=child.display_name,
                terminals=count,
                down_hours=round(seconds / 3600, 1),
                uptime_pct=uptime,
            )
        )
    return [row for row in rows if row.terminals]


def region_uptime(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> float | None:
    """The uptime of all terminals at or below `region` over the window."""
    rows = uptime_by_child(user, region, start, end)
    lower, upper = _bounds(start, end)
    span = max((upper - lower).total_seconds(), 1.0)
    terminals = sum(row.terminals for row in rows)
    if not terminals:
        return None
    down = sum(row.down_hours for row in rows) * 3600
    return round(100 * max(0.0, 1 - down / (terminals * span)), 1)


def broadcast_summary(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> BroadcastSummary:
    return BroadcastSummary(
        terminals=terminal_summary(user, region),
        faults=fault_summary(user, region, start, end),
        repairs=repair_summary(user, region, start, end),
        plays_per_day=plays_per_day(region),
        uptime=uptime_by_child(user, region, start, end),
    )
