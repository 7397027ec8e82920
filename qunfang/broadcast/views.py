"""Loudspeaker pages. Reading needs MANAGE_PUBLICITY at the region on screen; a village cadre
reports a silent loudspeaker of their village; registering terminals, planning programmes and
repair orders need `services.can_repair` (MANAGE_PUBLICITY at town level or above). Objects come
through org.access, so a row outside the scope is a 404."""

import re
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qunfang.broadcast import selectors, services, stats
from qunfang.broadcast.exports import EXPORTS
from qunfang.broadcast.forms import (
    CloseForm,
    DispatchForm,
    ProgrammeForm,
    ReportForm,
    TerminalForm,
    WindowForm,
)
from qunfang.broadcast.models import Fault, Terminal, WorkOrder
from qunfang.core.audit import audit_record
from qunfang.core.errors import attach_errors, flash_errors
from qunfang.core.models import AuditEvent
from qunfang.core.spreadsheets import write_csv, write_xlsx
from qunfang.org.access import access_object, can, scoped, subtree_q
from qunfang.org.current import current_region_with
from qunfang.org.models import Region
from qunfang.org.roles import Capability, Level

PAGE_SIZE = 50


def _region(request: HttpRequest) -> Region:
    return current_region_with(request, Capability.MANAGE_PUBLICITY)


def _require_repair(user, region: Region) -> None:
    if not services.can_repair(user, region.code):
        raise PermissionDenied


