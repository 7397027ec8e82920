"""Hotline pages. Everything needs HANDLE_HOTLINE at the region concerned, except the
escalations, which civil affairs (VIEW_LEDGER) reads and acts on as well. Objects are fetched
through org.access, so a row outside the scope is a 404."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qunfang.core.audit import audit_record
from qunfang.core.errors import attach_errors, flash_errors
from qunfang.core.formfields import parse_id
from qunfang.core.models import AuditEvent
from qunfang.core.ratelimit import Limit, hit
from qunfang.core.spreadsheets import write_csv, write_xlsx
from qunfang.hotlines import exports, selectors, services, stats
from qunfang.hotlines.forms import (
    CallForm,
    CloseForm,
    EscalationForm,
    FollowUpForm,
    LineForm,
    PlaceForm,
    ShiftForm,
    WindowForm,
)
from qunfang.hotlines.models import Call, Escalation
from qunfang.org.access import access_object, can
from qunfang.org.current import current_region
from qunfang.org.models import Region
from qunfang.org.roles import Capability, Level

PAGE_SIZE = 50
HOTLINE = Capability.HANDLE_HOTLINE
# Project choice (SECURITY.md): 30 exports an hour from one client.
EXPORT_LIMIT = Limit("hotline-export", 30, 3600)


def _region(request: HttpRequest, *capabilities: str) -> Region:
    """The region on screen, if the user holds one of `capabilities` there."""
    region = current_region(request)
    if region is None or not any(can(request.user, c, region.code) for c in capabilities):
        raise PermissionDenied
    return region


def _require(user, capability: str, region: Region) -> None:
    if not can(user, capability, region.code):
        raise PermissionDenied


def _can_place(user, region: Region) -> bool:
    return can(user, Capability.VIEW_LEDGER, region.code) and can(
        user, Capability.EDIT_RECORDS, region.code
    )


def _picked(form: Form, field: str, queryset):
    """The row a picker names among `queryset` (already scoped), or None when the field did
    not parse. A key outside the queryset is a 404 whatever else is wrong with the form."""
    form.is_valid()
    pk = form.cleaned_data.get(field)
    if pk is None:  # empty, or not an id at all (the form's bounds are those of an id)
        return None
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def _page(request: HttpRequest, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _form_page(request, form, *, title: str, back: str, intro: str = "") -> HttpResponse:
    return render(
        request,
        "hotlines/form.html",
        {"form": form, "title": title, "back": back, "intro": intro},
    )


@require_GET
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    region = _region(request, HOTLINE)
    window = WindowForm(request.GET or None)
    start = end = None
    if window.is_valid():
        start, end = window.cleaned_data["start"], window.cleaned_data["end"]
    summary = stats.hotline_summary(request.user, region, start, end)
    topics = [(label, summary.by_topic[value]) for value, label in Call.Topic.choices]
    risks = [(value, label, summary.by_risk[value]) for value, label in Call.Risk.choices]
    return render(
        request,
        "hotlines/overview.html",
        {
            "region": region,
            "summary": summary,
            "topics": topics,
            "risks": risks,
            "window": window,
            "as_of": end or timezone.localdate(),
        },
    )


# --- lines ----------------------------------------------------------------------------------


@require_GET
@login_required
def line_list(request: HttpRequest) -> HttpResponse:
    region = _region(request, HOTLINE)
    return render(
        request,
        "hotlines/line_list.html",
        {"region": region, "lines": selectors.line_list(request.user)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def line_create(request: HttpRequest) -> HttpResponse:
    region = _region(request, HOTLINE)
    title = _("登记热线")
    if request.method == "GET":
        return _form_page(request, LineForm(), title=title, back="hotlines:lines")
    form = LineForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.line_create(actor=request.user, region=region, **data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已登记热线。"))
            return redirect("hotlines:lines")
    return _form_page(request, form, title=title, back="hotlines:lines")


# --- shifts ---------------------------------------------------------------------------------


@require_GET
@login_required
def shift_list(request: HttpRequest) -> HttpResponse:
    region = _region(request, HOTLINE)
    show_all = request.GET.get("show") == "all"
    shifts = selectors.shift_list(request.user, region=region, upcoming_only=not show_all)
    return render(
        request,
        "hotlines/shift_list.html",
        {"region": region, "page": _page(request, shifts), "show_all": show_all},
    )


@require_http_methods(["GET", "POST"])
@login_required
def shift_create(request: HttpRequest) -> HttpResponse:
    region = _region(request, HOTLINE)
    lines = selectors.line_list(request.user).filter(is_active=True)
    counsellors = selectors.counsellor_choices(request.user, region=region)
    options = {
        "line": [(line.pk, str(line)) for line in lines],
        "counsellor": [(u.pk, u.get_full_name() or u.get_username()) for u in counsellors],
    }
    title = _("排班")
    if request.method == "GET":
        return _form_page(request, ShiftForm(options=options), title=title, back="hotlines:shifts")
    form = ShiftForm(request.POST, options=options)
    line = _picked(form, "line", lines)
    counsellor = _picked(form, "counsellor", counsellors)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.shift_create(
                actor=request.user,
                line=line,
                counsellor=counsellor,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                note=data["note"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已排班。"))
            return redirect("hotlines:shifts")
    return _form_page(request, form, title=title, back="hotlines:shifts")


# --- calls ----------------------------------------------------------------------------------


def _call_filters(request: HttpRequest) -> dict:
    risk = request.GET.get("risk", "")
    return {
        "line": parse_id(request.GET.get("line")),
        "risk": risk if risk in Call.Risk.values else "",
        "overdue_only": request.GET.get("show") == "overdue",
    }


@require_GET
@login_required
def call_list(request: HttpRequest) -> HttpResponse:
    region = _region(request, HOTLINE)
    filters = _call_filters(request)
    calls = selectors.call_list(request.user, region=region, **filters)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "hotlines/call_list.html",
        {
            "region": region,
            "page": _page(request, calls),
            "filters": filters,
            "lines": selectors.line_list(request.user),
            "risks": Call.Risk.choices,
            "extra": query.urlencode(),
            "can_reveal": can(request.user, Capability.VIEW_SENSITIVE, region.code),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def call_create(request: HttpRequest) -> HttpResponse:
    region = _region(request, HOTLINE)
    lines = selectors.line_list(request.user).filter(is_active=True)
    places = selectors.place_choices(request.user, region=region)
    options = {
        "line": [(line.pk, str(line)) for line in lines],
        "place": [(p.pk, p.display_name) for p in places],
    }
    title = _("登记来电")
    if request.method == "GET":
        initial = {
            "received_at": timezone.localtime().replace(second=0, microsecond=0),
            "place": region.pk,
        }
        form = CallForm(options=options, initial=initial)
        return _form_page(request, form, title=title, back="hotlines:calls")
    form = CallForm(request.POST, options=options)
    line = _picked(form, "line", lines)
    place = _picked(form, "place", places)
    if place is not None:
        _require(request.user, HOTLINE, place)
    if form.is_valid():
        data = form.cleaned_data
        try:
            call = services.call_record(
                actor=request.user,
                line=line,
                region=place,
                received_at=data["received_at"],
                duration_minutes=data["duration_minutes"],
                caller_type=data["caller_type"],
                caller_phone=data["caller_phone"],
                topic=data["topic"],
                risk=data["risk"],
                action=data["action"],
                notes=data["notes"],
                follow_up_due=data["follow_up_due"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已登记来电。"))
            return redirect("hotlines:call", pk=call.pk)
    return _form_page(request, form, title=title, back="hotlines:calls")


def _hotline_call(request: HttpRequest, pk: int) -> Call:
    call = access_object(
        Call.objects.select_related("line", "region", "taken_by"), request.user, pk=pk
    )
    _require(request.user, HOTLINE, call.region)
    return call


@require_http_methods(["GET", "POST"])
@login_required
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The call with its notes (reading them is audited). A POST with reveal=1 also shows the
    caller's full number, for VIEW_SENSITIVE only, audited."""
    call = _hotline_call(request, pk)
    phone = ""
    if request.method == "POST":
        if not can(request.user, Capability.VIEW_SENSITIVE, call.region.code):
            raise PermissionDenied
        phone = services.call_reveal_phone(actor=request.user, call=call, request=request)
    notes = None
    if services.may_read_notes(request.user, call.region.code):
        notes = services.call_read_notes(actor=request.user, call=call, request=request)
    escalation = Escalation.objects.filter(call=call).select_related("region", "care").first()
    return render(
        request,
        "hotlines/call_detail.html",
        {
            "call": call,
            "notes": notes,
            "phone": phone,
            "repeat": services.calls_from_same_number(call),
            "escalation": escalation,
            "can_reveal": can(request.user, Capability.VIEW_SENSITIVE, call.region.code),
            "follow_up_form": FollowUpForm(initial={"done_on": timezone.localdate()}),
            "today": timezone.localdate(),
        },
    )


