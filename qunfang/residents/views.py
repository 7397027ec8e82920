from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qunfang.core import spreadsheets
from qunfang.core.audit import audit_record
from qunfang.core.ledgers import LEDGERS, ledger_import
from qunfang.core.models import AuditEvent
from qunfang.core.spreadsheets import SpreadsheetError, write_csv, write_template, write_xlsx
from qunfang.org.access import access_object, can, has_capability_anywhere
from qunfang.org.current import current_region
from qunfang.org.roles import Capability
from qunfang.residents import selectors, services, stats
from qunfang.residents.audit import completeness_audit
from qunfang.residents.forms import (
    AlertTransitionForm,
    AuditForm,
    HealthCheckForm,
    ImportForm,
    PeriodForm,
    PersonFilterForm,
    RevealForm,
)
from qunfang.residents.models import Alert, HealthCheck, Person, Tag
from qunfang.residents.rules import FEVER_THRESHOLD, STALE_DAYS, TRANSITIONS


def _region_for(request: HttpRequest, capability: str = Capability.VIEW_LEDGER):
    """The current region, if the user holds the ledger (and `capability`) there."""
    region = current_region(request)
    if region is None:
        raise PermissionDenied
    for needed in {Capability.VIEW_LEDGER, capability}:
        if not can(request.user, needed, region.code):
            raise PermissionDenied
    return region


@require_GET
@login_required
def health_round(request: HttpRequest) -> HttpResponse:
    region = _region_for(request, Capability.EDIT_RECORDS)
    day = timezone.localdate()
    method = request.GET.get("method", HealthCheck.Method.PHONE)
    if method not in HealthCheck.Method.values:
        method = HealthCheck.Method.PHONE
    everyone = request.GET.get("all") == "1"
    people = selectors.round_people(request.user, region, day, everyone=everyone)
    page = Paginator(people, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "residents/round.html",
        {
            "region": region,
            "day": day,
            "page": page,
            "progress": selectors.round_progress(request.user, region, day),
            "method": method,
            "methods": HealthCheck.Method.choices,
            "everyone": everyone,
            "threshold": FEVER_THRESHOLD,
        },
    )


@require_POST
@login_required
def health_check(request: HttpRequest, pk: int) -> HttpResponse:
    person = access_object(Person.objects.select_related("region"), request.user, pk=pk)
    if not can(request.user, Capability.EDIT_RECORDS, person.region.code) or not can(
        request.user, Capability.VIEW_LEDGER, person.region.code
    ):
        raise PermissionDenied
    form = HealthCheckForm(request.POST)
    back = reverse("residents:round") + "?" + request.POST.get("back", "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{person.name}：{error}")
        return redirect(back)
    try:
        _check, alert = services.health_check_record(
            actor=request.user, person=person, request=request, **form.cleaned_data
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, f"{person.name}：{message}")
        return redirect(back)
    if alert is not None:
        messages.warning(
            request,
            _("%(name)s：%(reason)s，已上报症状预警，请立即安排隔离或送诊。")
            % {"name": person.name, "reason": alert.reason},
        )
    else:
        messages.success(request, _("%(name)s：已记录，无异常。") % {"name": person.name})
    return redirect(back)


@require_GET
@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    region = _region_for(request)
    state = request.GET.get("state", "open")
    if state not in ("open", "overdue", "closed", "all"):
        state = "open"
    alerts = selectors.alert_list(request.user, region, state=state)
    page = Paginator(alerts, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    for alert in page:
        alert.overdue = selectors.is_overdue(alert, now)
    return render(
        request,
        "residents/alert_list.html",
        {"region": region, "page": page, "state": state},
    )


@require_GET
@login_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = access_object(Alert.objects.select_related("person", "region"), request.user, pk=pk)
    if not can(request.user, Capability.VIEW_LEDGER, alert.region.code):
        raise Http404
    return _render_alert(request, alert)


def _render_alert(request: HttpRequest, alert: Alert, form=None, status: int = 200) -> HttpResponse:
    alert.overdue = selectors.is_overdue(alert)
    return render(
        request,
        "residents/alert_detail.html",
        {
            "alert": alert,
            "steps": alert.steps.select_related("actor"),
            "next_statuses": [
                (value, Alert.Status(value).label) for value in TRANSITIONS[alert.status]
            ],
            "can_edit": can(request.user, Capability.EDIT_RECORDS, alert.region.code),
            "form": form or AlertTransitionForm(),
        },
        status=status,
    )


@require_POST
@login_required
def alert_transition(request: HttpRequest, pk: int) -> HttpResponse:
    alert = access_object(Alert.objects.select_related("person", "region"), request.user, pk=pk)
    if not can(request.user, Capability.EDIT_RECORDS, alert.region.code):
        raise PermissionDenied
    form = AlertTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择新的状态。"))
        return redirect("residents:alert", pk=alert.pk)
    try:
        services.alert_transition(
            actor=request.user,
            alert=alert,
            to_status=form.cleaned_data["to_status"],
            note=form.cleaned_data["note"],
            request=request,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("预警状态已更新。"))
    return redirect("residents:alert", pk=alert.pk)


@require_GET
@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    region = _region_for(request)
    form = PersonFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    people = selectors.person_list(
        request.user, region, tag=filters.get("tag", ""), query=filters.get("q", "")
    )
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "residents/person_list.html",
        {
            "region": region,
            "page": page,
            "form": form,
            "exports": _exports_for(request.user, region),
            "querystring": request.GET.urlencode(),
        },
    )


def _exports_for(user, region) -> list[dict]:
    reveal = can(user, Capability.VIEW_SENSITIVE, region.code)
    return [
        {"name": name, "title": ledger.spec.title, "reveal": reveal}
        for name, ledger in LEDGERS.items()
        if ledger.export is not None and can(user, ledger.view_capability, region.code)
    ]


