"""Writes of the loudspeaker network. Each service checks who may act, validates, stores and
audits in one transaction; bad input raises a ValidationError with a Chinese message and writes
nothing.

Who may do what (all through org.access):
- report a silent loudspeaker: MANAGE_PUBLICITY at the terminal's village (village cadres have it);
- register terminals, plan programmes, dispatch and close repair orders: MANAGE_PUBLICITY held
  through a membership at town level or above (the station's technicians at the district, the
  town crew at the town) — see `can_repair`.
"""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qunfang.broadcast.models import (
    SILENT_AFTER_MINUTES,
    Fault,
    Programme,
    Terminal,
    WorkOrder,
)
from qunfang.core.audit import audit_record
from qunfang.core.errors import clean_text
from qunfang.core.models import AuditEvent
from qunfang.org.access import can, scope_for
from qunfang.org.models import Membership, Region
from qunfang.org.roles import CODE_LENGTH, ROLE_CAPABILITIES, Capability, Level

# Project choice: an announcement sent to 村村响 plays three times a day for a week.
DEFAULT_SCHEDULE = ["07:00", "12:00", "18:30"]
PROGRAMME_DAYS = 7
# Heartbeats stamped this far in the future are clock errors, not news.
CLOCK_SKEW = dt.timedelta(minutes=5)

NOT_VILLAGE = gettext_noop("广播终端须登记在村（社区）。")
CODE_REQUIRED = gettext_noop("请填写终端编号。")
CODE_TAKEN = gettext_noop("终端编号 {code} 已经登记过。")
LOCATION_REQUIRED = gettext_noop("请填写安装位置。")
TITLE_REQUIRED = gettext_noop("请填写节目名称。")
SCHEDULE_REQUIRED = gettext_noop("请至少安排一个每日播出时间。")
SCHEDULE_INVALID = gettext_noop("播出时间“{value}”格式不对，应为 07:30 这样的时刻。")
SCHEDULE_DUPLICATE = gettext_noop("播出时间 {value} 重复了。")
END_BEFORE_START = gettext_noop("结束日期不能早于开始日期。")
KIND_INVALID = gettext_noop("请选择故障类别。")
TERMINAL_DISABLED = gettext_noop("该终端已停用，不能上报故障。")
TERMINAL_ALREADY_DISABLED = gettext_noop("该终端已经停用。")
TERMINAL_ALREADY_IN_SERVICE = gettext_noop("该终端正在使用中。")
TERMINAL_HAS_OPEN_FAULT = gettext_noop("该终端还有未修复的故障，请先修复或关闭工单再停用。")
FAULT_ALREADY_OPEN = gettext_noop("该喇叭已于 {date} 报过故障，正在处理中，无需重复上报。")
BEATS_EMPTY = gettext_noop("没有收到心跳数据。")
BEAT_CODE_MISSING = gettext_noop("第 {row} 条心跳缺少终端编号。")
BEAT_TIME_INVALID = gettext_noop("第 {row} 条心跳的时间无效或晚于当前时间。")
BEAT_UNKNOWN = gettext_noop("以下终端编号不存在或不在本账号管辖范围内：{codes}。本批心跳均未记录。")
TEAM_INVALID = gettext_noop("请选择维修力量（广电台技术员、镇街维修队或镇台联动）。")
ASSIGNEE_REQUIRED = gettext_noop("请指定负责人或填写维修人员。")
ASSIGNEE_CANNOT_REPAIR = gettext_noop("{name} 没有该村村村响的维修权限，不能接单。")
FAULT_ALREADY_DISPATCHED = gettext_noop("该故障已经派单，不能重复派单。")
FAULT_ALREADY_CLOSED = gettext_noop("该故障已经修复关闭。")
ORDER_ALREADY_ON_SITE = gettext_noop("该工单已登记到场。")
ORDER_ALREADY_CLOSED = gettext_noop("该工单已于 {date} 关闭，不能重复关闭。")
REPAIRED_BEFORE_REPORT = gettext_noop("修复时间不能早于故障上报时间。")
ARRIVED_BEFORE_REPORT = gettext_noop("到场时间不能早于故障上报时间。")
TIME_IN_FUTURE = gettext_noop("时间不能晚于现在。")
CAUSE_INVALID = gettext_noop("请选择查明的故障原因。")

_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")  # [0-9]: \d takes ٠ and ०


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _audit(actor, action: str, obj, region_code: str, **detail) -> None:
    audit_record(
        action=action,
        actor=actor,
        actor_name="" if actor is not None else "村村响监测",
        target=f"{obj._meta.verbose_name} {obj}",
        region_code=region_code,
        detail={"model": obj._meta.label, "pk": obj.pk, **detail},
    )