def _page(request: HttpRequest, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _form_page(request, form: Form, *, title: str, back: str, **extra) -> HttpResponse:
    return render(
        request, "broadcast/form.html", {"form": form, "title": title, "back": back, **extra}
    )


@require_GET
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    window = WindowForm(request.GET or None)
    start = end = None
    if window.is_valid():
        start, end = window.cleaned_data["start"], window.cleaned_data["end"]
    summary = stats.broadcast_summary(request.user, region, start, end)
    chart = {
        "title": _("可用率（％）"),
        "labels": [row.name for row in summary.uptime],
        "values": [row.uptime_pct for row in summary.uptime],
    }
    return render(
        request,
        "broadcast/overview.html",
        {
            "region": region,
            "summary": summary,
            "window": window,
            "chart": chart,
            "uptime": stats.region_uptime(request.user, region, start, end),
            "open_faults": selectors.open_fault_list(request.user, region=region)[:10],
            "now": timezone.now(),
            "exports": EXPORTS,
        },
    )


# --- terminals ------------------------------------------------------------------------------


@require_GET
@login_required
def terminal_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    status = request.GET.get("status", "")
    if status not in Terminal.Status.values:
        status = ""
    terminals = selectors.terminal_list(request.user, region=region, status=status)
    return render(
        request,
        "broadcast/terminal_list.html",
        {
            "region": region,
            "page": _page(request, terminals),
            "status": status,
            "statuses": Terminal.Status.choices,
            "can_repair": services.can_repair(request.user, region.code),
        },
    )


def _village_choices(user, region: Region) -> list[tuple[str, str]]:
    villages = scoped(Region.objects.filter(subtree_q(region.code), level=Level.VILLAGE), user)
    # Above a town, the town's name tells apart villages of the same name.
    return [
        (v.code, v.display_name if v.parent_id == region.pk else f"{v.parent} · {v.display_name}")
        for v in villages.select_related("parent").order_by("code")
    ]


@require_http_methods(["GET", "POST"])
@login_required
def terminal_create(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    _require_repair(request.user, region)
    villages = _village_choices(request.user, region)
    title = _("登记广播终端")
    if request.method == "GET":
        form = TerminalForm(villages=villages)
        return _form_page(request, form, title=title, back="broadcast:terminals")
    form = TerminalForm(request.POST, villages=villages)
    if form.is_valid():
        data = form.cleaned_data
        village = access_object(Region.objects.all(), request.user, code=data.pop("region"))
        try:
            services.terminal_register(actor=request.user, region=village, **data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已登记广播终端。"))
            return redirect("broadcast:terminals")
    return _form_page(request, form, title=title, back="broadcast:terminals")


@require_GET
@login_required
def terminal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    terminal = access_object(Terminal.objects.select_related("region"), request.user, pk=pk)
    if not can(request.user, Capability.MANAGE_PUBLICITY, terminal.region.code):
        raise PermissionDenied
    return render(
        request,
        "broadcast/terminal_detail.html",
        {
            "terminal": terminal,
            "faults": terminal.faults.select_related("order").order_by("-reported_at")[:50],
            "can_repair": services.can_repair(request.user, terminal.region.code),
        },
    )


@require_POST
@login_required
def terminal_service(request: HttpRequest, pk: int) -> HttpResponse:
    terminal = access_object(Terminal.objects.select_related("region"), request.user, pk=pk)
    _require_repair(request.user, terminal.region)
    in_service = request.POST.get("in_service") == "1"
    try:
        services.terminal_set_in_service(
            actor=request.user, terminal=terminal, in_service=in_service
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已恢复使用。") if in_service else _("已停用。"))
    return redirect("broadcast:terminal", pk=terminal.pk)


# --- the cadre's phone page: "this loudspeaker is silent" -----------------------------------


@require_GET
@login_required
def report(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    terminals = selectors.terminal_list(request.user, region=region).exclude(
        status=Terminal.Status.DISABLED
    )
    return render(
        request, "broadcast/report.html", {"region": region, "terminals": terminals[:200]}
    )


@require_http_methods(["GET", "POST"])
@login_required
def report_terminal(request: HttpRequest, pk: int) -> HttpResponse:
    terminal = access_object(Terminal.objects.select_related("region"), request.user, pk=pk)
    if not services.can_report(request.user, terminal.region.code):
        raise PermissionDenied
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.fault_report(
                actor=request.user,
                terminal=terminal,
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已上报，维修人员会尽快处理。"))
            return redirect("broadcast:report")
    return render(request, "broadcast/report_form.html", {"form": form, "terminal": terminal})


# --- faults and repair orders ---------------------------------------------------------------


@require_GET
@login_required
def fault_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    show_all = request.GET.get("show") == "all"
    if show_all:
        faults = selectors.fault_list(request.user, region=region)
    else:
        faults = selectors.open_fault_list(request.user, region=region)
    return render(
        request,
        "broadcast/fault_list.html",
        {
            "region": region,
            "page": _page(request, faults),
            "show_all": show_all,
            "now": timezone.now(),
        },
    )


def _repairer_options(region: Region) -> list[tuple[str, str]]:
    return [(str(u.pk), u.get_username()) for u in selectors.repairer_choices(region)]


@require_GET
@login_required
def fault_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fault = access_object(
        Fault.objects.select_related("terminal", "region", "reported_by"), request.user, pk=pk
    )
    if not can(request.user, Capability.MANAGE_PUBLICITY, fault.region.code):
        raise PermissionDenied
    order = WorkOrder.objects.filter(fault=fault).select_related("assignee").first()
    can_repair = services.can_repair(request.user, fault.region.code)
    return render(
        request,
        "broadcast/fault_detail.html",
        {
            "fault": fault,
            "order": order,
            "can_repair": can_repair,
            "dispatch_form": DispatchForm(
                repairers=_repairer_options(fault.region),
                initial={"team": WorkOrder.Team.JOINT, "assignee": str(request.user.pk)},
            ),
            "close_form": CloseForm(initial={"cause": fault.kind}),
        },
    )


@require_POST
@login_required
def fault_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    fault = access_object(Fault.objects.select_related("region"), request.user, pk=pk)
    _require_repair(request.user, fault.region)
    form = DispatchForm(request.POST, repairers=_repairer_options(fault.region))
    if not form.is_valid():
        messages.error(request, _("请选择维修力量和负责人。"))
        return redirect("broadcast:fault", pk=fault.pk)
    assignee = None
    if form.cleaned_data["assignee"]:
        assignee = get_user_model().objects.filter(pk=form.cleaned_data["assignee"]).first()
    try:
        services.fault_dispatch(
            actor=request.user,
            fault=fault,
            team=form.cleaned_data["team"],
            assignee=assignee,
            crew=form.cleaned_data["crew"],
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已派单。"))
    return redirect("broadcast:fault", pk=fault.pk)


def _order(request: HttpRequest, pk: int) -> WorkOrder:
    order = access_object(WorkOrder.objects.select_related("region", "fault"), request.user, pk=pk)
    _require_repair(request.user, order.region)
    return order


@require_POST
@login_required
def order_arrive(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    try:
        services.order_arrive(actor=request.user, order=order)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已登记到场。"))
    return redirect("broadcast:fault", pk=order.fault_id)


@require_POST
@login_required
def order_close(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择查明的故障原因。"))
        return redirect("broadcast:fault", pk=order.fault_id)
    try:
        services.order_close(
            actor=request.user,
            order=order,
            cause=form.cleaned_data["cause"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已修复，工单关闭。"))
    return redirect("broadcast:fault", pk=order.fault_id)


# --- programmes -----------------------------------------------------------------------------


@require_GET
@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    return render(
        request,
        "broadcast/programme_list.html",
        {
            "region": region,
            "page": _page(request, selectors.programme_list(region)),
            "plays_today": stats.plays_per_day(region),
            "can_repair": services.can_repair(request.user, region.code),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def programme_create(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    _require_repair(request.user, region)
    title = _("编排广播节目")
    if request.method == "GET":
        form = ProgrammeForm(
            initial={"start_date": timezone.localdate(), "schedule": "07:00, 12:00, 18:30"}
        )
        return _form_page(request, form, title=title, back="broadcast:programmes")
    form = ProgrammeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.programme_create(
                actor=request.user,
                region=region,
                title=data["title"],
                content=data["content"],
                schedule=re.split(services.SCHEDULE_SEPARATORS, data["schedule"]),
                start_date=data["start_date"],
                end_date=data["end_date"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已编排广播节目。"))
            return redirect("broadcast:programmes")
    return _form_page(request, form, title=title, back="broadcast:programmes")


# --- exports --------------------------------------------------------------------------------


@require_GET
@login_required
def export(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    region = _region(request)
    spec = EXPORTS.get(name)
    if spec is None or fmt not in ("xlsx", "csv"):
        raise Http404
    rows = spec.rows(request.user, region)
    now = timezone.localtime()
    watermark = (
        f"导出人：{request.user.get_username()}  导出时间：{now:%Y-%m-%d %H:%M}  "
        f"{region.display_name}"
    )
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        target=f"{spec.title} {len(rows)}行",
        region_code=region.code,
        request=request,
        detail={"export": f"broadcast.{name}", "rows": len(rows), "format": fmt},
    )
    filename = f"{spec.title}-{region.display_name}-{now:%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(
            write_csv(spec.headers, rows, watermark=watermark), content_type="text/csv"
        )
    else:
        response = HttpResponse(
            write_xlsx(spec.headers, rows, title=spec.title, watermark=watermark),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