@require_http_methods(["GET", "POST"])
@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = access_object(
        Person.objects.select_related("household", "region"), request.user, pk=pk
    )
    if not can(request.user, Capability.VIEW_LEDGER, person.region.code):
        raise Http404
    may_reveal = can(request.user, Capability.VIEW_SENSITIVE, person.region.code)
    revealed = None
    form = RevealForm()
    if request.method == "POST":
        if not may_reveal:
            raise PermissionDenied
        form = RevealForm(request.POST)
        if form.is_valid():
            revealed = services.person_reveal(
                actor=request.user,
                person=person,
                reason=form.cleaned_data["reason"],
                request=request,
            )
    return render(
        request,
        "residents/person_detail.html",
        {
            "person": person,
            "tags": person.tags.all(),
            "checks": person.checks.select_related("checked_by")[:14],
            "alerts": person.alerts.all()[:10],
            "may_reveal": may_reveal,
            "revealed": revealed,
            "form": form,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def import_ledger(request: HttpRequest) -> HttpResponse:
    region = _region_for(request, Capability.EDIT_RECORDS)
    choices = [
        (name, ledger.spec.title)
        for name, ledger in LEDGERS.items()
        if can(request.user, ledger.import_capability, region.code)
    ]
    result = None
    file_error = ""
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, ledgers=choices)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > spreadsheets.MAX_BYTES:
                    # Refuse before reading: Django has already spooled it to a temp file.
                    raise SpreadsheetError(
                        f"文件超过 {spreadsheets.MAX_BYTES // (1024 * 1024)} MB，请拆分后分批导入"
                    )
                result = ledger_import(
                    actor=request.user,
                    region=region,
                    ledger_name=form.cleaned_data["ledger"],
                    data=upload.read(),
                    filename=upload.name,
                    valid_only=form.cleaned_data["valid_only"],
                    request=request,
                )
            except SpreadsheetError as error:
                file_error = str(error)
    else:
        form = ImportForm(ledgers=choices, initial={"ledger": request.GET.get("ledger", "persons")})
    return render(
        request,
        "residents/import.html",
        {
            "region": region,
            "form": form,
            "result": result,
            "file_error": file_error,
            "ledgers": choices,
        },
        status=400
        if (form.errors or file_error or (result and result.errors and not result.written))
        else 200,
    )


@require_GET
@login_required
def ledger_template(request: HttpRequest, name: str) -> HttpResponse:
    ledger = LEDGERS.get(name)
    if ledger is None or not has_capability_anywhere(request.user, ledger.view_capability):
        raise Http404
    response = HttpResponse(
        write_template(ledger.spec),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = _attachment(f"{ledger.spec.title}模板.xlsx")
    return response


@require_GET
@login_required
def ledger_export(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    region = _region_for(request)
    ledger = LEDGERS.get(name)
    if ledger is None or ledger.export is None or fmt not in ("xlsx", "csv"):
        raise Http404
    if not can(request.user, ledger.view_capability, region.code):
        raise PermissionDenied
    reveal = request.GET.get("reveal") == "1"
    if reveal and not can(request.user, Capability.VIEW_SENSITIVE, region.code):
        raise PermissionDenied
    headers, rows = ledger.export(request.user, region, reveal=reveal)
    now = timezone.localtime()
    watermark = (
        f"导出人：{request.user.get_username()}  导出时间：{now:%Y-%m-%d %H:%M}  "
        f"{region.display_name}"
    )
    rows = list(rows)
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        target=f"{ledger.spec.title} {'完整' if reveal else '脱敏'} {len(rows)}行",
        region_code=region.code,
        request=request,
        detail={"ledger": name, "rows": len(rows), "reveal": reveal, "format": fmt},
    )
    filename = f"{ledger.spec.title}-{region.display_name}-{now:%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(
            write_csv(headers, rows, watermark=watermark), content_type="text/csv"
        )
    else:
        response = HttpResponse(
            write_xlsx(headers, rows, title=ledger.spec.title, watermark=watermark),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = _attachment(filename)
    return response


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"


@require_GET
@login_required
def audit(request: HttpRequest) -> HttpResponse:
    region = _region_for(request)
    form = AuditForm(request.GET)
    days = (form.cleaned_data.get("days") if form.is_valid() else None) or STALE_DAYS
    report = completeness_audit(request.user, region, stale_days=days)
    return render(
        request,
        "residents/audit.html",
        {"region": region, "report": report, "days": days, "form": form},
    )


@require_GET
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The numbers the civil-affairs summary needs, for the current region and a period."""
    region = _region_for(request)
    form = PeriodForm(request.GET)
    start, end = form.period()
    return render(
        request,
        "residents/overview.html",
        {
            "region": region,
            "form": form,
            "start": start,
            "end": end,
            "per_tag": [
                (label, count)
                for (kind, label), count in zip(
                    Tag.Kind.choices,
                    stats.persons_per_tag(request.user, region, day=end).values(),
                    strict=True,
                )
            ],
            "vulnerable": stats.vulnerable_persons(request.user, region, day=end),
            "checks": stats.checks_done(request.user, region, start=start, end=end),
            "persons_checked": stats.persons_checked(request.user, region, start=start, end=end),
            "alerts_raised": stats.alerts_raised(request.user, region, start=start, end=end),
            "alerts_closed": stats.alerts_closed(request.user, region, start=start, end=end),
            "by_status": [
                (Alert.Status(status).label, count)
                for status, count in stats.alerts_by_status(request.user, region).items()
            ],
        },
    )