# --- who may act --------------------------------------------------------------------------------


def can_report(user, region_code: str) -> bool:
    return can(user, Capability.MANAGE_PUBLICITY, region_code)


def can_repair(user, region_code: str) -> bool:
    """MANAGE_PUBLICITY held through a town-level-or-above membership that covers the code: the
    station's technicians (district) and a town's crew, not the village cadre who reports."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    town = CODE_LENGTH[Level.TOWN]
    above = [region_code[:length] for length in CODE_LENGTH.values() if length <= town]
    return _repair_memberships(user).filter(region__code__in=above).exists()


def _repair_memberships(user):
    town = CODE_LENGTH[Level.TOWN]
    roles = [
        role for role, caps in ROLE_CAPABILITIES.items() if Capability.MANAGE_PUBLICITY in caps
    ]
    return Membership.objects.filter(
        user=user, is_active=True, role__in=roles, region__level__in=_levels_up_to(town)
    )


def _levels_up_to(length: int) -> list[str]:
    return [level for level, size in CODE_LENGTH.items() if size <= length]


def can_repair_anywhere(user) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or _repair_memberships(user).exists()


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- terminals ------------------------------------------------------------------------------


@transaction.atomic
def terminal_register(
    *,
    actor,
    region: Region,
    code: str,
    location: str,
    model: str = "",
    monitored: bool = True,
    installed_on: dt.date | None = None,
) -> Terminal:
    _require(can_repair(actor, region.code))
    errors: dict[str, list[str]] = {}
    code = clean_text(code)
    if region.level != Level.VILLAGE:
        errors.setdefault("region", []).append(_(NOT_VILLAGE))
    if not code:
        errors.setdefault("code", []).append(_(CODE_REQUIRED))
    elif Terminal.objects.filter(code=code).exists():
        errors.setdefault("code", []).append(_(CODE_TAKEN).format(code=code))
    if not clean_text(location):
        errors.setdefault("location", []).append(_(LOCATION_REQUIRED))
    if errors:
        raise ValidationError(errors)
    terminal = Terminal.objects.create(
        region=region,
        code=code[:40],
        location=clean_text(location)[:200],
        model=clean_text(model)[:100],
        monitored=monitored,
        installed_on=installed_on,
    )
    _audit(actor, AuditEvent.Action.CREATE, terminal, region.code)
    return terminal


@transaction.atomic
def terminal_set_in_service(*, actor, terminal: Terminal, in_service: bool) -> Terminal:
    """Take a terminal out of service (dismantled, village merged…) or put it back. A disabled
    terminal is left out of the online rate, the uptime and the sweep."""
    _require(can_repair(actor, terminal.region.code))
    terminal = Terminal.objects.select_for_update().get(pk=terminal.pk)
    disabled = terminal.status == Terminal.Status.DISABLED
    if in_service and not disabled:
        raise ValidationError(_(TERMINAL_ALREADY_IN_SERVICE))
    if not in_service and disabled:
        raise ValidationError(_(TERMINAL_ALREADY_DISABLED))
    if not in_service and _open_fault(terminal) is not None:
        raise ValidationError(_(TERMINAL_HAS_OPEN_FAULT))
    terminal.status = Terminal.Status.ONLINE if in_service else Terminal.Status.DISABLED
    if in_service and terminal.monitored:
        # Judged from now on: a heartbeat older than the outage would silence it at once.
        terminal.last_heartbeat_at = timezone.now()
    terminal.save(update_fields=["status", "last_heartbeat_at", "updated_at"])
    _audit(actor, AuditEvent.Action.UPDATE, terminal, terminal.region.code, status=terminal.status)
    return terminal


# --- programmes -----------------------------------------------------------------------------


# What may separate the play times typed in one box: commas, 、, semicolons, spaces.
SCHEDULE_SEPARATORS = r"[,，、;；\s]+"


def schedule_parse(values: Iterable[str]) -> list[str]:
    """Daily play times as sorted "HH:MM" strings; ValidationError for a bad or repeated one."""
    seen: list[str] = []
    problems: list[str] = []
    for raw in values:
        value = clean_text(raw).replace("：", ":")
        if not value:
            continue
        if len(value) == 4 and value[1] == ":":
            value = "0" + value
        if not _TIME.match(value):
            problems.append(_(SCHEDULE_INVALID).format(value=raw))
        elif value in seen:
            problems.append(_(SCHEDULE_DUPLICATE).format(value=value))
        else:
            seen.append(value)
    if not seen and not problems:
        problems.append(_(SCHEDULE_REQUIRED))
    if problems:
        raise ValidationError({"schedule": problems})
    return sorted(seen)


@transaction.atomic
def programme_create(
    *,
    actor,
    region: Region,
    title: str,
    schedule: Iterable[str],
    start_date: dt.date,
    end_date: dt.date | None = None,
    content: str = "",
    announcement=None,
) -> Programme:
    _require(can_repair(actor, region.code))
    errors: dict[str, list[str]] = {}
    if not clean_text(title):
        errors["title"] = [_(TITLE_REQUIRED)]
    try:
        times = schedule_parse(schedule)
    except ValidationError as error:
        errors.update(error.message_dict)
    if end_date is not None and end_date < start_date:
        errors["end_date"] = [_(END_BEFORE_START)]
    if errors:
        raise ValidationError(errors)
    programme = Programme.objects.create(
        region=region,
        title=clean_text(title)[:200],
        content=clean_text(content),
        announcement=announcement,
        schedule=times,
        start_date=start_date,
        end_date=end_date,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _audit(actor, AuditEvent.Action.CREATE, programme, region.code, plays_per_day=len(times))
    return programme


def programme_from_announcement(*, actor, announcement, sent_at: dt.datetime) -> Programme:
    """The 村村响 programme an announcement sent to the loudspeakers becomes: it plays in the
    announcement's region at DEFAULT_SCHEDULE for PROGRAMME_DAYS days. Called by
    publicity.services inside its transaction, after it checked MANAGE_PUBLICITY."""
    start = timezone.localtime(sent_at).date()
    programme = Programme.objects.create(
        region=announcement.region,
        title=f"{announcement.series.name}第{announcement.number}号：{announcement.title}"[:200],
        content=announcement.body,
        announcement=announcement,
        schedule=list(DEFAULT_SCHEDULE),
        start_date=start,
        end_date=start + dt.timedelta(days=PROGRAMME_DAYS - 1),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _audit(
        actor,
        AuditEvent.Action.CREATE,
        programme,
        announcement.region.code,
        announcement=announcement.pk,
    )
    return programme


# --- faults ---------------------------------------------------------------------------------


def _open_fault(terminal: Terminal) -> Fault | None:
    return terminal.faults.exclude(status=Fault.Status.CLOSED).order_by("reported_at").first()


@transaction.atomic
def fault_report(*, actor, terminal: Terminal, kind: str, description: str = "") -> Fault:
    """A cadre's "this loudspeaker is silent" (or: someone cut its power)."""
    _require(can_report(actor, terminal.region.code))
    terminal = Terminal.objects.select_for_update().get(pk=terminal.pk)
    if kind not in Fault.Kind.values:
        raise ValidationError({"kind": _(KIND_INVALID)})
    if terminal.status == Terminal.Status.DISABLED:
        raise ValidationError(_(TERMINAL_DISABLED))
    existing = _open_fault(terminal)
    if existing is not None:
        raise ValidationError(_(FAULT_ALREADY_OPEN).format(date=_local(existing.reported_at)))
    now = timezone.now()
    fault = Fault.objects.create(
        terminal=terminal,
        region_id=terminal.region_id,
        source=Fault.Source.CADRE,
        kind=kind,
        description=clean_text(description)[:300],
        reported_at=now,
        reported_by=actor,
    )
    terminal.status = Terminal.Status.FAULT
    terminal.last_reported_at = now
    terminal.save(update_fields=["status", "last_reported_at", "updated_at"])
    _audit(actor, AuditEvent.Action.CREATE, fault, terminal.region.code, kind=kind)
    return fault