@require_POST
@login_required
def call_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    call = _hotline_call(request, pk)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效日期，如 2020-02-03。"))
        return redirect("hotlines:call", pk=call.pk)
    try:
        services.call_follow_up(
            actor=request.user,
            call=call,
            note=form.cleaned_data["note"],
            done_on=form.cleaned_data["done_on"],
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已记录回访。"))
    return redirect("hotlines:call", pk=call.pk)


@require_http_methods(["GET", "POST"])
@login_required
def call_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    call = _hotline_call(request, pk)
    # The call's own region bounds where the child may be: a village at or below it.
    villages = selectors.village_choices(request.user, region=call.region)
    options = {"village": [(v.pk, v.display_name) for v in villages]}
    title = _("困境儿童转介民政")
    intro = _(
        "填写儿童身份证号并指定照料人时，若该儿童在村人口台账中，将立即建立临时照料；"
        "否则转介记为“待民政安置”，由民政安置。"
    )
    if request.method == "GET":
        initial = {"village": call.region.pk} if call.region.level == Level.VILLAGE else {}
        form = EscalationForm(options=options, initial=initial)
        return _form_page(request, form, title=title, back="hotlines:calls", intro=intro)
    form = EscalationForm(request.POST, options=options)
    village = _picked(form, "village", villages)
    if form.is_valid():
        data = form.cleaned_data
        try:
            escalation = services.call_escalate(
                actor=request.user,
                call=call,
                village=village,
                child_name=data["child_name"],
                child_id_number=data["child_id_number"],
                situation=data["situation"],
                reason=data["reason"],
                carer_name=data["carer_name"],
                carer_phone=data["carer_phone"],
                place=data["place"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            if escalation.status == Escalation.Status.PLACED:
                messages.success(request, _("已转介民政，并已安排临时照料。"))
            else:
                messages.warning(request, _("已转介民政，等待民政安置。"))
            return redirect("hotlines:call", pk=call.pk)
    return _form_page(request, form, title=title, back="hotlines:calls", intro=intro)


@require_GET
@login_required
def call_export(request: HttpRequest, fmt: str) -> HttpResponse:
    region = _region(request, HOTLINE)
    if fmt not in ("xlsx", "csv"):
        raise Http404
    reveal = request.GET.get("reveal") == "1"
    if reveal and not can(request.user, Capability.VIEW_SENSITIVE, region.code):
        raise PermissionDenied
    if not hit(request, EXPORT_LIMIT):
        return HttpResponse(_("导出过于频繁，请稍后再试。"), status=429)
    calls = selectors.call_list(request.user, region=region, **_call_filters(request))
    headers, rows = exports.call_rows(calls, reveal=reveal)
    return _export(request, region, _("热线来电记录"), headers, rows, fmt, reveal)


def _export(request, region, title, headers, rows, fmt, reveal) -> HttpResponse:
    now = timezone.localtime()
    watermark = (
        f"导出人：{request.user.get_username()}  导出时间：{now:%Y-%m-%d %H:%M}  "
        f"{region.display_name}"
    )
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        target=f"{title} {'完整' if reveal else '脱敏'} {len(rows)}行",
        region_code=region.code,
        request=request,
        detail={"rows": len(rows), "reveal": reveal, "format": fmt},
    )
    if fmt == "csv":
        body, content_type = write_csv(headers, rows, watermark=watermark), "text/csv"
    else:
        body = write_xlsx(headers, rows, title=title, watermark=watermark)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    filename = f"{title}-{region.display_name}-{now:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# --- escalations (civil affairs reads them too) ---------------------------------------------


@require_GET
@login_required
def escalation_list(request: HttpRequest) -> HttpResponse:
    region = _region(request, HOTLINE, Capability.VIEW_LEDGER)
    status = request.GET.get("status", "")
    if status not in Escalation.Status.values:
        status = ""
    escalations = selectors.escalation_list(request.user, region=region, status=status)
    return render(
        request,
        "hotlines/escalation_list.html",
        {
            "region": region,
            "page": _page(request, escalations),
            "status": status,
            "statuses": Escalation.Status.choices,
            "can_place": _can_place(request.user, region),
            "is_hotline": can(request.user, HOTLINE, region.code),
        },
    )


def _placeable(request: HttpRequest, pk: int) -> Escalation:
    escalation = access_object(
        Escalation.objects.select_related("region", "call"), request.user, pk=pk
    )
    if not _can_place(request.user, escalation.region):
        raise PermissionDenied
    return escalation


@require_POST
@login_required
def escalation_place(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = _placeable(request, pk)
    form = PlaceForm(request.POST)
    form.is_valid()
    data = {name: form.cleaned_data.get(name, "") for name in form.fields}
    try:
        services.escalation_place(actor=request.user, escalation=escalation, **data)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已安排临时照料。"))
    return redirect("hotlines:escalations")


@require_POST
@login_required
def escalation_close(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = _placeable(request, pk)
    form = CloseForm(request.POST)
    form.is_valid()
    try:
        services.escalation_close(
            actor=request.user, escalation=escalation, note=form.cleaned_data.get("note", "")
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已结案。"))
    return redirect("hotlines:escalations")