@dataclass
class HeartbeatResult:
    received: int = 0
    terminals: int = 0
    recovered: list[str] = field(default_factory=list)
    silenced: list[str] = field(default_factory=list)


def _parse_beats(
    beats: Iterable[tuple[str, dt.datetime | None]],
) -> tuple[dict[str, dt.datetime], int]:
    latest: dict[str, dt.datetime] = {}
    problems: list[str] = []
    limit = timezone.now() + CLOCK_SKEW
    count = 0
    for row, (code, moment) in enumerate(beats, start=1):
        count += 1
        code = clean_text(code)
        if not code:
            problems.append(_(BEAT_CODE_MISSING).format(row=row))
            continue
        if moment is None or timezone.is_naive(moment) or moment > limit:
            problems.append(_(BEAT_TIME_INVALID).format(row=row))
            continue
        if code not in latest or moment > latest[code]:
            latest[code] = moment
    if count == 0:
        problems.append(_(BEATS_EMPTY))
    if problems:
        raise ValidationError(problems)
    return latest, count


@transaction.atomic
def heartbeat_ingest(
    *, actor, beats: Iterable[tuple[str, dt.datetime | None]], sweep: bool = True
) -> HeartbeatResult:
    """Record a batch of (terminal code, time) heartbeats from the monitor, all or nothing.

    A code that is unknown, or outside the actor's scope, or in a village where the actor does
    not run the loudspeakers, rejects the whole batch with one message naming the codes (the
    same message for both, so a key cannot probe other towns' terminals). A silent terminal
    that beats again is back online and its monitoring fault, if not yet dispatched, closes.
    With `sweep`, terminals in the actor's scope that stayed quiet too long go silent.
    """
    latest, received = _parse_beats(beats)
    found = {
        t.code: t
        for t in Terminal.objects.select_for_update()
        .filter(code__in=list(latest))
        .filter(scope_for(actor).q("region__code"))
        .select_related("region")
    }
    refused = sorted(
        code
        for code in latest
        if code not in found or not can_report(actor, found[code].region.code)
    )
    if refused:
        raise ValidationError(_(BEAT_UNKNOWN).format(codes="、".join(refused)))
    result = HeartbeatResult(received=received, terminals=len(found))
    for code, moment in latest.items():
        terminal = found[code]
        if terminal.last_heartbeat_at is None or moment > terminal.last_heartbeat_at:
            terminal.last_heartbeat_at = moment
        if terminal.status == Terminal.Status.SILENT:
            terminal.status = Terminal.Status.ONLINE
            result.recovered.append(code)
            for fault in terminal.faults.filter(
                source=Fault.Source.MONITORING, status=Fault.Status.OPEN
            ):
                fault.status = Fault.Status.CLOSED
                fault.closed_at = moment
                fault.save(update_fields=["status", "closed_at", "updated_at"])
                _audit(actor, AuditEvent.Action.UPDATE, fault, terminal.region.code, recovered=True)
        terminal.save(update_fields=["last_heartbeat_at", "status", "updated_at"])
    if sweep:
        result.silenced = [f.terminal.code for f in terminals_sweep(user=actor)]
    return result


@transaction.atomic
def terminals_sweep(
    *,
    user=None,
    now: dt.datetime | None = None,
    minutes: int = SILENT_AFTER_MINUTES,
) -> list[Fault]:
    """Monitored terminals online whose last heartbeat is older than `minutes` go silent, each
    with a monitoring fault. `user` narrows the sweep to that user's scope (the HTTP ingest);
    the management command sweeps everything. A terminal never heard from is not judged."""
    now = now or timezone.now()
    quiet = Terminal.objects.select_for_update().filter(
        monitored=True,
        status=Terminal.Status.ONLINE,
        last_heartbeat_at__lt=now - dt.timedelta(minutes=minutes),
    )
    if user is not None:
        quiet = quiet.filter(scope_for(user).q("region__code"))
    opened: list[Fault] = []
    for terminal in quiet.select_related("region"):
        terminal.status = Terminal.Status.SILENT
        terminal.save(update_fields=["status", "updated_at"])
        fault = Fault.objects.create(
            terminal=terminal,
            region_id=terminal.region_id,
            source=Fault.Source.MONITORING,
            kind=Fault.Kind.SILENT,
            description=_("超过 %(minutes)s 分钟无心跳（最后心跳 %(last)s）")
            % {"minutes": minutes, "last": _local(terminal.last_heartbeat_at)},
            reported_at=now,
        )
        _audit(None, AuditEvent.Action.CREATE, fault, terminal.region.code, source="monitoring")
        opened.append(fault)
    return opened


# --- repair work orders (镇台联动) -----------------------------------------------------------


@transaction.atomic
def fault_dispatch(*, actor, fault: Fault, team: str, assignee=None, crew: str = "") -> WorkOrder:
    code = fault.region.code
    _require(can_repair(actor, code))
    fault = Fault.objects.select_for_update().get(pk=fault.pk)
    if fault.status == Fault.Status.CLOSED:
        raise ValidationError(_(FAULT_ALREADY_CLOSED))
    if fault.status == Fault.Status.DISPATCHED:
        raise ValidationError(_(FAULT_ALREADY_DISPATCHED))
    errors: dict[str, list[str]] = {}
    if team not in WorkOrder.Team.values:
        errors["team"] = [_(TEAM_INVALID)]
    if assignee is None and not clean_text(crew):
        errors["assignee"] = [_(ASSIGNEE_REQUIRED)]
    elif assignee is not None and not can_repair(assignee, code):
        errors["assignee"] = [_(ASSIGNEE_CANNOT_REPAIR).format(name=assignee.get_username())]
    if errors:
        raise ValidationError(errors)
    order = WorkOrder.objects.create(
        fault=fault,
        region_id=fault.region_id,
        team=team,
        assignee=assignee,
        crew=clean_text(crew)[:200],
        assigned_at=timezone.now(),
        assigned_by=actor,
    )
    fault.status = Fault.Status.DISPATCHED
    fault.save(update_fields=["status", "updated_at"])
    _audit(actor, AuditEvent.Action.CREATE, order, code, team=team)
    return order


@transaction.atomic
def order_arrive(*, actor, order: WorkOrder, at: dt.datetime | None = None) -> WorkOrder:
    """The crew is on site: the response time runs from the report to this moment."""
    _require(can_repair(actor, order.region.code))
    order = WorkOrder.objects.select_for_update().select_related("fault").get(pk=order.pk)
    at = at or timezone.now()
    if order.status == WorkOrder.Status.CLOSED:
        raise ValidationError(_(ORDER_ALREADY_CLOSED).format(date=_local(order.repaired_at)))
    if order.status == WorkOrder.Status.ON_SITE:
        raise ValidationError(_(ORDER_ALREADY_ON_SITE))
    if at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"at": _(TIME_IN_FUTURE)})
    if at < order.fault.reported_at:
        raise ValidationError({"at": _(ARRIVED_BEFORE_REPORT)})
    order.status = WorkOrder.Status.ON_SITE
    order.responded_at = at
    order.save(update_fields=["status", "responded_at", "updated_at"])
    _audit(actor, AuditEvent.Action.UPDATE, order, order.region.code, status=order.status)
    return order


@transaction.atomic
def order_close(
    *,
    actor,
    order: WorkOrder,
    cause: str,
    note: str = "",
    repaired_at: dt.datetime | None = None,
) -> WorkOrder:
    """Repaired: the order and its fault close, and the terminal plays again."""
    _require(can_repair(actor, order.region.code))
    order = (
        WorkOrder.objects.select_for_update()
        .select_related("fault", "fault__terminal")
        .get(pk=order.pk)
    )
    if order.status == WorkOrder.Status.CLOSED:
        raise ValidationError(_(ORDER_ALREADY_CLOSED).format(date=_local(order.repaired_at)))
    repaired_at = repaired_at or timezone.now()
    errors: dict[str, list[str]] = {}
    if cause not in Fault.Kind.values:
        errors["cause"] = [_(CAUSE_INVALID)]
    if repaired_at > timezone.now() + CLOCK_SKEW:
        errors["repaired_at"] = [_(TIME_IN_FUTURE)]
    elif repaired_at < order.fault.reported_at:
        errors["repaired_at"] = [_(REPAIRED_BEFORE_REPORT)]
    if errors:
        raise ValidationError(errors)
    order.status = WorkOrder.Status.CLOSED
    order.repaired_at = repaired_at
    # A crew that never logged its arrival responded no later than it repaired.
    order.responded_at = order.responded_at or repaired_at
    order.closed_by = actor
    order.note = clean_text(note)[:300]
    order.save()
    fault = order.fault
    fault.status = Fault.Status.CLOSED
    fault.closed_at = repaired_at
    fault.cause = cause
    fault.save(update_fields=["status", "closed_at", "cause", "updated_at"])
    terminal = Terminal.objects.select_for_update().get(pk=fault.terminal_id)
    if not terminal.faults.exclude(status=Fault.Status.CLOSED).exists():
        terminal.status = Terminal.Status.ONLINE
        # The technician heard it play; without this the next sweep would silence it again
        # before its receiver's first heartbeat arrives.
        if terminal.monitored and (
            terminal.last_heartbeat_at is None or terminal.last_heartbeat_at < repaired_at
        ):
            terminal.last_heartbeat_at = repaired_at
        terminal.save(update_fields=["status", "last_heartbeat_at", "updated_at"])
    _audit(
        actor,
        AuditEvent.Action.UPDATE,
        order,
        order.region.code,
        status=order.status,
        cause=cause,
    )
    return order
